/**
 * The pair-level deviations of the latest month: which customer-product pairs get a wrong addition
 * (or none, or an unbilled one) or a malformed invoice line. They are spread over as many customers
 * as possible: the candidates are taken round-robin, one pair per customer per round.
 */
import type { Customer, DraftCustomer, DraftPair, Pair } from "../Model.ts"
import { type ResolvedWorldOptions, WorldOptionsError } from "../Options.ts"
import { isActive } from "./Pairs.ts"
import type { Prng } from "./Prng.ts"
import type { ProductDef } from "./Products.ts"

/** Mark the injected pairs from the "deviations:pairs" stream; returns the customers that get a line without an item. */
export const injectDeviations = (
  o: ResolvedWorldOptions,
  products: ReadonlyArray<ProductDef>,
  customers: ReadonlyArray<DraftCustomer>,
  ordinary: ReadonlyArray<number>,
  productMissing: ReadonlySet<number>,
  rng: Prng
): { readonly malformedItemCustomers: ReadonlySet<number> } => {
  const dev = o.deviations
  const L = o.months - 1
  const claim = claimer(roundRobin(customers, ordinary, productMissing, L, rng))
  const activeAtLatest = (c: Customer) => c.pairs.filter((pair) => isActive(pair, L)).length

  claim(
    "additionNotInvoiced",
    dev.additionNotInvoiced,
    (pair) => activeAtLatest(customers[pair.customer]!) >= 2 && (L === 0 || pair.start <= L - 1),
    (pair) => {
      pair.inject = "additionNotInvoiced"
      pair.additionQty = L === 0 ? pair.qty[0]! : pair.qty[L - 1]!
      pair.end = L
      pair.cancelInCw = false
    }
  )
  const malformedQuantities = Math.ceil(dev.malformedLine / 2)
  const malformedItems = Math.floor(dev.malformedLine / 2)
  claim(
    "malformedLine",
    malformedQuantities,
    (pair) => pair.lines === 1,
    (pair) => {
      pair.inject = "malformedQuantity"
    }
  )
  claim(
    "quantityOff",
    dev.quantityOff,
    () => true,
    (pair) => {
      const q = pair.qty[L]!
      const step = products[pair.product]!.kind === "terabyte" ? 25 : 100
      const delta = rng.pick([1, 2, 3, -1, -2]) * step
      pair.inject = "quantityOff"
      pair.additionQty = q + delta >= step ? q + delta : q + Math.abs(delta)
    }
  )
  claim(
    "unitCostOff",
    dev.unitCostOff,
    () => true,
    (pair) => {
      // An old or mistyped cost: 3–12% off the distributor's price.
      const cost = products[pair.product]!.costCents
      const delta = Math.max(1, Math.floor((cost * rng.int(3, 12)) / 100))
      pair.inject = "unitCostOff"
      pair.additionCostCents = rng.chance(0.7) || cost - delta < 1 ? cost + delta : cost - delta
    }
  )
  claim(
    "additionMissing",
    dev.additionMissing,
    () => true,
    (pair) => {
      pair.inject = "additionMissing"
    }
  )
  const malformedItemCustomers = new Set(
    ordinary.filter((i) => customers[i]!.pairs.some((pair) => isActive(pair, L))).slice(0, malformedItems)
  )
  if (malformedItemCustomers.size < malformedItems) {
    throw new WorldOptionsError(
      "deviations.malformedLine",
      "asks for more lines without an item than there are customers"
    )
  }
  return { malformedItemCustomers }
}

/** The ordinary customers' latest-month pairs (shuffled per customer), one per customer per round. */
const roundRobin = (
  customers: ReadonlyArray<DraftCustomer>,
  ordinary: ReadonlyArray<number>,
  productMissing: ReadonlySet<number>,
  L: number,
  rng: Prng
): ReadonlyArray<DraftPair> => {
  const candidates = ordinary.map((i) =>
    rng.shuffle(customers[i]!.pairs.filter((pair) => isActive(pair, L) && !productMissing.has(pair.product)))
  )
  const sequence: Array<DraftPair> = []
  for (let round = 0, added = true; added; round++) {
    added = false
    for (const list of candidates) {
      const pair = list[round]
      if (pair !== undefined) {
        sequence.push(pair)
        added = true
      }
    }
  }
  return sequence
}

/** Claims `count` pairs not yet injected that `accept` takes, in sequence order; throws when too few. */
const claimer =
  (sequence: ReadonlyArray<DraftPair>) =>
  (kind: string, count: number, accept: (pair: Pair) => boolean, apply: (pair: DraftPair) => void): void => {
    let done = 0
    for (const pair of sequence) {
      if (done === count) break
      if (pair.inject !== null || !accept(pair)) continue
      apply(pair)
      done++
    }
    if (done < count) {
      throw new WorldOptionsError(
        `deviations.${kind}`,
        `asks for ${count} but the world has room for ${done}; add customers or lower the count`
      )
    }
  }

/** A second active addition of a pair's product on its agreement, entered in the latest month. */
export interface DuplicateAddition {
  /** In hundredths. */
  readonly qty: number
  readonly costCents: number
}

/**
 * The pairs that get a duplicate addition (`deviations.duplicateAdditions`), drawn from their own
 * stream so that asking for none leaves every other draw, and so the world, as it was. One pair
 * per ordinary customer, among invoiced pairs with no other deviation whose addition runs on.
 */
export const pickDuplicateAdditions = (
  o: ResolvedWorldOptions,
  products: ReadonlyArray<ProductDef>,
  customers: ReadonlyArray<Customer>,
  ordinary: ReadonlyArray<number>,
  productMissing: ReadonlySet<number>,
  rng: Prng
): ReadonlyMap<Pair, DuplicateAddition> => {
  const count = o.deviations.duplicateAdditions ?? 0
  const duplicates = new Map<Pair, DuplicateAddition>()
  if (count === 0) return duplicates
  const L = o.months - 1
  for (const i of rng.shuffle([...ordinary])) {
    if (duplicates.size === count) break
    const options = customers[i]!.pairs.filter(
      (pair) => isActive(pair, L) && pair.inject === null && !pair.cancelInCw && !productMissing.has(pair.product)
    )
    if (options.length === 0) continue
    const pair = rng.pick(options)
    const def = products[pair.product]!
    const q = pair.qty[L]!
    const step = def.kind === "terabyte" ? 25 : 100
    // A copy of the addition: half the time exactly, else with a stale quantity or cost.
    const r = rng.fraction()
    const qty = r < 0.25 ? q + rng.int(1, 3) * step : q
    const costCents = r >= 0.25 && r < 0.5 ? def.costCents + Math.max(1, Math.floor(def.costCents / 20)) : def.costCents
    duplicates.set(pair, { qty, costCents })
  }
  if (duplicates.size < count) {
    throw new WorldOptionsError(
      "deviations.duplicateAdditions",
      `asks for ${count} but the world has room for ${duplicates.size}; add customers or lower the count`
    )
  }
  return duplicates
}
