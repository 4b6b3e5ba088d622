import type { LoadedMonth } from "@psa-ledger/link"
import { Schema } from "effect"
import type { ServerContext } from "../internal/context.ts"
import { loadedMonthOf } from "../internal/loadedMonths.ts"
import { route } from "../internal/route.ts"
import { IntFromText, LinkParams, Month } from "../internal/schemas.ts"

const SearchKind = Schema.Literals(["companies", "products", "agreements"])
type SearchKind = typeof SearchKind.Type

const SearchHit = Schema.Struct({
  id: Schema.Int,
  name: Schema.String,
  /** What tells two alike apart: a company's identifier, a catalog item's description, an agreement's company. */
  detail: Schema.optionalKey(Schema.String)
})
type SearchHit = typeof SearchHit.Type

const SearchAnswer = Schema.Struct({
  kind: SearchKind,
  q: Schema.String,
  /** Where the page came from: the loaded month's ConnectWise records, or ConnectWise itself. */
  source: Schema.Literals(["snapshot", "connectwise"]),
  offset: Schema.Int,
  limit: Schema.Int,
  more: Schema.Boolean,
  hits: Schema.Array(SearchHit)
}).annotate({ identifier: "SearchAnswer" })

const contains = (q: string, ...texts: ReadonlyArray<string | undefined>) =>
  texts.some((t) => t?.toLowerCase().includes(q) === true)

/** The loaded month's records of the kind that match, in name order. */
const inSnapshot = (grid: LoadedMonth, kind: SearchKind, q: string, companyId: number | undefined) => {
  const s = grid.snapshot
  const hits: Array<SearchHit> =
    kind === "companies"
      ? s.companies
          .filter((r) => contains(q, r.name, r.identifier))
          .map((r) => ({ id: r.id, name: r.name, detail: r.identifier }))
      : kind === "products"
        ? s.products
            .filter((r) => contains(q, r.identifier, r.description))
            .map((r) => ({ id: r.id, name: r.identifier, detail: r.description }))
        : s.agreements
            .filter((r) => (companyId === undefined || r.companyId === companyId) && contains(q, r.name))
            .map((r) => ({ id: r.id, name: r.name }))
  return hits.sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id)
}

/**
 * The picker's type-ahead over every ConnectWise company, catalog item or agreement. A month loaded
 * on this server answers from its records when they fill the page (no ConnectWise call); they hold
 * only what the month needed, so otherwise ConnectWise is searched with a `conditions` query.
 */
export const searchRoutes = [
  route({
    method: "get",
    path: "/links/{linkId}/lookups/{kind}",
    operationId: "searchConnectWise",
    summary:
      "Type-ahead over ConnectWise companies, products or agreements (of `companyId`): the loaded `month`'s records when they fill the page, else ConnectWise",
    tag: "reconciliation",
    access: "finance",
    params: Schema.Struct({ ...LinkParams.fields, kind: SearchKind }),
    query: Schema.Struct({
      q: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(100))),
      companyId: Schema.optionalKey(IntFromText(1, 2_147_483_647)),
      month: Schema.optionalKey(Month),
      offset: Schema.optionalKey(IntFromText(0, 10_000)),
      limit: Schema.optionalKey(IntFromText(1, 100))
    }),
    response: SearchAnswer,
    handle: async ({ server, params, query }) => {
      const q = (query.q ?? "").trim()
      const offset = query.offset ?? 0
      const limit = query.limit ?? 20
      const answer = { kind: params.kind, q, offset, limit }
      const grid = await gridIfLoaded(server, params.linkId, query.month)
      if (grid !== undefined) {
        const found = inSnapshot(grid, params.kind, q.toLowerCase(), query.companyId)
        if (found.length > offset + limit) {
          return { ...answer, source: "snapshot" as const, more: true, hits: found.slice(offset, offset + limit) }
        }
      }
      const page = await server.deployment.search(params.linkId, params.kind, {
        q,
        companyId: query.companyId,
        offset,
        limit,
        signal: server.shutdown.signal
      })
      return {
        ...answer,
        source: "connectwise" as const,
        more: page.more,
        hits: page.hits.map((h) => ({ id: h.id, name: h.name, ...(h.detail ? { detail: h.detail } : {}) }))
      }
    }
  })
]

/** The month's loaded grid when it is loaded (by any process on the storage). */
const gridIfLoaded = (server: ServerContext, linkId: string, month: string | undefined) =>
  month === undefined ? Promise.resolve(undefined) : loadedMonthOf(server, linkId, month)
