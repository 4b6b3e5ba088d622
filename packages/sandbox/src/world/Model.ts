/**
 * The world's model: the products, the customers, what each customer subscribes to month by month,
 * the credit notes, and the deviations injected into the latest month — everything drawn from the
 * seed. The Exact records, the ConnectWise records and the truth are all written from this model and
 * draw nothing of it again.
 *
 * Each concern draws from its own named stream (see `Prng.stream`), and within a stream the draws
 * happen in a fixed order: reordering a loop here changes every world.
 */
import { type Period, parseMonth, periods } from "./internal/Dates.ts"
import { type DuplicateAddition, injectDeviations, pickDuplicateAdditions } from "./internal/Deviations.ts"
import { countryFor, customerSize } from "./internal/Draws.ts"
import { type CompanyIdentity, type Country, identityFor, padAccountCode, phoneFor } from "./internal/Names.ts"
import { isActive } from "./internal/Pairs.ts"
import { Prng } from "./internal/Prng.ts"
import { type ProductDef, productDefs, TECHNICIAN_HOUR } from "./internal/Products.ts"
import { drawSubscriptions } from "./internal/Subscriptions.ts"
import { type ResolvedWorldOptions, resolveOptions, type WorldOptions, WorldOptionsError } from "./Options.ts"
import type { LinkEvidence } from "./Truth.ts"

/** A deviation injected into one customer-product pair in the latest month. */
export type Injection = "quantityOff" | "unitCostOff" | "additionMissing" | "additionNotInvoiced" | "malformedQuantity"

/** One customer subscribing to one product. */
export interface Pair {
  readonly customer: number
  readonly product: number
  readonly start: number
  /** Exclusive: the pair is invoiced in months [start, end). */
  readonly end: number
  /** Quantity in hundredths, per month (meaningful inside [start, end)). */
  readonly qty: ReadonlyArray<number>
  /** Lines the pair is split over on an invoice. */
  readonly lines: number
  /** The customer cancelled and ConnectWise records it (an addition with a cancel date). */
  readonly cancelInCw: boolean
  readonly inject: Injection | null
  /** What the ConnectWise addition says instead of the invoiced quantity, when it differs. */
  readonly additionQty: number | null
  /** What the ConnectWise addition says instead of the product's cost, when it differs. */
  readonly additionCostCents: number | null
}

/** The key ConnectWise knows a customer's company by. */
export type CompanyEvidence = Exclude<LinkEvidence, "identifier"> | "identifier"

/** One Exact customer account and its place in ConnectWise. */
export interface Customer {
  readonly index: number
  readonly code: string
  readonly paddedCode: string
  readonly country: Country
  readonly identity: CompanyIdentity
  readonly phone: string
  readonly size: number
  readonly discountPercent: number
  readonly paymentCondition: "14" | "30"
  readonly currency: "EUR" | "GBP"
  readonly vatCode: string
  readonly accountId: string
  readonly projectId: string | null
  readonly noCompany: boolean
  readonly noAgreement: boolean
  readonly currencyMismatch: boolean
  readonly deletedDuplicate: boolean
  readonly evidence: CompanyEvidence
  readonly renamed: boolean
  readonly pairs: ReadonlyArray<Pair>
}

/** Part of one pair's line credited back in one month; the net stays the model's quantity. */
export interface Credit {
  readonly pair: Pair
  readonly quantity: number
}

/** Everything the records and the truth are written from. */
export interface WorldModel {
  readonly options: ResolvedWorldOptions
  readonly start: { readonly year: number; readonly month: number }
  readonly periods: ReadonlyArray<Period>
  /** The index of the latest month, the one ConnectWise mirrors. */
  readonly latest: number
  /** The recurring products. */
  readonly products: ReadonlyArray<ProductDef>
  /** The recurring products and, last, the technician hour. */
  readonly allProducts: ReadonlyArray<ProductDef>
  /** Products ConnectWise has no catalog item for. */
  readonly productMissing: ReadonlySet<number>
  /** Products whose catalog item has another identifier than the Exact item code. */
  readonly identifierMismatchItems: ReadonlySet<number>
  readonly customers: ReadonlyArray<Customer>
  /** Customers whose latest invoice gets a line without an item. */
  readonly malformedItemCustomers: ReadonlySet<number>
  /** Keyed by `${month}:${customer index}`. */
  readonly credits: ReadonlyMap<string, Credit>
  /** Pairs whose agreement gets a second active addition of the product in the latest month (empty unless asked). */
  readonly duplicates: ReadonlyMap<Pair, DuplicateAddition>
  /**
   * The "ids" stream, already drawn from for the customers' account and project ids. The Exact
   * records continue it, so it is handed on rather than reopened (which would repeat the ids).
   */
  readonly ids: Prng
}

/** A model object while it is being drawn; read-only once the model is built. */
export type Draft<T> = { -readonly [K in keyof T]: T[K] }

/** A pair while it is being drawn. */
export type DraftPair = Omit<Draft<Pair>, "qty"> & { qty: Array<number> }

/** A customer while it is being drawn. */
export type DraftCustomer = Omit<Draft<Customer>, "pairs"> & { pairs: Array<DraftPair> }

interface Roles {
  readonly noCompany: ReadonlySet<number>
  readonly noAgreement: ReadonlySet<number>
  readonly mismatch: ReadonlySet<number>
  readonly duplicate: ReadonlySet<number>
  /** Customers with no customer-level deviation, in the drawn order. */
  readonly ordinary: ReadonlyArray<number>
}

/** Draw the model of a world. Pure: the same options give the same model. */
export const buildModel = (options: WorldOptions): WorldModel => {
  const o = resolveOptions(options)
  const start = parseMonth(o.startMonth)
  if (start === undefined) throw new WorldOptionsError("startMonth", "is not a month")
  const stream = (label: string) => Prng.stream(o.seed, label)
  const ids = stream("ids")
  const L = o.months - 1

  const products = productDefs(stream("products"), o.products)
  const { productMissing, identifierMismatchItems } = pickProductDeviations(o, stream("deviations:products"))
  const roles = assignRoles(o, stream("roles"))
  const customers = drawCustomers(o, roles, stream("customers"), ids)
  drawCompanyEvidence(customers, roles.ordinary, stream("cw-companies"))
  drawSubscriptions(o, products, customers, stream("subscriptions"))
  const { malformedItemCustomers } = injectDeviations(
    o,
    products,
    customers,
    roles.ordinary,
    productMissing,
    stream("deviations:pairs")
  )
  const credits = drawCredits(o, products, customers, stream("credits"))
  const duplicates = pickDuplicateAdditions(
    o,
    products,
    customers,
    roles.ordinary,
    productMissing,
    stream("deviations:duplicates")
  )

  return {
    options: o,
    start,
    periods: periods(start, o.months),
    latest: L,
    products,
    allProducts: [...products, TECHNICIAN_HOUR],
    productMissing,
    identifierMismatchItems,
    customers,
    malformedItemCustomers,
    credits,
    duplicates,
    ids
  }
}

/** Which products ConnectWise lacks, and which it knows by another identifier. */
const pickProductDeviations = (o: ResolvedWorldOptions, rng: Prng) => {
  const dev = o.deviations
  if (dev.productMissing > 0 && dev.productMissing >= o.products) {
    throw new WorldOptionsError(
      "deviations.productMissing",
      `must leave at least one of the ${o.products} products in the catalog, got ${dev.productMissing}`
    )
  }
  const order = rng.shuffle(Array.from({ length: o.products }, (_, i) => i))
  return {
    productMissing: new Set(order.slice(0, dev.productMissing)),
    identifierMismatchItems: new Set(
      o.products >= 5
        ? order.slice(dev.productMissing, dev.productMissing + Math.max(1, Math.floor(o.products / 10)))
        : []
    )
  }
}

/** Which customers carry a customer-level deviation; the rest are ordinary. */
const assignRoles = (o: ResolvedWorldOptions, rng: Prng): Roles => {
  const dev = o.deviations
  const wholeCustomer = dev.customerWithoutCompany + dev.agreementMissing + dev.currencyMismatch + 1
  if (wholeCustomer + 1 > o.customers) {
    throw new WorldOptionsError(
      "customers",
      `must be at least ${wholeCustomer + 1} for the deviations asked (customerWithoutCompany + agreementMissing + currencyMismatch, one deleted duplicate and one ordinary customer), got ${o.customers}`
    )
  }
  const order = rng.shuffle(Array.from({ length: o.customers }, (_, i) => i))
  let cursor = 0
  const take = (n: number): Set<number> => {
    const picked = new Set(order.slice(cursor, cursor + n))
    cursor += n
    return picked
  }
  const noCompany = take(dev.customerWithoutCompany)
  const noAgreement = take(dev.agreementMissing)
  const mismatch = take(dev.currencyMismatch)
  const duplicate = take(1)
  return { noCompany, noAgreement, mismatch, duplicate, ordinary: order.slice(cursor) }
}

/** The customers' identities and terms, each account and project id from the "ids" stream. */
const drawCustomers = (o: ResolvedWorldOptions, roles: Roles, rng: Prng, ids: Prng): Array<DraftCustomer> => {
  const names = new Set<string>()
  const customers: Array<DraftCustomer> = []
  for (let i = 0; i < o.customers; i++) {
    const mismatch = roles.mismatch.has(i)
    const country: Country = mismatch ? "GB" : countryFor(rng)
    const identity = identityFor(rng, country, names, i + 1)
    const code = String(10001 + i)
    const r = rng.fraction()
    customers.push({
      index: i,
      code,
      paddedCode: padAccountCode(code),
      country,
      identity,
      phone: phoneFor(rng, country),
      size: customerSize(rng),
      discountPercent: r < 0.8 ? 0 : r < 0.93 ? 5 : 10,
      paymentCondition: rng.chance(0.8) ? "14" : "30",
      currency: mismatch ? "GBP" : "EUR",
      vatCode: country === "NL" ? "2  " : country === "GB" ? "6  " : "5  ",
      accountId: ids.guid(),
      projectId: rng.chance(0.6) ? ids.guid() : null,
      noCompany: roles.noCompany.has(i),
      noAgreement: roles.noAgreement.has(i),
      currencyMismatch: mismatch,
      deletedDuplicate: roles.duplicate.has(i),
      evidence: "identifier",
      renamed: false,
      pairs: []
    })
  }
  return customers
}

/** How ConnectWise knows each customer: mostly by the account code, some by other keys, a few renamed. */
const drawCompanyEvidence = (
  customers: ReadonlyArray<DraftCustomer>,
  ordinary: ReadonlyArray<number>,
  rng: Prng
): void => {
  for (const c of customers) {
    if (c.noCompany) continue
    if (c.deletedDuplicate) {
      c.evidence = "vatNumber"
      continue
    }
    const r = rng.fraction()
    c.evidence = r < 0.88 ? "identifier" : r < 0.94 ? "accountNumber" : r < 0.98 ? "vatNumber" : "manual"
    c.renamed = rng.chance(0.03)
  }
  const firstRenamed = ordinary.find((i) => !customers[i]!.noCompany)
  if (firstRenamed !== undefined && !customers.some((c) => c.renamed)) customers[firstRenamed]!.renamed = true
}

/** Credit notes: a few customers a month get part of a line credited. */
const drawCredits = (
  o: ResolvedWorldOptions,
  products: ReadonlyArray<ProductDef>,
  customers: ReadonlyArray<Customer>,
  rng: Prng
): Map<string, Credit> => {
  const L = o.months - 1
  const credits = new Map<string, Credit>()
  for (let m = 0; m < o.months; m++) {
    for (const c of customers) {
      if (!rng.chance(0.012)) continue
      const options = c.pairs.filter(
        (pair) =>
          isActive(pair, m) &&
          pair.qty[m]! >= 200 &&
          products[pair.product]!.kind !== "terabyte" &&
          !(m === L && pair.inject === "malformedQuantity")
      )
      if (options.length === 0) continue
      const pair = rng.pick(options)
      credits.set(`${m}:${c.index}`, { pair, quantity: rng.int(1, Math.min(3, pair.qty[m]! / 100 - 1)) * 100 })
    }
  }
  return credits
}
