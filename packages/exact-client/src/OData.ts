/**
 * OData v2 as Exact speaks it: a `$filter` builder with correct literals, and JSON parsing that
 * keeps every digit of an amount.
 *
 * @since 0.1.0
 */
import { BigDecimal, Option } from "effect"

/**
 * A `$filter` expression; `String(filter)` (or `.text`) is what goes on the wire.
 *
 * @since 0.1.0
 */
export interface Filter {
  readonly text: string
  and(other: Filter): Filter
  or(other: Filter): Filter
  toString(): string
}

/**
 * A literal value in a filter: strings are quoted (`'` doubled), `Date`s become `datetime'…'`,
 * `guid(…)` values `guid'…'`, `decimal(…)` values stay the exact numeral.
 *
 * @since 0.1.0
 */
export type FilterValue = string | number | boolean | null | Date | GuidLiteral | DecimalLiteral | BigDecimal.BigDecimal

/**
 * A GUID literal for a filter.
 *
 * @since 0.1.0
 */
export interface GuidLiteral {
  readonly _tag: "Guid"
  readonly value: string
}

/**
 * A decimal literal for a filter, written exactly as given.
 *
 * @since 0.1.0
 */
export interface DecimalLiteral {
  readonly _tag: "Decimal"
  readonly value: string
}

const guidPattern = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/
const decimalPattern = /^-?\d+(\.\d+)?$/
const fieldPattern = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)?$/

/**
 * Whether a string is a GUID (any case).
 *
 * @since 0.1.0
 */
export const isGuid = (value: string): boolean => guidPattern.test(value)

const make = (text: string): Filter => ({
  text,
  and: (other) => make(`(${text}) and (${other.text})`),
  or: (other) => make(`(${text}) or (${other.text})`),
  toString: () => text
})

const field = (name: string): string => {
  if (!fieldPattern.test(name)) throw new TypeError(`Not a field name: ${JSON.stringify(name)}`)
  return name
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0")

/**
 * Writes a value as an OData v2 literal.
 *
 * @since 0.1.0
 */
export const literal = (value: FilterValue): string => {
  if (value === null) return "null"
  if (typeof value === "boolean") return value ? "true" : "false"
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError("A filter number must be finite")
    return String(value)
  }
  if (typeof value === "string") return `'${value.replaceAll("'", "''")}'`
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError("Invalid Date in a filter")
    // Exact compares datetimes without a zone; we write UTC.
    const ms = value.getUTCMilliseconds()
    return `datetime'${value.getUTCFullYear()}-${pad(value.getUTCMonth() + 1)}-${pad(value.getUTCDate())}T${pad(value.getUTCHours())}:${pad(value.getUTCMinutes())}:${pad(value.getUTCSeconds())}${ms ? `.${pad(ms, 3)}` : ""}'`
  }
  if (BigDecimal.isBigDecimal(value)) return BigDecimal.format(value)
  if (value._tag === "Guid") return `guid'${value.value}'`
  return value.value
}

const compare = (op: string) => (name: string, value: FilterValue) => make(`${field(name)} ${op} ${literal(value)}`)

/**
 * The `$filter` builder.
 *
 * @example
 * ```ts
 * import { odata } from "@psa-ledger/exact-client"
 *
 * const filter = odata
 *   .ge("InvoiceDate", new Date(Date.UTC(2026, 0, 1)))
 *   .and(odata.lt("InvoiceDate", new Date(Date.UTC(2026, 1, 1))))
 *   .and(odata.eq("OrderedByName", "Café 't Hoekje"))
 * // (InvoiceDate ge datetime'2026-01-01T00:00:00') and … and (OrderedByName eq 'Café ''t Hoekje')
 * ```
 *
 * @since 0.1.0
 */
export const odata = {
  eq: compare("eq"),
  ne: compare("ne"),
  gt: compare("gt"),
  ge: compare("ge"),
  lt: compare("lt"),
  le: compare("le"),
  /** `substringof('needle', Field)`: the field contains the text. */
  substringof: (needle: string, name: string) => make(`substringof(${literal(needle)}, ${field(name)})`),
  startswith: (name: string, prefix: string) => make(`startswith(${field(name)}, ${literal(prefix)})`),
  and: (...filters: ReadonlyArray<Filter>) => make(filters.map((f) => `(${f.text})`).join(" and ")),
  or: (...filters: ReadonlyArray<Filter>) => make(filters.map((f) => `(${f.text})`).join(" or ")),
  not: (filter: Filter) => make(`not (${filter.text})`),
  /** A GUID literal; throws on anything that is not a GUID. */
  guid: (value: string): GuidLiteral => {
    if (!guidPattern.test(value)) throw new TypeError(`Not a GUID: ${JSON.stringify(value)}`)
    return { _tag: "Guid", value: value.toLowerCase() }
  },
  /** An exact decimal literal (a string such as `"12.50"`). */
  decimal: (value: string): DecimalLiteral => {
    if (!decimalPattern.test(value)) throw new TypeError(`Not a decimal: ${JSON.stringify(value)}`)
    return { _tag: "Decimal", value }
  },
  /** Raw filter text you built yourself. */
  raw: (text: string): Filter => make(text)
} as const

type Reviver = (this: unknown, key: string, value: unknown, context?: { readonly source?: string }) => unknown

const safeInteger = /^-?\d{1,15}$/

/**
 * Parses an Exact JSON body without binary rounding: integers up to 15 digits stay numbers, every
 * other number becomes its decimal literal as a string (`12.3450` stays `"12.3450"`).
 *
 * It reads the literal's source text, which `JSON.parse` hands to revivers since Node 21 (V8's
 * "JSON.parse source text access"), so no digit passes through a double.
 *
 * @since 0.1.0
 */
export const parseExactJson = (text: string): unknown => {
  const reviver: Reviver = (_key, value, context) => {
    if (typeof value !== "number") return value
    const source = context?.source
    if (source === undefined) {
      throw new Error("This JavaScript engine lacks JSON.parse source text access (Node 21+ is required)")
    }
    if (safeInteger.test(source)) return value
    if (/[eE]/.test(source)) return BigDecimal.format(Option.getOrThrow(BigDecimal.fromString(source)))
    return source
  }
  return JSON.parse(text, reviver as (key: string, value: unknown) => unknown)
}

const datePattern = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/

/**
 * Reads Exact's `/Date(ms)/` form; `undefined` for anything else.
 *
 * @since 0.1.0
 */
export const parseExactDate = (value: string): Date | undefined => {
  const match = datePattern.exec(value)
  return match ? new Date(Number(match[1])) : undefined
}

/**
 * Turns an OData record into plain values: `/Date(ms)/` → `Date`, expanded collections
 * (`{results: […]}`) → arrays, deferred links and `__metadata` dropped.
 *
 * @since 0.1.0
 */
export const plainRecord = (record: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(record)) {
    if (key === "__metadata") continue
    if (typeof value === "string") {
      out[key] = value.startsWith("/Date(") ? (parseExactDate(value) ?? value) : value
    } else if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      const nested = value as Record<string, unknown>
      if ("__deferred" in nested) continue
      if (Array.isArray(nested.results)) {
        out[key] = nested.results.map((item) =>
          item !== null && typeof item === "object" ? plainRecord(item as Record<string, unknown>) : item
        )
      } else out[key] = plainRecord(nested)
    } else out[key] = value
  }
  return out
}

/**
 * Writes JSON for a request body with decimals as exact numeric literals: values made with
 * `odata.decimal`, and `BigDecimal`s, are written digit for digit.
 *
 * @since 0.1.0
 */
export const toExactJson = (value: unknown): string => {
  if (value === undefined || value === null) return "null"
  if (BigDecimal.isBigDecimal(value)) return BigDecimal.format(value)
  if (value instanceof Date) return JSON.stringify(value.toISOString())
  if (Array.isArray(value)) return `[${value.map(toExactJson).join(",")}]`
  if (typeof value === "object") {
    const tagged = value as Partial<DecimalLiteral>
    if (tagged._tag === "Decimal" && typeof tagged.value === "string") return tagged.value
    const parts: Array<string> = []
    for (const [key, field] of Object.entries(value)) {
      if (field !== undefined) parts.push(`${JSON.stringify(key)}:${toExactJson(field)}`)
    }
    return `{${parts.join(",")}}`
  }
  return JSON.stringify(value)
}
