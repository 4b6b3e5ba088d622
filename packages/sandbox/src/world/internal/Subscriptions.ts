/**
 * What each customer subscribes to: a few products, each with a start, perhaps an end, a monthly
 * quantity that drifts now and then, and (when there are more lines than products) split lines.
 */
import type { Customer, DraftCustomer, DraftPair } from "../Model.ts"
import type { ResolvedWorldOptions } from "../Options.ts"
import { baseQuantity, drift } from "./Draws.ts"
import { isActive } from "./Pairs.ts"
import type { Prng } from "./Prng.ts"
import type { ProductDef } from "./Products.ts"

/** Fill every customer's pairs from the "subscriptions" stream. */
export const drawSubscriptions = (
  o: ResolvedWorldOptions,
  products: ReadonlyArray<ProductDef>,
  customers: ReadonlyArray<DraftCustomer>,
  rng: Prng
): void => {
  const L = o.months - 1
  const productIndexes = products.map((_, i) => i)
  for (const c of customers) {
    let distinct = Math.min(o.products, o.linesPerCustomer)
    if (o.linesPerCustomer <= o.products && o.linesPerCustomer >= 2 && rng.chance(0.1)) distinct -= 1
    const chosen = rng.shuffle(productIndexes.slice()).slice(0, distinct)
    chosen.sort((a, b) => a - b)
    for (const p of chosen) c.pairs.push(drawPair(o, products[p]!, c, p, rng))
    if (!c.pairs.some((pair) => isActive(pair, L))) {
      const first = c.pairs[0]!
      // Every customer is still a customer in the latest month.
      const base = first.qty[first.start]!
      first.end = o.months
      first.cancelInCw = false
      for (let m = first.start; m < o.months; m++) if (first.qty[m] === 0) first.qty[m] = base
    }
    let extra = o.linesPerCustomer - distinct
    const splittable = c.pairs.filter((pair) => products[pair.product]!.kind !== "terabyte")
    for (let k = 0; extra > 0 && splittable.length > 0; k++, extra--) splittable[k % splittable.length]!.lines += 1
  }
}

/** One subscription: its first month, its last, and its quantity in every month between. */
const drawPair = (o: ResolvedWorldOptions, def: ProductDef, c: Customer, p: number, rng: Prng): DraftPair => {
  const L = o.months - 1
  const base = baseQuantity(rng, def, c.size)
  const begin = L >= 1 && rng.chance(0.1) ? rng.int(1, L) : 0
  const end = L >= 1 && begin < L && rng.chance(0.05) ? rng.int(begin + 1, L) : o.months
  const qty = new Array<number>(o.months).fill(0)
  let q = base
  for (let m = begin; m < Math.max(end, begin + 1) && m < o.months; m++) {
    if (m > begin && rng.chance(0.04)) q = drift(rng, def, q)
    qty[m] = q
  }
  return {
    customer: c.index,
    product: p,
    start: begin,
    end,
    qty,
    lines: 1,
    cancelInCw: end < o.months,
    inject: null,
    additionQty: null,
    additionCostCents: null
  }
}
