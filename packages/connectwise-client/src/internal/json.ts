import { BigDecimal } from "effect"

const SAFE_INTEGER = /^-?\d{1,15}$/
const MARKER = "__psa_ledger_cw_decimal__:"

/**
 * Parses JSON keeping the exact text of every number that is not a small integer. ConnectWise
 * writes money as JSON numbers; `JSON.parse` alone would round `12.345678901234567890` to a
 * double. The reviver's `context.source` (Node ≥ 21) hands us the digits as sent, so decimals
 * become strings here and {@link import("../Records.ts").Decimal} turns them into `BigDecimal`.
 */
export const parseJsonLossless = (text: string): unknown =>
  JSON.parse(text, (_key, value: unknown, context?: { source?: string }) =>
    typeof value === "number" && context?.source !== undefined && !SAFE_INTEGER.test(context.source)
      ? context.source
      : value
  )

/** Formats a BigDecimal as plain decimal digits (no exponent). */
export const formatDecimal = (value: BigDecimal.BigDecimal): string => {
  const n = BigDecimal.normalize(value)
  const negative = n.value < 0n
  const digits = (negative ? -n.value : n.value).toString()
  if (n.scale <= 0) return `${negative ? "-" : ""}${digits}${"0".repeat(-n.scale)}`
  const padded = digits.padStart(n.scale + 1, "0")
  return `${negative ? "-" : ""}${padded.slice(0, -n.scale)}.${padded.slice(-n.scale)}`
}

/** JSON.stringify that writes `BigDecimal` values as exact JSON numbers. */
export const stringifyJson = (value: unknown): string =>
  JSON.stringify(value, function (this: unknown, key: string, v: unknown) {
    const original = (this as Record<string, unknown>)[key]
    return BigDecimal.isBigDecimal(original) ? `${MARKER}${formatDecimal(original)}` : v
  }).replace(new RegExp(`"${MARKER}(-?[0-9.]+)"`, "g"), "$1")
