/**
 * Exact decimals for money and quantities: a `BigDecimal` in memory, a decimal string in JSON.
 *
 * @since 0.1.0
 */
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
