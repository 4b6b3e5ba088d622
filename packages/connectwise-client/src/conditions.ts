import { BigDecimal } from "effect"
import { formatDecimal } from "./internal/json.ts"

declare const ConditionBrand: unique symbol

/**
 * A conditions expression built by {@link conditions}. It is a string, so it goes wherever a
 * `conditions` query parameter does; the brand marks it as built, quoted and escaped by us.
 *
 * @since 0.1.0
 */
export type Condition = string & { readonly [ConditionBrand]: true }

/**
 * A value a condition compares with. Dates are sent as `[YYYY-MM-DDTHH:MM:SSZ]` in UTC.
 *
 * @since 0.1.0
 */
export type ConditionValue = string | number | boolean | null | Date | BigDecimal.BigDecimal

const FIELD = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*$/

const field = (name: string): string => {
  if (!FIELD.test(name)) throw new TypeError(`Not a ConnectWise field path: ${JSON.stringify(name)}`)
  return name
}

/**
 * Quotes a string for the conditions language: backslashes and double quotes are escaped.
 *
 * @since 0.1.0
 */
export const quote = (text: string): string => `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`

const literal = (value: ConditionValue): string => {
  if (value === null) return "null"
  if (typeof value === "boolean") return value ? "true" : "false"
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`Not a finite number: ${value}`)
    return String(value)
  }
  if (typeof value === "string") return quote(value)
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError("Invalid Date in a condition")
    return `[${value.toISOString().replace(/\.\d{3}Z$/, "Z")}]`
  }
  if (BigDecimal.isBigDecimal(value)) return formatDecimal(value)
  throw new TypeError("Unsupported condition value")
}

const make = (text: string): Condition => text as Condition

/**
 * Builds `conditions` strings that cannot be injected: field names are checked, strings quoted
 * and escaped, dates bracketed.
 *
 * @example
 * ```ts
 * const c = conditions.and(conditions.eq("company/identifier", "O'Brien \"B.V.\""), conditions.eq("agreementStatus", "Active"))
 * await client.listAll("/finance/agreements", { conditions: c })
 * ```
 *
 * @since 0.1.0
 */
export const conditions = {
  /** `field = value` */
  eq: (name: string, value: ConditionValue): Condition => make(`${field(name)} = ${literal(value)}`),
  /** `field != value` */
  ne: (name: string, value: ConditionValue): Condition => make(`${field(name)} != ${literal(value)}`),
  /** `field > value` */
  gt: (name: string, value: ConditionValue): Condition => make(`${field(name)} > ${literal(value)}`),
  /** `field >= value` */
  gte: (name: string, value: ConditionValue): Condition => make(`${field(name)} >= ${literal(value)}`),
  /** `field < value` */
  lt: (name: string, value: ConditionValue): Condition => make(`${field(name)} < ${literal(value)}`),
  /** `field <= value` */
  lte: (name: string, value: ConditionValue): Condition => make(`${field(name)} <= ${literal(value)}`),
  /** `field like "pattern"`, where `%` matches any run of characters. */
  like: (name: string, pattern: string): Condition => make(`${field(name)} like ${quote(pattern)}`),
  /** `field contains "text"` */
  contains: (name: string, text: string): Condition => make(`${field(name)} contains ${quote(text)}`),
  /** `field in (a, b, …)`; an empty list matches nothing. */
  in: (name: string, values: ReadonlyArray<ConditionValue>): Condition =>
    values.length === 0 ? make("id = -1") : make(`${field(name)} in (${values.map(literal).join(", ")})`),
  /** All of the conditions, each parenthesised. */
  and: (...parts: ReadonlyArray<Condition>): Condition => make(parts.map((p) => `(${p})`).join(" and ")),
  /** Any of the conditions. */
  or: (...parts: ReadonlyArray<Condition>): Condition => make(parts.map((p) => `(${p})`).join(" or ")),
  /** The negation of a condition: `not (…)`. */
  not: (part: Condition): Condition => make(`not (${part})`)
} as const
