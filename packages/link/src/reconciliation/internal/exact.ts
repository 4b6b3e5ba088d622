import { type ExactClient, isGuid, odata } from "@psa-ledger/exact-client"
import { Effect } from "effect"
import { LinkError, LinkSourceError, toLinkError } from "../../LinkError.ts"
import { type InvoiceMonth, monthBounds } from "../InvoiceSource.ts"

/** A raw Exact record as the client hands it out without a schema (decimals as strings, dates as `Date`). */
export type Raw = Record<string, unknown>

/**
 * How many GUIDs one `$filter` may carry. `(ID eq guid'…') or ` is 40-odd characters, about 70
 * URL-encoded: 25 of them keep the query under 2 KB, IIS's default query-string limit.
 */
export const GUIDS_PER_FILTER = 25

/** Text of a raw field, or undefined. */
export const text = (value: unknown): string | undefined =>
  typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined

/** A raw numeric field as makeInvoiceLine reads it: decimal text, a number, or the shown value of anything else. */
export const amount = (value: unknown): string | number | undefined =>
  typeof value === "string" || typeof value === "number"
    ? value
    : value === null || value === undefined
      ? undefined
      : JSON.stringify(value)

/**
 * An Exact read as an Effect: `call` gets an `AbortSignal` that fires when the Effect is
 * interrupted, so the request in flight is aborted; any failure becomes a `LinkError` (`Source`)
 * naming the source (a `LinkError` is kept as it is).
 */
export const reading = <A>(source: string, call: (signal: AbortSignal) => Promise<A>): Effect.Effect<A, LinkError> =>
  // Declared with its parameter: Effect only hands a signal to a thunk whose `length` is 1.
  Effect.tryPromise({
    try: (signal: AbortSignal) => call(signal),
    catch: (error) =>
      error instanceof LinkError
        ? error
        : LinkError.of(
            new LinkSourceError({
              source,
              message: error instanceof Error ? error.message : String(error),
              ...(error instanceof Error ? { cause: error } : {})
            })
          )
  })

/** {@link monthBounds} failing in the Effect (an invalid month is `InvalidInput`). */
export const boundsOf = (month: InvoiceMonth) =>
  Effect.try({ try: () => monthBounds(month), catch: (error) => toLinkError(error) })

/**
 * Records of an endpoint by their GUIDs with the fewest calls: one filtered call for a few ids,
 * otherwise every record paged (1,000 a page on bulk endpoints) — for hundreds of ids that costs
 * ⌈records/1,000⌉ calls where filters would cost ⌈ids/25⌉. Failures are the `source`'s.
 */
export const recordsById = (
  source: string,
  exact: ExactClient,
  endpoint: string,
  ids: Iterable<string>,
  options: { readonly select: ReadonlyArray<string>; readonly bulk: boolean; readonly key?: string }
): Effect.Effect<Map<string, Raw>, LinkError> => {
  const key = options.key ?? "ID"
  const wanted = [...new Set([...ids].filter(isGuid).map((id) => id.toLowerCase()))]
  if (wanted.length === 0) return Effect.succeed(new Map())
  return reading(source, async (signal) => {
    const found = new Map<string, Raw>()
    const wantedSet = new Set(wanted)
    const keep = (record: Raw) => {
      const id = text(record[key])?.toLowerCase()
      if (id !== undefined && wantedSet.has(id)) found.set(id, record)
    }
    const query = { select: options.select, bulk: options.bulk, signal }
    if (wanted.length > GUIDS_PER_FILTER) {
      for await (const record of exact.paginate<Raw>(endpoint, query)) keep(record)
      return found
    }
    const filter = odata.or(...wanted.map((id) => odata.eq(key, odata.guid(id))))
    for (const record of await exact.listAll<Raw>(endpoint, { ...query, filter })) keep(record)
    return found
  })
}

/** The first day of the month `back` months before `now`'s month (UTC). */
export const monthsBackFrom = (now: number, back: number): Date => {
  const date = new Date(now)
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - back, 1))
}

/** Months of dates, newest first. */
export const monthsOf = (dates: Iterable<unknown>): Array<string> => {
  const months = new Set<string>()
  for (const value of dates) {
    if (value instanceof Date && !Number.isNaN(value.getTime())) months.add(value.toISOString().slice(0, 7))
  }
  return [...months].sort().reverse()
}

/** An Exact account as an invoice customer: the GUID is the key, the code trimmed (Exact right-aligns it). */
export const customerOf = (id: string, account: Raw | undefined, fallbackName: string | undefined) => ({
  key: id,
  code: text(account?.Code)?.trim() ?? "",
  name: text(account?.Name) ?? fallbackName ?? "",
  vatNumber: text(account?.VATNumber),
  cocNumber: text(account?.ChamberOfCommerce)
})

export const ACCOUNT_FIELDS = ["ID", "Code", "Name", "VATNumber", "ChamberOfCommerce"] as const
