import { type Condition, conditions as c } from "@psa-ledger/connectwise-client"
import { DeploymentUpstreamError, fail } from "./DeploymentError.ts"
import { connectWiseClientOf } from "./internal/clients.ts"
import type { DeploymentContext } from "./internal/context.ts"
import { loadLink } from "./internal/links.ts"

/**
 * What a type-ahead searches in ConnectWise: companies, catalog items or agreements.
 *
 * @since 0.1.0
 */
export type SearchKind = "companies" | "products" | "agreements"

/**
 * A ConnectWise record a type-ahead found: its id, its name and a line that tells two alike apart
 * (a company's identifier, an agreement's company, a catalog item's description).
 *
 * @since 0.1.0
 */
export interface SearchHit {
  readonly id: number
  readonly name: string
  readonly detail?: string | undefined
}

/**
 * A page of a type-ahead's matches, in ConnectWise's order by name; `more` when a next page exists.
 *
 * @since 0.1.0
 */
export interface SearchPage {
  readonly hits: ReadonlyArray<SearchHit>
  readonly more: boolean
}

/**
 * What to search for: text the name (or identifier) contains, an agreement's company, and the page.
 *
 * @since 0.1.0
 */
export interface SearchQuery {
  readonly q: string
  readonly companyId?: number | undefined
  readonly offset?: number | undefined
  readonly limit?: number | undefined
  readonly signal?: AbortSignal | undefined
}

const text = (value: unknown) => (typeof value === "string" ? value : "")

/** The conditions of a search: the text in the name or code, quoted by the builder so it cannot be injected. */
const conditionOf = (kind: SearchKind, query: SearchQuery): Condition | undefined => {
  const q = query.q.trim()
  const parts: Array<Condition> = []
  if (kind === "companies" && q !== "") parts.push(c.or(c.contains("name", q), c.contains("identifier", q)))
  if (kind === "products") {
    parts.push(c.eq("inactiveFlag", false))
    if (q !== "") parts.push(c.or(c.contains("identifier", q), c.contains("description", q)))
  }
  if (kind === "agreements") {
    if (q !== "") parts.push(c.contains("name", q))
    if (query.companyId !== undefined) parts.push(c.eq("company/id", query.companyId))
  }
  return parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : c.and(...parts)
}

/**
 * Searches a link's ConnectWise for a type-ahead: one list call with a `conditions` query for the
 * page asked (`limit` default 20, at most 100) plus one row to know whether more follow.
 *
 * @since 0.1.0
 */
export const searchConnectWise = async (
  ctx: DeploymentContext,
  id: string,
  kind: SearchKind,
  query: SearchQuery
): Promise<SearchPage> => {
  const operation = "search"
  const { config } = await loadLink(ctx, id, operation)
  const cw = await connectWiseClientOf(ctx, id, config, operation)
  const offset = Math.max(0, Math.trunc(query.offset ?? 0))
  const limit = Math.min(100, Math.max(1, Math.trunc(query.limit ?? 20)))
  const wanted = offset + limit + 1
  const condition = conditionOf(kind, query)
  const base = {
    pageSize: Math.min(1_000, wanted),
    ...(condition === undefined ? {} : { conditions: condition }),
    ...(query.signal === undefined ? {} : { signal: query.signal })
  }
  const hits: Array<SearchHit> = []
  try {
    // Stopping the iteration stops the paging: one call for any page within the first 1,000 rows.
    if (kind === "companies") {
      for await (const r of cw.paginate("/company/companies", { ...base, orderBy: "name" })) {
        hits.push({ id: r.id, name: text(r.name), detail: text(r.identifier) })
        if (hits.length >= wanted) break
      }
    } else if (kind === "products") {
      // Whole records: the client checks each against its schema, which a `fields` subset would fail.
      for await (const r of cw.paginate("/procurement/catalog", { ...base, orderBy: "identifier" })) {
        hits.push({ id: r.id, name: text(r.identifier), detail: text(r.description) })
        if (hits.length >= wanted) break
      }
    } else {
      for await (const r of cw.paginate("/finance/agreements", { ...base, orderBy: "name" })) {
        hits.push({ id: r.id, name: text(r.name), detail: text(r.company?.name) })
        if (hits.length >= wanted) break
      }
    }
  } catch (error) {
    throw fail(
      operation,
      new DeploymentUpstreamError({
        system: "connectwise",
        message: error instanceof Error ? error.message : String(error),
        cause: error
      })
    )
  }
  return { hits: hits.slice(offset, offset + limit), more: hits.length > offset + limit }
}
