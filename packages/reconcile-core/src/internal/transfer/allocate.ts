import { BigDecimal } from "effect"
import type { ExactVatCode } from "../../Transfer.ts"

/** Cents (or the currency's minor unit) of a decimal, rounded half away from zero. */
const toMinor = (value: BigDecimal.BigDecimal, scale: number): bigint => {
  const rounded = BigDecimal.scale(BigDecimal.round(value, { scale, mode: "half-from-zero" }), scale)
  return rounded.value
}

const fromMinor = (minor: bigint, scale: number): BigDecimal.BigDecimal => BigDecimal.make(minor, scale)

const abs = (n: bigint) => (n < 0n ? -n : n)

/**
 * Splits `total` (rounded to `scale`) over lines in proportion to `weights`, in whole minor units,
 * so that the parts add up to the total exactly: each line gets its share rounded towards zero,
 * and the units left over go one each to the lines with the largest remainders (ties: the earlier
 * line). Lines of weight zero get nothing; with no weight at all the first line takes the total.
 *
 * This is how ConnectWise's invoice-level sales tax becomes per-line VAT amounts that Exact books
 * as given, instead of Exact's own per-line rounding (which can be a cent off the invoice).
 */
export const allocate = (
  total: BigDecimal.BigDecimal,
  weights: ReadonlyArray<BigDecimal.BigDecimal>,
  scale = 2
): Array<BigDecimal.BigDecimal> => {
  const target = toMinor(total, scale)
  // Weights in a common fine unit, so the shares are exact integer arithmetic.
  const fine = 12
  const w = weights.map((weight) => BigDecimal.scale(weight, fine).value)
  const sum = w.reduce((a, b) => a + b, 0n)
  if (weights.length === 0) return []
  if (sum === 0n) return weights.map((_, index) => fromMinor(index === 0 ? target : 0n, scale))
  const parts = w.map((wi) => (target * wi) / sum)
  const remainders = w.map((wi, index) => ({ index, rest: abs(target * wi - (parts[index] as bigint) * sum) }))
  let left = target - parts.reduce((a, b) => a + b, 0n)
  const step = left < 0n ? -1n : 1n
  remainders.sort((a, b) => (a.rest === b.rest ? a.index - b.index : a.rest > b.rest ? -1 : 1))
  for (let i = 0; left !== 0n; i = (i + 1) % remainders.length) {
    const at = (remainders[i] as { index: number }).index
    if (w[at] === 0n) continue
    parts[at] = (parts[at] as bigint) + step
    left -= step
  }
  return parts.map((part) => fromMinor(part, scale))
}

/** A decimal rounded to `scale` places, half away from zero. */
export const roundTo = (value: BigDecimal.BigDecimal, scale = 2): BigDecimal.BigDecimal =>
  fromMinor(toMinor(value, scale), scale)

/**
 * ConnectWise's tax spread over the taxed lines, per VAT rate: each rate's lines get what that rate
 * charges on their nets (rounded once per rate, as ConnectWise does), spread over them by net; a
 * cent or two by which the invoice's tax differs goes to the rates by their weight. The parts add
 * up to the invoice's tax exactly. When a rate is unknown, the tax is spread by net over all lines.
 */
export const spreadVat = (
  tax: BigDecimal.BigDecimal,
  lines: ReadonlyArray<{ readonly net: BigDecimal.BigDecimal; readonly vat: ExactVatCode | undefined }>
): Array<BigDecimal.BigDecimal> => {
  if (lines.some((line) => !BigDecimal.isZero(line.net) && line.vat?.percentage === undefined)) {
    return allocate(
      tax,
      lines.map((line) => line.net)
    )
  }
  const groups = new Map<string, { rate: BigDecimal.BigDecimal; members: Array<number> }>()
  lines.forEach((line, i) => {
    if (line.vat?.percentage === undefined) return
    const key = line.vat.code.trim()
    const group = groups.get(key) ?? { rate: line.vat.percentage, members: [] }
    group.members.push(i)
    groups.set(key, group)
  })
  const all = [...groups.values()]
  if (all.length === 0) {
    return allocate(
      tax,
      lines.map((line) => line.net)
    )
  }
  const raw = all.map((group) =>
    BigDecimal.multiply(
      group.members.reduce(
        (a, i) => BigDecimal.sum(a, (lines[i] as (typeof lines)[number]).net),
        BigDecimal.fromBigInt(0n)
      ),
      group.rate
    )
  )
  const charged = raw.map((value) => roundTo(value))
  const left = BigDecimal.subtract(
    roundTo(tax),
    charged.reduce((a, b) => BigDecimal.sum(a, b), BigDecimal.fromBigInt(0n))
  )
  const extra = allocate(left, raw)
  const vats = lines.map(() => BigDecimal.fromBigInt(0n))
  all.forEach((group, g) => {
    const share = BigDecimal.sum(charged[g] as BigDecimal.BigDecimal, extra[g] as BigDecimal.BigDecimal)
    const parts = allocate(
      share,
      group.members.map((i) => (lines[i] as (typeof lines)[number]).net)
    )
    group.members.forEach((i, k) => {
      vats[i] = parts[k] as BigDecimal.BigDecimal
    })
  })
  return vats
}
