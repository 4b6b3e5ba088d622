/**
 * Fixed-point helpers for the generator. Money and quantities are held as safe integers in
 * hundredths (cents, or 1/100 of a unit) and only ever leave as decimal strings, so no binary float
 * ever reaches a record. The values stay far below 2^53, where integer arithmetic on doubles is exact.
 */

/** Hundredths → "12.34" (always two decimals; for money). */
export const money = (cents: number): string => {
  const sign = cents < 0 ? "-" : ""
  const abs = Math.abs(cents)
  const whole = Math.floor(abs / 100)
  const frac = abs - whole * 100
  return `${sign}${whole}.${frac < 10 ? "0" : ""}${frac}`
}

/** Hundredths → "12", "2.5", "2.25" (no trailing zeros; for quantities). */
export const quantity = (hundredths: number): string => {
  const sign = hundredths < 0 ? "-" : ""
  const abs = Math.abs(hundredths)
  const whole = Math.floor(abs / 100)
  const frac = abs - whole * 100
  if (frac === 0) return `${sign}${whole}`
  if (frac % 10 === 0) return `${sign}${whole}.${frac / 10}`
  return `${sign}${whole}.${frac < 10 ? "0" : ""}${frac}`
}

/** Round a value held in 1/10,000 to hundredths, half away from zero. */
const roundTenThousandths = (v: number): number => {
  const abs = Math.abs(v)
  const r = Math.floor((abs + 50) / 100)
  return v < 0 ? -r : r
}

/** quantity (hundredths) × unit price (cents) → amount in cents, rounded half away from zero. */
export const times = (quantityHundredths: number, cents: number): number =>
  roundTenThousandths(quantityHundredths * cents)

/** amount (cents) × rate (percent, integer) → cents, rounded half away from zero. */
export const percentOf = (cents: number, percent: number): number => roundTenThousandths(cents * percent)
