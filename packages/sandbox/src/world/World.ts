/**
 * `createWorld`: one simulated MSP, present in Exact Online and in ConnectWise PSA, with the answer
 * key of its monthly reconciliation.
 *
 * The generator first builds a model (customers, their subscriptions and each month's quantity), then
 * writes the records of both systems from it and, from the same model, the truth. ConnectWise mirrors
 * the latest month's invoices except where a deviation was injected; earlier months differ from it by
 * the natural drift of seat counts, and the truth lists those differences too.
 */

import type {
  ConnectWiseWorld,
  CwAddition,
  CwAgreement,
  CwAgreementType,
  CwBillingTerm,
  CwCatalogItem,
  CwCompany,
  CwCompanyReference,
  CwCurrency,
  CwInvoice,
  CwProductItem,
  CwReference,
  CwTaxCode
} from "./ConnectWiseRecords.ts"
import type {
  ExactAccount,
  ExactDivision,
  ExactGLAccount,
  ExactItem,
  ExactJournal,
  ExactPaymentCondition,
  ExactProject,
  ExactPurchaseInvoice,
  ExactPurchaseInvoiceLine,
  ExactSalesInvoice,
  ExactSalesInvoiceLine,
  ExactVATCode,
  ExactWorld
} from "./ExactRecords.ts"
import { addDays, cwDate, exactDate, type Period, parseMonth, periods } from "./internal/Dates.ts"
import { money, percentOf, quantity, times } from "./internal/Money.ts"
import {
  type CompanyIdentity,
  type Country,
  identifierFromName,
  identityFor,
  phoneFor,
  renamed
} from "./internal/Names.ts"
import { Prng } from "./internal/Prng.ts"
import { type ProductDef, productDefs, TECHNICIAN_HOUR } from "./internal/Products.ts"
import { type ResolvedWorldOptions, resolveOptions, type WorldOptions, WorldOptionsError } from "./Options.ts"
import type {
  AgreementLink,
  CompanyLink,
  Deviation,
  DeviationKind,
  ItemLink,
  LinkEvidence,
  MonthTruth,
  WorldTruth
} from "./Truth.ts"
import { deviationKinds } from "./Truth.ts"

/** A simulated MSP in both systems, with its answer key. Plain data: `JSON.stringify` round-trips it. */
export interface World {
  readonly meta: {
    readonly generator: "@psa-ledger/sandbox world"
    readonly version: 1
    readonly options: ResolvedWorldOptions
    /** "YYYY-MM", oldest first. */
    readonly periods: ReadonlyArray<string>
    /** The month the ConnectWise state mirrors and the ConnectWise invoices belong to. */
    readonly latestPeriod: string
  }
  readonly exact: ExactWorld
  readonly connectwise: ConnectWiseWorld
  readonly truth: WorldTruth
}

// ---------------------------------------------------------------------------------------------------
// The model

type Injection = "quantityOff" | "unitCostOff" | "additionMissing" | "additionNotInvoiced" | "malformedQuantity"

interface Pair {
  readonly customer: number
  readonly product: number
  start: number
  /** Exclusive: the pair is invoiced in months [start, end). */
  end: number
  /** Quantity in hundredths, per month (meaningful inside [start, end)). */
  readonly qty: Array<number>
  /** Lines the pair is split over on an invoice. */
  lines: number
  /** The customer cancelled and ConnectWise records it (an addition with a cancel date). */
  cancelInCw: boolean
  inject: Injection | null
  additionQty: number | null
  additionCostCents: number | null
  /** Filled when the ConnectWise records are written. */
  addition: CwAddition | null
}

type CompanyEvidence = Exclude<LinkEvidence, "identifier"> | "identifier"

interface Customer {
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
  evidence: CompanyEvidence
  renamed: boolean
  readonly pairs: Array<Pair>
  company: CwCompany | null
  agreement: CwAgreement | null
}

interface VatCodeDef {
  readonly code: string
  readonly description: string
  readonly percent: number
  readonly taxCodeId: number
}

const VAT_CODES: ReadonlyArray<VatCodeDef> = [
  { code: "0  ", description: "Geen BTW", percent: 0, taxCodeId: 0 },
  { code: "1  ", description: "BTW laag 9%", percent: 9, taxCodeId: 4 },
  { code: "2  ", description: "BTW hoog 21%", percent: 21, taxCodeId: 1 },
  { code: "5  ", description: "BTW verlegd (EU-dienst)", percent: 0, taxCodeId: 2 },
  { code: "6  ", description: "Export buiten de EU", percent: 0, taxCodeId: 3 }
]

const vatOf = (code: string): VatCodeDef => {
  const def = VAT_CODES.find((v) => v.code === code)
  if (def === undefined) throw new Error(`unknown VAT code ${JSON.stringify(code)}`)
  return def
}

const vatFraction = (percent: number): string => (percent === 0 ? "0" : percent < 10 ? `0.0${percent}` : `0.${percent}`)

const padCode = (code: string): string => code.padStart(18, " ")

const UNIT_BY_KIND: Record<ProductDef["kind"], readonly [code: string, description: string, uom: string]> = {
  user: ["gebr", "Gebruiker", "User"],
  device: ["stuk", "Stuk", "Each"],
  server: ["stuk", "Stuk", "Each"],
  site: ["stuk", "Stuk", "Each"],
  terabyte: ["TB", "Terabyte", "TB"]
}

const MONTH_NAMES = [
  "januari",
  "februari",
  "maart",
  "april",
  "mei",
  "juni",
  "juli",
  "augustus",
  "september",
  "oktober",
  "november",
  "december"
]

const isActive = (pair: Pair, m: number): boolean => pair.start <= m && m < pair.end

/** Split a pair's month quantity over its lines: every extra line carries a small top-up, the first the rest. */
const splitQuantity = (q: number, lines: number): Array<number> => {
  const units = Math.floor(q / 100)
  if (lines <= 1 || q % 100 !== 0 || units < lines) return [q]
  const topUp = Math.max(1, Math.floor(units / (lines + 3)))
  const out = [(units - topUp * (lines - 1)) * 100]
  for (let i = 1; i < lines; i++) out.push(topUp * 100)
  return out
}

const baseQuantity = (rng: Prng, def: ProductDef, size: number): number => {
  switch (def.kind) {
    case "user":
      return Math.max(1, Math.floor(size * (0.5 + 0.5 * rng.fraction()))) * 100
    case "device":
      return Math.max(1, Math.floor(size * (0.7 + 0.5 * rng.fraction()))) * 100
    case "server":
      return rng.int(1, 1 + Math.floor(size / 40)) * 100
    case "site":
      return rng.int(1, size > 60 ? 3 : 1) * 100
    case "terabyte":
      return Math.max(1, Math.floor(size * 0.08 * (0.5 + rng.fraction()) * 4)) * 25
  }
}

const drift = (rng: Prng, def: ProductDef, q: number): number => {
  if (def.kind === "terabyte") {
    const step = rng.int(1, 4) * 25
    return rng.chance(0.5) || q - step < 25 ? q + step : q - step
  }
  const units = q / 100
  const step =
    (def.kind === "user" || def.kind === "device" ? rng.int(1, Math.max(1, Math.floor(units / 10))) : 1) * 100
  return rng.chance(0.55) || q - step < 100 ? q + step : q - step
}

const customerSize = (rng: Prng): number => {
  const r = rng.fraction()
  if (r < 0.5) return rng.int(3, 15)
  if (r < 0.8) return rng.int(16, 50)
  if (r < 0.95) return rng.int(51, 120)
  return rng.int(121, 300)
}

const countryFor = (rng: Prng): Country => {
  const r = rng.fraction()
  if (r < 0.72) return "NL"
  if (r < 0.87) return "BE"
  if (r < 0.98) return "DE"
  return "GB"
}

// ---------------------------------------------------------------------------------------------------
// createWorld

/**
 * Build a simulated MSP from a seed: Exact Online master data and a year of sales invoices, the
 * ConnectWise companies, catalog, agreements and additions that mirror the latest month (but for the
 * injected deviations), a month of ConnectWise invoices, and the truth. Pure and deterministic: the
 * same options give a byte-identical `JSON.stringify(world)` on every machine.
 *
 * @throws {WorldOptionsError} when an option is out of range or the world is too small for the deviations asked.
 * @example
 * ```ts
 * import { createWorld } from "@psa-ledger/sandbox"
 *
 * const world = createWorld({ seed: 7, customers: 200, products: 10, months: 12, linesPerCustomer: 6 })
 * const latest = world.truth.months.at(-1)
 * console.log(world.meta.latestPeriod, latest?.deviations.length)
 * ```
 */
export const createWorld = (options: WorldOptions): World => {
  const o = resolveOptions(options)
  const start = parseMonth(o.startMonth)
  if (start === undefined) throw new WorldOptionsError("startMonth", "is not a month")
  const ps = periods(start, o.months)
  const L = o.months - 1
  const latest = ps[L] as Period
  const stream = (label: string) => Prng.stream(o.seed, label)
  const ids = stream("ids")
  const dev = o.deviations

  // Products ---------------------------------------------------------------------------------------
  const defs = productDefs(stream("products"), o.products)
  if (dev.productMissing > 0 && dev.productMissing >= o.products) {
    throw new WorldOptionsError(
      "deviations.productMissing",
      `must leave at least one of the ${o.products} products in the catalog, got ${dev.productMissing}`
    )
  }
  const productRng = stream("deviations:products")
  const productOrder = productRng.shuffle(defs.map((_, i) => i))
  const productMissing = new Set(productOrder.slice(0, dev.productMissing))
  const identifierMismatchItems = new Set(
    o.products >= 5
      ? productOrder.slice(dev.productMissing, dev.productMissing + Math.max(1, Math.floor(o.products / 10)))
      : []
  )

  // Customer roles ---------------------------------------------------------------------------------
  const wholeCustomer = dev.customerWithoutCompany + dev.agreementMissing + dev.currencyMismatch + 1
  if (wholeCustomer + 1 > o.customers) {
    throw new WorldOptionsError(
      "customers",
      `must be at least ${wholeCustomer + 1} for the deviations asked (customerWithoutCompany + agreementMissing + currencyMismatch, one deleted duplicate and one ordinary customer), got ${o.customers}`
    )
  }
  const roleRng = stream("roles")
  const order = roleRng.shuffle(Array.from({ length: o.customers }, (_, i) => i))
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
  const ordinary = order.slice(cursor)

  // Customers --------------------------------------------------------------------------------------
  const peopleRng = stream("customers")
  const names = new Set<string>()
  const customers: Array<Customer> = []
  for (let i = 0; i < o.customers; i++) {
    const country: Country = mismatch.has(i) ? "GB" : countryFor(peopleRng)
    const identity = identityFor(peopleRng, country, names, i + 1)
    const code = String(10001 + i)
    const r = peopleRng.fraction()
    customers.push({
      index: i,
      code,
      paddedCode: padCode(code),
      country,
      identity,
      phone: phoneFor(peopleRng, country),
      size: customerSize(peopleRng),
      discountPercent: r < 0.8 ? 0 : r < 0.93 ? 5 : 10,
      paymentCondition: peopleRng.chance(0.8) ? "14" : "30",
      currency: mismatch.has(i) ? "GBP" : "EUR",
      vatCode: country === "NL" ? "2  " : country === "GB" ? "6  " : "5  ",
      accountId: ids.guid(),
      projectId: peopleRng.chance(0.6) ? ids.guid() : null,
      noCompany: noCompany.has(i),
      noAgreement: noAgreement.has(i),
      currencyMismatch: mismatch.has(i),
      deletedDuplicate: duplicate.has(i),
      evidence: "identifier",
      renamed: false,
      pairs: [],
      company: null,
      agreement: null
    })
  }

  // How ConnectWise knows each customer: mostly by the account code, some by other keys, a few renamed.
  const cwRng = stream("cw-companies")
  for (const c of customers) {
    if (c.noCompany) continue
    if (c.deletedDuplicate) {
      c.evidence = "vatNumber"
      continue
    }
    const r = cwRng.fraction()
    c.evidence = r < 0.88 ? "identifier" : r < 0.94 ? "accountNumber" : r < 0.98 ? "vatNumber" : "manual"
    c.renamed = cwRng.chance(0.03)
  }
  const firstRenamed = ordinary.find((i) => !customers[i]!.noCompany)
  if (firstRenamed !== undefined && !customers.some((c) => c.renamed)) customers[firstRenamed]!.renamed = true

  // Subscriptions ----------------------------------------------------------------------------------
  const subRng = stream("subscriptions")
  const productIndexes = defs.map((_, i) => i)
  for (const c of customers) {
    let distinct = Math.min(o.products, o.linesPerCustomer)
    if (o.linesPerCustomer <= o.products && o.linesPerCustomer >= 2 && subRng.chance(0.1)) distinct -= 1
    const chosen = subRng.shuffle(productIndexes.slice()).slice(0, distinct)
    chosen.sort((a, b) => a - b)
    for (const p of chosen) {
      const def = defs[p]!
      const base = baseQuantity(subRng, def, c.size)
      const begin = L >= 1 && subRng.chance(0.1) ? subRng.int(1, L) : 0
      const end = L >= 1 && begin < L && subRng.chance(0.05) ? subRng.int(begin + 1, L) : o.months
      const qty = new Array<number>(o.months).fill(0)
      let q = base
      for (let m = begin; m < Math.max(end, begin + 1) && m < o.months; m++) {
        if (m > begin && subRng.chance(0.04)) q = drift(subRng, def, q)
        qty[m] = q
      }
      c.pairs.push({
        customer: c.index,
        product: p,
        start: begin,
        end,
        qty,
        lines: 1,
        cancelInCw: end < o.months,
        inject: null,
        additionQty: null,
        additionCostCents: null,
        addition: null
      })
    }
    if (!c.pairs.some((pair) => isActive(pair, L))) {
      const first = c.pairs[0]!
      // Every customer is still a customer in the latest month.
      const base = first.qty[first.start]!
      first.end = o.months
      first.cancelInCw = false
      for (let m = first.start; m < o.months; m++) if (first.qty[m] === 0) first.qty[m] = base
    }
    let extra = o.linesPerCustomer - distinct
    const splittable = c.pairs.filter((pair) => defs[pair.product]!.kind !== "terabyte")
    for (let k = 0; extra > 0 && splittable.length > 0; k++, extra--) splittable[k % splittable.length]!.lines += 1
  }

  // Pair-level deviations in the latest month, spread over as many customers as possible ------------
  const devRng = stream("deviations:pairs")
  const candidates: Array<Array<Pair>> = ordinary.map((i) =>
    devRng.shuffle(customers[i]!.pairs.filter((pair) => isActive(pair, L) && !productMissing.has(pair.product)))
  )
  const sequence: Array<Pair> = []
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
  const activeAtLatest = (c: Customer) => c.pairs.filter((pair) => isActive(pair, L)).length
  const claim = (kind: string, count: number, accept: (pair: Pair) => boolean, apply: (pair: Pair) => void) => {
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
      const step = defs[pair.product]!.kind === "terabyte" ? 25 : 100
      const delta = devRng.pick([1, 2, 3, -1, -2]) * step
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
      const cost = defs[pair.product]!.costCents
      const delta = Math.max(1, Math.floor((cost * devRng.int(3, 12)) / 100))
      pair.inject = "unitCostOff"
      pair.additionCostCents = devRng.chance(0.7) || cost - delta < 1 ? cost + delta : cost - delta
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

  // Credit notes: a few customers a month get part of a line credited; the net stays the model's quantity.
  const creditRng = stream("credits")
  const credits = new Map<string, { pair: Pair; quantity: number }>()
  for (let m = 0; m < o.months; m++) {
    for (const c of customers) {
      if (!creditRng.chance(0.012)) continue
      const options = c.pairs.filter(
        (pair) =>
          isActive(pair, m) &&
          pair.qty[m]! >= 200 &&
          defs[pair.product]!.kind !== "terabyte" &&
          !(m === L && pair.inject === "malformedQuantity")
      )
      if (options.length === 0) continue
      const pair = creditRng.pick(options)
      credits.set(`${m}:${c.index}`, { pair, quantity: creditRng.int(1, Math.min(3, pair.qty[m]! / 100 - 1)) * 100 })
    }
  }

  // Exact master data ------------------------------------------------------------------------------
  const division = 3_100_000 + (Math.abs(o.seed) % 900_000)
  const divisionRecord: ExactDivision = {
    Code: division,
    Description: "Noordlicht ICT Beheer B.V.",
    HID: 1,
    Country: "NL",
    Currency: "EUR",
    VATNumber: "NL858412377B01",
    ChamberOfCommerceNumber: "71804420"
  }
  const gl = (Code: string, Description: string, BalanceType: "B" | "W", BalanceSide: "C" | "D"): ExactGLAccount => ({
    ID: ids.guid(),
    Code,
    Description,
    BalanceType,
    BalanceSide,
    IsBlocked: false,
    Division: division
  })
  const glAccounts = [
    gl("1300", "Debiteuren", "B", "D"),
    gl("1500", "Af te dragen BTW", "B", "C"),
    gl("1600", "Crediteuren", "B", "C"),
    gl("7000", "Inkoopwaarde dienstverlening", "W", "D"),
    gl("7010", "Inkoopwaarde licenties", "W", "D"),
    gl("8000", "Omzet dienstverlening", "W", "C"),
    gl("8010", "Omzet licenties", "W", "C")
  ]
  const glByCode = (code: string): ExactGLAccount => glAccounts.find((g) => g.Code === code)!
  const vatCodes: Array<ExactVATCode> = VAT_CODES.map((v) => ({
    ID: ids.guid(),
    Code: v.code,
    Description: v.description,
    Percentage: vatFraction(v.percent),
    Type: "E",
    VATTransactionType: "B",
    IsBlocked: false,
    Division: division
  }))
  const journals: Array<ExactJournal> = [
    { ID: ids.guid(), Code: "70", Description: "Verkoopboek", Type: 20, Currency: "EUR", Division: division },
    { ID: ids.guid(), Code: "60", Description: "Inkoopboek", Type: 22, Currency: "EUR", Division: division },
    { ID: ids.guid(), Code: "20", Description: "Bank", Type: 12, Currency: "EUR", Division: division },
    { ID: ids.guid(), Code: "90", Description: "Memoriaal", Type: 90, Currency: "EUR", Division: division }
  ]
  const paymentConditions: Array<ExactPaymentCondition> = [
    { ID: ids.guid(), Code: "00", Description: "Direct", PaymentDays: 0, Division: division },
    { ID: ids.guid(), Code: "14", Description: "14 dagen", PaymentDays: 14, Division: division },
    { ID: ids.guid(), Code: "30", Description: "30 dagen", PaymentDays: 30, Division: division }
  ]
  const conditionDays = (code: string): number => paymentConditions.find((p) => p.Code === code)!.PaymentDays
  const conditionText = (code: string): string => paymentConditions.find((p) => p.Code === code)!.Description

  const allDefs: ReadonlyArray<ProductDef> = [...defs, TECHNICIAN_HOUR]
  const items: Array<ExactItem> = allDefs.map((def) => {
    const revenue = glByCode(def.distributor ? "8010" : "8000")
    const costs = glByCode(def.distributor ? "7010" : "7000")
    const [unit, unitDescription] = def === TECHNICIAN_HOUR ? ["uur", "Uur"] : UNIT_BY_KIND[def.kind]
    return {
      ID: ids.guid(),
      Code: def.code,
      Description: def.description,
      CostPriceStandard: money(def.costCents),
      CostPriceCurrency: "EUR",
      StandardSalesPrice: money(def.priceCents),
      IsSalesItem: true,
      IsPurchaseItem: def.distributor,
      IsStockItem: false,
      Unit: unit,
      UnitDescription: unitDescription,
      SalesVatCode: "2  ",
      GLRevenue: revenue.ID,
      GLRevenueCode: revenue.Code,
      GLCosts: costs.ID,
      GLCostsCode: costs.Code,
      Division: division
    }
  })

  const accounts: Array<ExactAccount> = customers.map((c) => ({
    ID: c.accountId,
    Code: c.paddedCode,
    Name: c.identity.name,
    Status: "C",
    Type: "A",
    IsSales: true,
    IsSupplier: false,
    Blocked: false,
    VATNumber: c.identity.vatNumber,
    ChamberOfCommerce: c.identity.chamberOfCommerce,
    AddressLine1: c.identity.street,
    Postcode: c.identity.postcode,
    City: c.identity.city,
    Country: c.country,
    Email: `administratie@${c.identity.domain}`,
    Phone: c.phone,
    Website: `www.${c.identity.domain}`,
    Language: c.country === "DE" ? "DE" : c.country === "GB" ? "EN" : "NL",
    SalesVATCode: c.vatCode,
    SalesCurrency: c.currency,
    PaymentConditionSales: c.paymentCondition,
    PaymentConditionPurchase: null,
    Division: division
  }))
  const distributor: ExactAccount = {
    ID: ids.guid(),
    Code: padCode("90001"),
    Name: "CloudDistri Benelux B.V.",
    Status: null,
    Type: "A",
    IsSales: false,
    IsSupplier: true,
    Blocked: false,
    VATNumber: "NL862210945B01",
    ChamberOfCommerce: "69120487",
    AddressLine1: "Papendorpseweg 100",
    Postcode: "3528 BJ",
    City: "Utrecht",
    Country: "NL",
    Email: "billing@clouddistri.example",
    Phone: "+31 30 760 1200",
    Website: "www.clouddistri.example",
    Language: "NL",
    SalesVATCode: null,
    SalesCurrency: "EUR",
    PaymentConditionSales: null,
    PaymentConditionPurchase: "30",
    Division: division
  }
  accounts.push(distributor)

  const projects: Array<ExactProject> = []
  for (const c of customers) {
    if (c.projectId === null) continue
    projects.push({
      ID: c.projectId,
      Code: `LIC-${c.code}`,
      Description: `Licenties ${c.identity.name}`,
      Account: c.accountId,
      AccountCode: c.paddedCode,
      AccountName: c.identity.name,
      Division: division
    })
  }

  // ConnectWise master data -------------------------------------------------------------------------
  const currencies: Array<CwCurrency> = [
    { id: 1, currencyCode: "EUR", name: "Euro", symbol: "€", numberOfDecimals: 2 },
    { id: 7, currencyCode: "GBP", name: "Pound Sterling", symbol: "£", numberOfDecimals: 2 }
  ]
  const eur = currencies[0]!
  const billingTerms: Array<CwBillingTerm> = [
    { id: 1, name: "Net 14 days", dueDays: 14, defaultFlag: true },
    { id: 2, name: "Net 30 days", dueDays: 30, defaultFlag: false },
    { id: 3, name: "Due on receipt", dueDays: 0, defaultFlag: false }
  ]
  const termsRef = (t: CwBillingTerm): CwReference => ({ id: t.id, name: t.name })
  const termsFor = (c: Customer): CwBillingTerm => billingTerms[c.paymentCondition === "14" ? 0 : 1]!
  const taxEffective = cwDate(Date.UTC(2019, 0, 1))
  const taxCodes: Array<CwTaxCode> = [
    {
      id: 1,
      identifier: "NL-H21",
      description: "BTW hoog 21%",
      invoiceCaption: "BTW 21%",
      effectiveDate: taxEffective,
      cancelDate: null,
      levelOneRate: "21",
      levelOneRateType: "Percent"
    },
    {
      id: 2,
      identifier: "EU-VERL",
      description: "BTW verlegd (EU)",
      invoiceCaption: "BTW verlegd",
      effectiveDate: taxEffective,
      cancelDate: null,
      levelOneRate: "0",
      levelOneRateType: "Percent"
    },
    {
      id: 3,
      identifier: "EXPORT",
      description: "Export buiten EU",
      invoiceCaption: "0% export",
      effectiveDate: taxEffective,
      cancelDate: null,
      levelOneRate: "0",
      levelOneRateType: "Percent"
    },
    {
      id: 4,
      identifier: "NL-L9",
      description: "BTW laag 9%",
      invoiceCaption: "BTW 9%",
      effectiveDate: taxEffective,
      cancelDate: null,
      levelOneRate: "9",
      levelOneRateType: "Percent"
    }
  ]
  const taxRef = (id: number): CwReference => {
    const t = taxCodes.find((x) => x.id === id)!
    return { id: t.id, name: t.identifier }
  }
  const countries: Record<Country, CwReference> = {
    NL: { id: 1, name: "Netherlands" },
    BE: { id: 2, name: "Belgium" },
    DE: { id: 3, name: "Germany" },
    GB: { id: 4, name: "United Kingdom" }
  }
  const customerType: CwReference = { id: 1, name: "Customer" }
  const activeStatus: CwReference = { id: 1, name: "Active" }

  const usedIdentifiers = new Set([...customers.map((c) => c.code), "CloudDistri"])
  const nameIdentifier = (name: string): string => {
    const base = identifierFromName(name) || "Company"
    let id = base
    for (let n = 2; usedIdentifiers.has(id); n++) id = `${base}${n}`
    usedIdentifiers.add(id)
    return id
  }
  const companyRef = (co: CwCompany): CwCompanyReference => ({ id: co.id, identifier: co.identifier, name: co.name })

  const companies: Array<CwCompany> = []
  let nextCompanyId = 250
  const makeCompany = (c: Customer, over: Partial<CwCompany>): CwCompany => ({
    id: nextCompanyId++,
    identifier: c.code,
    name: c.identity.name,
    status: activeStatus,
    addressLine1: c.identity.street,
    city: c.identity.city,
    zip: c.identity.postcode,
    country: countries[c.country],
    phoneNumber: c.phone,
    website: `www.${c.identity.domain}`,
    accountNumber: null,
    taxIdentifier: c.identity.vatNumber,
    billingTerms: termsRef(termsFor(c)),
    taxCode: taxRef(vatOf(c.vatCode).taxCodeId),
    currency: eur,
    deletedFlag: false,
    dateDeleted: null,
    isVendorFlag: false,
    types: [customerType],
    ...over
  })
  const renameRng = stream("cw-renames")
  for (const c of customers) {
    if (c.noCompany) continue
    const name = c.renamed ? renamed(renameRng, c.identity.name, c.identity.legalForm) : c.identity.name
    const identifier = c.evidence === "identifier" ? c.code : nameIdentifier(name)
    c.company = makeCompany(c, {
      identifier,
      name,
      accountNumber: c.evidence === "accountNumber" ? c.code : null,
      taxIdentifier:
        c.evidence === "manual" ? null : c.evidence === "identifier" && c.index % 10 === 3 ? null : c.identity.vatNumber
    })
    companies.push(c.company)
  }
  // The trap: a deleted duplicate that still carries the account code, name and VAT number.
  for (const c of customers) {
    if (!c.deletedDuplicate) continue
    companies.push(
      makeCompany(c, {
        identifier: c.code,
        accountNumber: c.code,
        deletedFlag: true,
        dateDeleted: cwDate(Date.UTC(start.year - 1, 10, 14))
      })
    )
  }
  const vendor: CwCompany = {
    id: nextCompanyId++,
    identifier: "CloudDistri",
    name: "CloudDistri Benelux B.V.",
    status: activeStatus,
    addressLine1: "Papendorpseweg 100",
    city: "Utrecht",
    zip: "3528 BJ",
    country: countries.NL,
    phoneNumber: "+31 30 760 1200",
    website: "www.clouddistri.example",
    accountNumber: "90001",
    taxIdentifier: "NL862210945B01",
    billingTerms: termsRef(billingTerms[1]!),
    taxCode: taxRef(1),
    currency: eur,
    deletedFlag: false,
    dateDeleted: null,
    isVendorFlag: true,
    types: [{ id: 2, name: "Vendor" }]
  }
  companies.push(vendor)

  const monthly: CwReference = { id: 1, name: "Monthly" }
  const catalogItems: Array<CwCatalogItem> = []
  const catalogByProduct = new Map<number, CwCatalogItem>()
  let nextCatalogId = 1001
  allDefs.forEach((def, p) => {
    if (productMissing.has(p)) return
    const recurring = def !== TECHNICIAN_HOUR
    const item: CwCatalogItem = {
      id: nextCatalogId++,
      identifier: identifierMismatchItems.has(p) ? `${def.code.replace(/-/g, "")}-CSP` : def.code,
      description: def.description,
      customerDescription: def.description,
      inactiveFlag: false,
      subcategory: def.distributor ? { id: 11, name: "Licenties" } : { id: 12, name: "Beheerde diensten" },
      type: def.distributor ? { id: 3, name: "Licentie" } : { id: 4, name: "Dienst" },
      category: { id: 2, name: "Managed Services" },
      productClass: def.distributor ? "NonInventory" : "Service",
      unitOfMeasure: { id: 1, name: recurring ? UNIT_BY_KIND[def.kind][2] : "Hour" },
      price: money(def.priceCents),
      cost: money(def.costCents),
      taxableFlag: true,
      recurringFlag: recurring,
      recurringRevenue: recurring ? money(def.priceCents) : "0.00",
      recurringCost: recurring ? money(def.costCents) : "0.00",
      recurringBillCycle: recurring ? monthly : null,
      vendor: def.distributor ? companyRef(vendor) : null
    }
    catalogItems.push(item)
    catalogByProduct.set(p, item)
  })
  // Discontinued products: inactive, never invoiced.
  for (const [identifier, description] of [
    ["SPAMFILTER-OLD", "Spamfilter (vervallen)"],
    ["BCK-LOCAL", "Lokale back-up NAS (vervallen)"]
  ] as const) {
    catalogItems.push({
      id: nextCatalogId++,
      identifier,
      description,
      customerDescription: description,
      inactiveFlag: true,
      subcategory: { id: 12, name: "Beheerde diensten" },
      type: { id: 4, name: "Dienst" },
      category: { id: 2, name: "Managed Services" },
      productClass: "Service",
      unitOfMeasure: { id: 1, name: "Each" },
      price: "4.50",
      cost: "1.25",
      taxableFlag: true,
      recurringFlag: true,
      recurringRevenue: "4.50",
      recurringCost: "1.25",
      recurringBillCycle: monthly,
      vendor: null
    })
  }

  const agreementTypes: Array<CwAgreementType> = [
    {
      id: 1,
      name: "Managed Services",
      defaultFlag: true,
      inactiveFlag: false,
      prePaymentFlag: false,
      billingCycle: monthly,
      invoicingCycle: "CalendarYear",
      billTime: "Billable",
      billExpenses: "Billable",
      billProducts: "Billable",
      employeeCompRate: "Actual",
      employeeCompNotExceed: "Billing",
      prorateFlag: false,
      taxableFlag: true
    },
    {
      id: 2,
      name: "Strippenkaart uren",
      defaultFlag: false,
      inactiveFlag: false,
      prePaymentFlag: true,
      billingCycle: { id: 4, name: "One Time" },
      invoicingCycle: "ContractYear",
      billTime: "Billable",
      billExpenses: "DoNotBill",
      billProducts: "DoNotBill",
      employeeCompRate: "Actual",
      employeeCompNotExceed: "Billing",
      prorateFlag: false,
      taxableFlag: true
    }
  ]
  const typeRef = (t: CwAgreementType): CwReference => ({ id: t.id, name: t.name })
  const agreements: Array<CwAgreement> = []
  let nextAgreementId = 3001
  const agreementRng = stream("cw-agreements")
  const agreementFor = (c: Customer, co: CwCompany, type: CwAgreementType, name: string): CwAgreement => ({
    id: nextAgreementId++,
    name,
    type: typeRef(type),
    company: companyRef(co),
    agreementStatus: "Active",
    startDate: cwDate(Date.UTC(start.year - 1 - agreementRng.below(3), agreementRng.below(12), 1)),
    endDate: null,
    noEndingDateFlag: true,
    cancelledFlag: false,
    billingCycle: type.billingCycle,
    billingTerms: co.billingTerms,
    taxCode: co.taxCode,
    currency: eur,
    invoicingCycle: type.invoicingCycle,
    applicationUnits: type.prePaymentFlag ? "Hours" : "Amount",
    billAmount: type.prePaymentFlag ? money(agreementRng.pick([1000, 2000, 4000]) * 95 * 100) : "0.00",
    taxable: c.vatCode === "2  ",
    billTime: type.billTime,
    billExpenses: type.billExpenses,
    billProducts: type.billProducts
  })
  for (const c of customers) {
    if (c.company === null || c.noAgreement) continue
    c.agreement = agreementFor(c, c.company, agreementTypes[0]!, `Managed Services ${c.company.name}`)
    agreements.push(c.agreement)
  }
  // Some companies also have a prepaid-hours agreement: the wrong home for recurring additions.
  for (const c of customers) {
    if (c.company === null || !agreementRng.chance(0.08)) continue
    agreements.push(agreementFor(c, c.company, agreementTypes[1]!, `Strippenkaart 40 uur ${c.company.name}`))
  }

  const netPriceCents = (c: Customer, def: ProductDef): number =>
    def.priceCents - Math.floor((def.priceCents * c.discountPercent + 50) / 100)

  const additions: Array<CwAddition> = []
  let nextAdditionId = 5001
  for (const c of customers) {
    if (c.agreement === null) continue
    let sequenceNumber = 1
    for (const pair of c.pairs) {
      const catalog = catalogByProduct.get(pair.product)
      if (catalog === undefined || pair.inject === "additionMissing") continue
      const def = defs[pair.product]!
      const lastMonth = pair.inject === "additionNotInvoiced" ? L : pair.cancelInCw ? pair.end - 1 : L
      const q = pair.additionQty ?? pair.qty[lastMonth]!
      const cancelled = pair.cancelInCw ? cwDate((ps[pair.end - 1] as Period).endMs) : null
      pair.addition = {
        id: nextAdditionId++,
        agreementId: c.agreement.id,
        product: { id: catalog.id, identifier: catalog.identifier },
        description: def.description,
        invoiceDescription: def.description,
        quantity: quantity(q),
        lessIncluded: "0",
        unitCost: money(pair.additionCostCents ?? def.costCents),
        unitPrice: money(netPriceCents(c, def)),
        billCustomer: "Billable",
        effectiveDate: cwDate((ps[pair.start] as Period).startMs),
        cancelledDate: cancelled,
        taxableFlag: c.vatCode === "2  ",
        agreementStatus: cancelled === null ? "Active" : "Cancelled",
        sequenceNumber: sequenceNumber++,
        uom: UNIT_BY_KIND[def.kind][2]
      }
      additions.push(pair.addition)
    }
  }

  // Exact invoices and the truth, month by month --------------------------------------------------
  const salesInvoices: Array<ExactSalesInvoice> = []
  const purchaseInvoices: Array<ExactPurchaseInvoice> = []
  const monthsTruth: Array<MonthTruth> = []
  const salesJournal = journals[0]!
  const refRng = stream("references")
  let invoiceYear = -1
  let invoiceSeq = 0
  const nextInvoiceNumber = (year: number): number => {
    if (year !== invoiceYear) {
      invoiceYear = year
      invoiceSeq = 0
    }
    invoiceSeq += 1
    return (year % 100) * 1_000_000 + invoiceSeq
  }

  const pairRef = (c: Customer, pair: Pair) => ({
    accountId: c.accountId,
    itemId: items[pair.product]!.ID,
    companyId: c.company?.id ?? null,
    agreementId: c.agreement?.id ?? null,
    catalogItemId: catalogByProduct.get(pair.product)?.id ?? null
  })
  const additionActive = (pair: Pair, period: Period): boolean => {
    if (pair.addition === null) return false
    if (pair.start > L || (ps[pair.start] as Period).startMs > period.endMs) return false
    return !(pair.cancelInCw && (ps[pair.end - 1] as Period).endMs < period.startMs)
  }

  for (let m = 0; m < o.months; m++) {
    const period = ps[m] as Period
    const byKind = new Map<DeviationKind, Array<Deviation>>(deviationKinds.map((k) => [k, []]))
    const push = (d: Deviation) => byKind.get(d.kind)!.push(d)
    const notInvoiced = (c: Customer, pair: Pair) => {
      const addition = pair.addition!
      push({
        kind: "additionNotInvoiced",
        ...pairRef(c, pair),
        additionId: addition.id,
        additionQuantity: addition.quantity,
        additionUnitCost: addition.unitCost
      })
    }
    const missingProductsInvoiced = new Set<number>()
    const purchaseLines: Array<ExactPurchaseInvoiceLine> = []
    let purchaseAmount = 0
    let purchaseVat = 0
    const purchaseId = ids.guid()
    let invoicedAccounts = 0
    let invoiceLines = 0
    const invoiceDate = exactDate(period.startMs)
    const monthName = `${MONTH_NAMES[period.month - 1]} ${period.year}`

    for (const c of customers) {
      const active = c.pairs.filter((pair) => isActive(pair, m))
      const malformedItem = m === L && malformedItemCustomers.has(c.index)
      if (active.length === 0 && !malformedItem) {
        // Nothing invoiced this month; an addition may still be running.
        for (const pair of c.pairs) if (additionActive(pair, period)) notInvoiced(c, pair)
        continue
      }
      invoicedAccounts++
      const vat = vatOf(c.vatCode)
      const vatPercentage = vatFraction(vat.percent)
      const invoiceId = ids.guid()
      const lineIdsByPair = new Map<Pair, Array<string>>()
      const lines: Array<ExactSalesInvoiceLine> = []
      const credit = credits.get(`${m}:${c.index}`)
      let net = 0
      let tax = 0
      const addLine = (
        target: Array<ExactSalesInvoiceLine>,
        invoice: string,
        pair: Pair | null,
        q: number,
        quantityText: string
      ) => {
        const def = pair === null ? TECHNICIAN_HOUR : defs[pair.product]!
        const item = pair === null ? null : items[pair.product]!
        const netPrice = pair === null ? TECHNICIAN_HOUR.priceCents : netPriceCents(c, def)
        const amount = times(q, netPrice)
        const vatAmount = percentOf(amount, vat.percent)
        const id = ids.guid()
        target.push({
          ID: id,
          InvoiceID: invoice,
          LineNumber: target.length + 1,
          Item: item === null ? null : item.ID,
          ItemCode: item === null ? null : item.Code,
          ItemDescription: item === null ? null : item.Description,
          Description: pair === null ? "Eenmalige installatiewerkzaamheden" : def.description,
          Quantity: quantityText,
          UnitCode: pair === null ? "uur" : UNIT_BY_KIND[def.kind][0],
          UnitPrice: money(pair === null ? TECHNICIAN_HOUR.priceCents : def.priceCents),
          NetPrice: money(netPrice),
          Discount: pair === null ? "0" : vatFraction(c.discountPercent),
          AmountFC: money(amount),
          VATCode: c.vatCode,
          VATPercentage: vatPercentage,
          VATAmountFC: money(vatAmount),
          CostPriceFC: money(def.costCents),
          GLAccount: item === null ? glByCode("8000").ID : item.GLRevenue,
          Division: division
        })
        if (pair !== null) {
          const list = lineIdsByPair.get(pair)
          if (list === undefined) lineIdsByPair.set(pair, [id])
          else list.push(id)
        }
        return { amount, vatAmount }
      }

      for (const pair of active) {
        const q = pair.qty[m]!
        const credited = credit !== undefined && credit.pair === pair ? credit.quantity : 0
        const parts = splitQuantity(q + credited, pair.lines)
        for (const part of parts) {
          const text = pair.inject === "malformedQuantity" && m === L ? `${quantity(part)} st` : quantity(part)
          const r = addLine(lines, invoiceId, pair, part, text)
          net += r.amount
          tax += r.vatAmount
        }
        if (defs[pair.product]!.distributor) {
          const def = defs[pair.product]!
          const amount = times(q, def.costCents)
          const vatAmount = percentOf(amount, 21)
          purchaseAmount += amount
          purchaseVat += vatAmount
          purchaseLines.push({
            ID: ids.guid(),
            InvoiceID: purchaseId,
            LineNumber: purchaseLines.length + 1,
            Item: items[pair.product]!.ID,
            Description: c.projectId === null ? `${def.description} | ${c.identity.name}` : def.description,
            Quantity: quantity(q),
            Unit: UNIT_BY_KIND[def.kind][0],
            UnitPrice: money(def.costCents),
            NetPrice: money(def.costCents),
            Amount: money(amount),
            VATCode: "2  ",
            VATPercentage: "0.21",
            VATAmount: money(vatAmount),
            Currency: "EUR",
            Project: c.projectId
          })
        }
      }
      let malformedItemLineId: string | null = null
      if (malformedItem) {
        const r = addLine(lines, invoiceId, null, 100, "1")
        malformedItemLineId = lines[lines.length - 1]!.ID
        net += r.amount
        tax += r.vatAmount
      }
      invoiceLines += lines.length
      const dueMs = addDays(period.startMs, conditionDays(c.paymentCondition))
      const header = {
        OrderedBy: c.accountId,
        OrderedByName: c.identity.name,
        InvoiceTo: c.accountId,
        InvoiceToName: c.identity.name,
        InvoiceDate: invoiceDate,
        OrderDate: invoiceDate,
        DueDate: exactDate(dueMs),
        Currency: c.currency,
        Journal: salesJournal.Code,
        JournalDescription: salesJournal.Description,
        PaymentCondition: c.paymentCondition,
        PaymentConditionDescription: conditionText(c.paymentCondition),
        Division: division
      }
      salesInvoices.push({
        InvoiceID: invoiceId,
        InvoiceNumber: nextInvoiceNumber(period.year),
        Type: 8020,
        TypeDescription: "Verkoopfactuur",
        Status: 50,
        StatusDescription: "Verwerkt",
        ...header,
        Description: `Abonnementen ${monthName}`,
        YourRef: refRng.chance(0.15) ? `PO-${period.year}-${refRng.int(100, 9999)}` : null,
        AmountFCExclVat: money(net),
        VATAmountFC: money(tax),
        AmountFC: money(net + tax),
        SalesInvoiceLines: lines
      })
      const invoiceIds = [invoiceId]
      if (credit !== undefined) {
        const creditId = ids.guid()
        const creditLines: Array<ExactSalesInvoiceLine> = []
        const r = addLine(creditLines, creditId, credit.pair, -credit.quantity, quantity(-credit.quantity))
        invoiceLines += 1
        invoiceIds.push(creditId)
        salesInvoices.push({
          InvoiceID: creditId,
          InvoiceNumber: nextInvoiceNumber(period.year),
          Type: 8021,
          TypeDescription: "Verkoopcreditnota",
          Status: 50,
          StatusDescription: "Verwerkt",
          ...header,
          Description: `Creditnota ${monthName}: ${defs[credit.pair.product]!.description} te veel gefactureerd`,
          YourRef: null,
          AmountFCExclVat: money(r.amount),
          VATAmountFC: money(r.vatAmount),
          AmountFC: money(r.amount + r.vatAmount),
          SalesInvoiceLines: creditLines
        })
      }

      // The truth for this customer and month.
      if (c.noCompany) push({ kind: "customerWithoutCompany", accountId: c.accountId, accountCode: c.code })
      else if (c.agreement === null)
        push({ kind: "agreementMissing", accountId: c.accountId, companyId: c.company!.id })
      else if (c.currency !== c.agreement.currency.currencyCode) {
        push({
          kind: "currencyMismatch",
          accountId: c.accountId,
          companyId: c.company!.id,
          agreementId: c.agreement.id,
          invoiceIds: invoiceIds.slice().sort(),
          invoiceCurrency: c.currency,
          agreementCurrency: c.agreement.currency.currencyCode
        })
      }
      if (malformedItemLineId !== null) {
        push({
          kind: "malformedLine",
          accountId: c.accountId,
          invoiceId,
          lineId: malformedItemLineId,
          field: "Item",
          value: null
        })
      }
      for (const pair of active) {
        const lineIds = (lineIdsByPair.get(pair) ?? []).slice().sort()
        if (productMissing.has(pair.product)) missingProductsInvoiced.add(pair.product)
        if (pair.inject === "malformedQuantity" && m === L) {
          const line = lines.find((l) => l.ID === lineIds[0])!
          push({
            kind: "malformedLine",
            accountId: c.accountId,
            invoiceId,
            lineId: line.ID,
            field: "Quantity",
            value: line.Quantity
          })
          continue
        }
        const def = defs[pair.product]!
        const q = pair.qty[m]!
        const because = c.noCompany
          ? "customerWithoutCompany"
          : c.agreement === null
            ? "agreementMissing"
            : productMissing.has(pair.product)
              ? "productMissing"
              : null
        if (!additionActive(pair, period)) {
          push({
            kind: "additionMissing",
            ...pairRef(c, pair),
            invoiceLineIds: lineIds,
            invoiceQuantity: quantity(q),
            invoiceUnitCost: money(def.costCents),
            because
          })
          continue
        }
        const addition = pair.addition!
        if (addition.quantity !== quantity(q)) {
          push({
            kind: "quantityOff",
            ...pairRef(c, pair),
            additionId: addition.id,
            invoiceLineIds: lineIds,
            invoiceQuantity: quantity(q),
            additionQuantity: addition.quantity
          })
        }
        if (addition.unitCost !== money(def.costCents)) {
          push({
            kind: "unitCostOff",
            ...pairRef(c, pair),
            additionId: addition.id,
            invoiceLineIds: lineIds,
            invoiceUnitCost: money(def.costCents),
            additionUnitCost: addition.unitCost
          })
        }
      }
      for (const pair of c.pairs) if (!isActive(pair, m) && additionActive(pair, period)) notInvoiced(c, pair)
    }
    for (const p of [...missingProductsInvoiced].sort((a, b) => a - b)) {
      push({ kind: "productMissing", itemId: items[p]!.ID, itemCode: items[p]!.Code })
    }

    if (purchaseLines.length > 0) {
      purchaseInvoices.push({
        ID: purchaseId,
        EntryNumber: (period.year % 100) * 100_000 + m + 1,
        Type: 8033,
        Status: 50,
        Supplier: distributor.ID,
        Journal: journals[1]!.Code,
        InvoiceDate: exactDate(addDays(period.startMs, 2)),
        DueDate: exactDate(addDays(period.startMs, 32)),
        Currency: "EUR",
        YourRef: `CD-${period.period}-${String(m + 1).padStart(4, "0")}`,
        Description: `CloudDistri licenties ${monthName}`,
        PaymentCondition: "30",
        Amount: money(purchaseAmount + purchaseVat),
        VATAmount: money(purchaseVat),
        Division: division,
        PurchaseInvoiceLines: purchaseLines
      })
    }
    monthsTruth.push({
      period: period.period,
      invoicedAccounts,
      invoiceLines,
      deviations: deviationKinds.flatMap((k) => byKind.get(k)!)
    })
  }

  // ConnectWise invoices for the latest month -------------------------------------------------------
  const invoiceRng = stream("cw-invoices")
  const billable = invoiceRng.shuffle(
    customers.filter(
      (c) =>
        c.agreement !== null &&
        !c.currencyMismatch &&
        c.pairs.some((pair) => pair.addition !== null && additionActive(pair, latest))
    )
  )
  const invoiceCount = Math.min(o.connectwiseInvoices, billable.length)
  const creditMemo = invoiceCount >= 3 ? 1 : 0
  const agreementInvoices = Math.ceil((invoiceCount - creditMemo) * 0.7)
  const cwInvoices: Array<CwInvoice> = []
  const cwProducts: Array<CwProductItem> = []
  const hourCatalog = catalogByProduct.get(allDefs.length - 1)!
  let nextInvoiceId = 7001
  let nextProductId = 90_001
  const sentStatus: CwReference = { id: 2, name: "Sent" }
  interface InvoiceLineModel {
    readonly catalog: CwCatalogItem
    readonly description: string
    readonly q: number
    readonly price: number
    readonly cost: number
  }
  const firstLines = new Map<number, InvoiceLineModel>()
  const writeInvoice = (
    c: Customer,
    type: CwInvoice["type"],
    dateMs: number,
    lines: ReadonlyArray<InvoiceLineModel>
  ) => {
    const co = c.company!
    const terms = termsFor(c)
    const rate = vatOf(c.vatCode).percent
    const id = nextInvoiceId++
    const invoiceNumber = String(24_000 + id - 7000)
    const applyToType = type === "Agreement" ? "Agreement" : "All"
    let subtotal = 0
    if (lines[0] !== undefined) firstLines.set(id, lines[0])
    for (const line of lines) {
      const ext = times(line.q, line.price)
      subtotal += ext
      cwProducts.push({
        id: nextProductId++,
        catalogItem: { id: line.catalog.id, identifier: line.catalog.identifier },
        description: line.description,
        quantity: quantity(line.q),
        price: money(line.price),
        cost: money(line.cost),
        extPrice: money(ext),
        extCost: money(times(line.q, line.cost)),
        taxableFlag: rate > 0,
        billableOption: "Billable",
        productClass: line.catalog.productClass,
        sequenceNumber: cwProducts.length + 1,
        company: companyRef(co),
        agreement: type === "Agreement" ? { id: c.agreement!.id, name: c.agreement!.name } : null,
        invoice: { id, identifier: invoiceNumber, applyToType, invoiceDate: cwDate(dateMs) }
      })
    }
    const salesTax = percentOf(subtotal, rate)
    const total = subtotal + salesTax
    cwInvoices.push({
      id,
      invoiceNumber,
      type,
      status: sentStatus,
      company: companyRef(co),
      billToCompany: companyRef(co),
      applyToType,
      applyToId: type === "Agreement" ? c.agreement!.id : null,
      agreement: type === "Agreement" ? { id: c.agreement!.id, name: c.agreement!.name } : null,
      date: cwDate(dateMs),
      dueDate: cwDate(addDays(dateMs, terms.dueDays)),
      billingTerms: termsRef(terms),
      taxCode: co.taxCode,
      currency: co.currency,
      reference: type === "CreditMemo" ? `Credit ${cwInvoices[0]?.invoiceNumber ?? ""}`.trim() : null,
      customerPO: invoiceRng.chance(0.2) ? `PO${invoiceRng.int(1000, 99999)}` : null,
      productTotal: type === "Agreement" ? "0.00" : money(subtotal),
      serviceTotal: "0.00",
      expenseTotal: "0.00",
      agreementAmount: type === "Agreement" ? money(subtotal) : "0.00",
      subtotal: money(subtotal),
      salesTax: money(salesTax),
      total: money(total),
      payments: "0.00",
      credits: "0.00",
      balance: money(total)
    })
  }
  for (let i = 0; i < invoiceCount - creditMemo; i++) {
    const c = billable[i]!
    if (i < agreementInvoices) {
      const lines = c.pairs
        .filter((pair) => pair.addition !== null && additionActive(pair, latest))
        .map((pair) => {
          const def = defs[pair.product]!
          return {
            catalog: catalogByProduct.get(pair.product)!,
            description: pair.addition!.invoiceDescription,
            q: pair.additionQty ?? pair.qty[L]!,
            price: netPriceCents(c, def),
            cost: pair.additionCostCents ?? def.costCents
          }
        })
      writeInvoice(c, "Agreement", latest.startMs, lines)
    } else {
      const hours = invoiceRng.int(2, 16) * 50
      writeInvoice(c, "Standard", addDays(latest.startMs, invoiceRng.int(3, 25)), [
        {
          catalog: hourCatalog,
          description: invoiceRng.pick([
            "Werkzaamheden op locatie",
            "Migratie fileserver",
            "Inrichting nieuwe werkplekken"
          ]),
          q: hours,
          price: TECHNICIAN_HOUR.priceCents,
          cost: TECHNICIAN_HOUR.costCents
        }
      ])
    }
  }
  if (creditMemo === 1) {
    const first = cwInvoices[0]!
    const firstLine = firstLines.get(first.id)
    const c = customers.find((x) => x.company?.id === first.company.id)!
    if (firstLine !== undefined) {
      writeInvoice(c, "CreditMemo", addDays(latest.startMs, 20), [
        { ...firstLine, description: `Creditering: ${firstLine.description}`, q: -100 }
      ])
    }
  }

  // Links -----------------------------------------------------------------------------------------
  const companyLinks: Array<CompanyLink> = customers.map((c) => ({
    accountId: c.accountId,
    accountCode: c.code,
    companyId: c.company?.id ?? null,
    evidence: c.company === null ? null : c.evidence
  }))
  const itemLinks: Array<ItemLink> = allDefs.map((def, p) => {
    const catalog = catalogByProduct.get(p)
    return {
      itemId: items[p]!.ID,
      itemCode: def.code,
      catalogItemId: catalog?.id ?? "create",
      evidence: catalog === undefined ? null : catalog.identifier === def.code ? "identifier" : "manual"
    }
  })
  const agreementLinks: Array<AgreementLink> = customers.map((c) => ({
    accountId: c.accountId,
    agreementId: c.agreement?.id ?? "create"
  }))

  return {
    meta: {
      generator: "@psa-ledger/sandbox world",
      version: 1,
      options: o,
      periods: ps.map((p) => p.period),
      latestPeriod: latest.period
    },
    exact: {
      division: divisionRecord,
      accounts,
      items,
      vatCodes,
      glAccounts,
      journals,
      paymentConditions,
      projects,
      salesInvoices,
      purchaseInvoices
    },
    connectwise: {
      companies,
      catalogItems,
      agreementTypes,
      agreements,
      additions,
      billingTerms,
      taxCodes,
      currencies,
      invoices: cwInvoices,
      products: cwProducts
    },
    truth: {
      links: {
        companies: companyLinks,
        items: itemLinks,
        agreements: agreementLinks,
        taxCodes: VAT_CODES.filter((v) => v.taxCodeId > 0)
          .map((v) => ({ taxCodeId: v.taxCodeId, vatCode: v.code }))
          .sort((a, b) => a.taxCodeId - b.taxCodeId),
        billingTerms: [
          { billingTermsId: 1, paymentCondition: "14" },
          { billingTermsId: 2, paymentCondition: "30" },
          { billingTermsId: 3, paymentCondition: "00" }
        ]
      },
      months: monthsTruth
    }
  }
}
