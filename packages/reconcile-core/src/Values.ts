import { BigDecimal, Option, Schema, SchemaGetter } from "effect"

const decimalPattern = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/

/**
 * An exact decimal (money, quantities), a `BigDecimal` in memory and a decimal string in JSON.
 *
 * Unlike `Schema.BigDecimalFromString` it refuses the empty string instead of reading it as zero.
 *
 * @since 0.1.0
 */
export const Decimal = Schema.String.check(
  Schema.isPattern(decimalPattern, { expected: "a decimal number such as 12.50" })
).pipe(
  Schema.decodeTo(Schema.BigDecimal, {
    decode: SchemaGetter.transform((text: string) => BigDecimal.fromStringUnsafe(text)),
    encode: SchemaGetter.transform((value: BigDecimal.BigDecimal) => BigDecimal.format(value))
  })
)

/** @since 0.1.0 */
export type Decimal = BigDecimal.BigDecimal

/**
 * Reads a decimal from text without binary rounding; `undefined` when it is not a decimal.
 *
 * @since 0.1.0
 */
export const parseDecimal = (text: string): BigDecimal.BigDecimal | undefined => {
  const trimmed = text.trim()
  if (!decimalPattern.test(trimmed)) return undefined
  return Option.getOrUndefined(BigDecimal.fromString(trimmed))
}

/**
 * Shorthand for a decimal literal in code and tests: `dec("12.50")`. Throws on anything that is
 * not a decimal, so use `parseDecimal` for input.
 *
 * @since 0.1.0
 */
export const dec = (text: string): BigDecimal.BigDecimal => {
  const value = parseDecimal(text)
  if (value === undefined) throw new Error(`not a decimal: ${JSON.stringify(text)}`)
  return value
}

const isValidDate = (text: string): boolean => {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text)
  if (match === null) return false
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}

/**
 * A calendar date without a time zone, `YYYY-MM-DD`. Ordering the text orders the dates.
 *
 * @since 0.1.0
 */
export const LocalDate = Schema.String.check(
  Schema.makeFilter((text: string) => isValidDate(text) || "a calendar date as YYYY-MM-DD")
)

/** @since 0.1.0 */
export type LocalDate = string

/**
 * Checks and brands a `YYYY-MM-DD` date; `undefined` when it is not a real calendar date.
 *
 * @since 0.1.0
 */
export const parseLocalDate = (text: string): LocalDate | undefined =>
  isValidDate(text) ? (text as LocalDate) : undefined

/**
 * A `LocalDate` literal for code and tests; throws when it is not a calendar date.
 *
 * @since 0.1.0
 */
export const localDate = (text: string): LocalDate => {
  const date = parseLocalDate(text)
  if (date === undefined) throw new Error(`not a YYYY-MM-DD date: ${JSON.stringify(text)}`)
  return date
}

/**
 * The date `days` days after `date` (calendar arithmetic, no clock).
 *
 * @since 0.1.0
 */
export const addDays = (date: LocalDate, days: number): LocalDate => {
  const [year, month, day] = date.split("-").map(Number) as [number, number, number]
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10) as LocalDate
}

/**
 * A currency code as the source writes it (ISO 4217, e.g. `EUR`).
 *
 * @since 0.1.0
 */
export const CurrencyCode = Schema.String.check(
  Schema.isPattern(/^[A-Z]{3}$/, { expected: "an ISO 4217 code such as EUR" })
)

/**
 * A period of service, inclusive at both ends.
 *
 * @since 0.1.0
 */
export class Period extends Schema.Class<Period>("Period")({
  start: LocalDate,
  end: LocalDate
}) {}
