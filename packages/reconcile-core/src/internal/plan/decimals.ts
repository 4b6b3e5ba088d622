import type { BigDecimal } from "effect"

/**
 * One instance per decimal value and scale, for the values a plan keeps: its quantities and
 * impacts repeat (a few quantities, the same prices times the same differences) across tens of
 * thousands of operations, and each kept instance with its bigint is ~70 bytes. The same value at
 * another scale (1.5 and 1.50) stays apart: an operation keeps the scale it was computed at.
 */
export const makeDecimals = (): ((value: BigDecimal.BigDecimal) => BigDecimal.BigDecimal) => {
  const byScale = new Map<number, Map<bigint, BigDecimal.BigDecimal>>()
  return (value) => {
    let byValue = byScale.get(value.scale)
    if (byValue === undefined) {
      byValue = new Map()
      byScale.set(value.scale, byValue)
    }
    const known = byValue.get(value.value)
    if (known !== undefined) return known
    byValue.set(value.value, value)
    return value
  }
}
