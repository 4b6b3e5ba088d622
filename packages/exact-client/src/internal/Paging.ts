/**
 * Reading through the typed `api`: OData envelopes parsed from the body text (so decimals stay
 * exact), records decoded, pages followed by `__next`.
 */
import type { Client } from "openapi-fetch"
import type { ListOptions } from "../ExactClient.ts"
import { ExactDecodeError, ExactError, ExactValidationError } from "../ExactError.ts"
import type { paths } from "../generated/exact.ts"
import { parseExactJson, plainRecord } from "../OData.ts"
import { decodeWith, Me } from "../Records.ts"
import { bulkEndpoint, isBulkOrSync } from "./Endpoints.ts"

/** The typed openapi-fetch client over the pipeline. */
export type ExactApi = Client<paths>

/** What reading needs from the client. */
export interface Reader {
  readonly api: ExactApi
  /** The API's base, e.g. `https://start.exactonline.nl/api`. */
  readonly apiBase: string
  /** The division to use: the override, else the client's. */
  division(override: number | undefined, signal: AbortSignal | undefined): Promise<number>
}

/**
 * A documented list route. `paginate` takes any endpoint name, so every list goes out as this route
 * with its own path: openapi-fetch fills in `{division}` and the query, and checks their types.
 */
type ListRoute = "/v1/{division}/crm/Accounts"
type ListQuery = {
  $filter?: string
  $select?: string
  $expand?: string
  $orderby?: string
  $top?: number
  $skiptoken?: string
  $inlinecount?: string
}

/** `{ signal }` when there is one (openapi-fetch's init takes no `undefined`). */
export const withSignal = (signal: AbortSignal | undefined): { signal?: AbortSignal } => (signal ? { signal } : {})

/**
 * The `{ d: … }` envelope of an answer, read from its text (`parseAs: "text"`; openapi-fetch's types
 * still name the JSON shape) with decimals kept as their digits.
 */
export const parseEnvelope = (text: unknown, endpoint: string): Record<string, unknown> => {
  try {
    const parsed = typeof text === "string" ? parseExactJson(text) : undefined
    if (parsed !== null && typeof parsed === "object" && "d" in parsed) return parsed as Record<string, unknown>
  } catch {
    // fall through
  }
  throw new ExactError({
    reason: new ExactDecodeError({ message: "The answer is not an OData JSON envelope ({ d: … })" }),
    endpoint
  })
}

/** One record, plain (no `__metadata`) and decoded with `schema` when given. */
export const decodeRecord = <A>(
  schema: ListOptions<A>["schema"],
  raw: Record<string, unknown>,
  endpoint: string
): A => {
  const plain = plainRecord(raw)
  if (!schema) return plain as A
  const decoded = decodeWith(schema, plain)
  if (decoded.ok) return decoded.value as A
  const id = ["ID", "InvoiceID", "EntryID", "Code", "UserID"]
    .map((k) => plain[k])
    .find((v) => v !== undefined && v !== null)
  throw new ExactError({
    reason: new ExactDecodeError({
      message: decoded.message,
      record: `${endpoint}${id === undefined ? "" : `(${String(id)})`}`,
      ...(decoded.field === undefined ? {} : { field: decoded.field })
    }),
    method: "GET",
    endpoint
  })
}

/** The signed-in user and their current division. */
export const readMe = async (reader: Reader, signal: AbortSignal | undefined): Promise<Me> => {
  const { data } = await reader.api.GET("/v1/current/Me", { parseAs: "text", ...withSignal(signal) })
  const d = parseEnvelope(data, "current/Me").d as
    | { results?: Array<Record<string, unknown>> }
    | Record<string, unknown>
  const record = Array.isArray((d as { results?: unknown }).results)
    ? (d as { results: Array<Record<string, unknown>> }).results[0]
    : (d as Record<string, unknown>)
  if (!record) {
    throw new ExactError({
      reason: new ExactDecodeError({ message: "current/Me returned no user" }),
      endpoint: "current/Me"
    })
  }
  return decodeRecord(Me, record, "current/Me")
}

const firstQuery = (options: ListOptions<unknown>): ListQuery => ({
  ...(options.filter === undefined ? {} : { $filter: String(options.filter) }),
  ...(options.select ? { $select: options.select.join(",") } : {}),
  ...(options.expand ? { $expand: options.expand.join(",") } : {}),
  ...(options.orderby ? { $orderby: options.orderby } : {}),
  ...(options.top === undefined ? {} : { $top: options.top }),
  ...(options.onCount === undefined ? {} : { $inlinecount: "allpages" })
})

/** Where `__next` points, as a route under the API and its query; never another host's. */
const nextPage = (next: unknown, apiBase: string, path: string): { route: string; query: ListQuery } => {
  const base = new URL(apiBase)
  const url = typeof next === "string" ? new URL(next, base) : undefined
  if (!url || url.origin !== base.origin || !url.pathname.startsWith(`${base.pathname}/`)) {
    // Never send our token to a host other than the API's.
    throw new ExactError({
      reason: new ExactDecodeError({ message: "d.__next does not point at the API host", field: "__next" }),
      method: "GET",
      endpoint: path
    })
  }
  return { route: url.pathname.slice(base.pathname.length), query: Object.fromEntries(url.searchParams) }
}

/** Every record of an endpoint, page by page. */
export async function* paginate<A>(
  reader: Reader,
  endpoint: string,
  options: ListOptions<A> = {}
): AsyncGenerator<A, void, undefined> {
  const path = options.bulk ? bulkEndpoint(endpoint) : endpoint
  if (isBulkOrSync(path) && (!options.select || options.select.length === 0)) {
    const message = "bulk and sync endpoints require a select list"
    throw new ExactError({
      reason: new ExactValidationError({ message, messages: [message] }),
      method: "GET",
      endpoint: path
    })
  }
  const signal = options.signal
  const division = await reader.division(options.division, signal)
  let page: { route: string; query: ListQuery } | undefined = {
    route: `/v1/{division}/${path}`,
    query: firstQuery(options)
  }
  while (page) {
    const { data } = await reader.api.GET(page.route as ListRoute, {
      params: { path: { division }, query: page.query },
      parseAs: "text",
      ...withSignal(signal)
    })
    const d = parseEnvelope(data, path).d as { results?: unknown; __next?: unknown; __count?: unknown }
    if (!Array.isArray(d.results)) {
      throw new ExactError({
        reason: new ExactDecodeError({ message: "d.results is not an array" }),
        method: "GET",
        endpoint: path
      })
    }
    if (options.onCount !== undefined && page.query.$skiptoken === undefined) {
      // Only the first page reports it; an answer without a count says `undefined`.
      const count = typeof d.__count === "string" && /^\d+$/.test(d.__count) ? Number(d.__count) : undefined
      options.onCount(count)
    }
    for (const raw of d.results) yield decodeRecord(options.schema, raw as Record<string, unknown>, path)
    page = d.__next === undefined || d.__next === null ? undefined : nextPage(d.__next, reader.apiBase, path)
  }
}

/** `paginate` collected into an array. */
export const listAll = async <A>(reader: Reader, endpoint: string, options?: ListOptions<A>): Promise<Array<A>> => {
  const out: Array<A> = []
  for await (const record of paginate(reader, endpoint, options)) out.push(record)
  return out
}
