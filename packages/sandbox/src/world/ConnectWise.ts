/**
 * The ConnectWise PSA records of a world, written from its model: companies (one per customer but
 * for the deviations, a deleted duplicate as a trap, the distributor as vendor), the catalog,
 * agreements and their additions mirroring the latest month, and that month's invoices.
 *
 * The maps returned beside the records say which company, agreement and addition stand for which
 * customer and pair, so that the truth can name them.
 */
import type {
  ConnectWiseWorld,
  CwAddition,
  CwAgreement,
  CwAgreementType,
  CwCatalogItem,
  CwCompany
} from "./ConnectWiseRecords.ts"
import { writeConnectWiseInvoices } from "./internal/ConnectWiseInvoices.ts"
import {
  type ConnectWiseSetup,
  companyRef,
  connectWiseSetup,
  namedRef,
  taxRef,
  termsFor,
  termsRef
} from "./internal/ConnectWiseSetup.ts"
import { cwDate, type Period } from "./internal/Dates.ts"
import { DISTRIBUTOR } from "./internal/Distributor.ts"
import { money, quantity } from "./internal/Money.ts"
import { identifierFromName, renamed } from "./internal/Names.ts"
import { netPriceCents } from "./internal/Pairs.ts"
import type { Prng } from "./internal/Prng.ts"
import { TECHNICIAN_HOUR, UNIT_BY_KIND } from "./internal/Products.ts"
import { vatOf } from "./internal/Vat.ts"
import type { Customer, Pair, WorldModel } from "./Model.ts"

/** The ConnectWise records of a world, and which of them stand for which customer and pair. */
export interface ConnectWiseOutput {
  readonly records: ConnectWiseWorld
  readonly companyOf: ReadonlyMap<Customer, CwCompany>
  readonly agreementOf: ReadonlyMap<Customer, CwAgreement>
  readonly additionOf: ReadonlyMap<Pair, CwAddition>
  /** The second addition of a pair with a planted duplicate; it runs from the latest month. */
  readonly duplicateOf: ReadonlyMap<Pair, CwAddition>
  /** By product index (the technician hour last); missing products have none. */
  readonly catalogOf: ReadonlyMap<number, CwCatalogItem>
}

/** The named streams the ConnectWise records draw from. */
export interface ConnectWiseStreams {
  readonly renames: Prng
  readonly agreements: Prng
  readonly invoices: Prng
}

/** The pair's addition runs during `period` (it has one, it has started and it is not cancelled before). */
export const additionActive = (
  model: WorldModel,
  additionOf: ReadonlyMap<Pair, CwAddition>,
  pair: Pair,
  period: Period
): boolean => {
  if (!additionOf.has(pair)) return false
  const ps = model.periods
  if (pair.start > model.latest || (ps[pair.start] as Period).startMs > period.endMs) return false
  return !(pair.cancelInCw && (ps[pair.end - 1] as Period).endMs < period.startMs)
}

/** Write the ConnectWise records of a world. */
export const writeConnectWise = (model: WorldModel, streams: ConnectWiseStreams): ConnectWiseOutput => {
  const setup = connectWiseSetup()
  const { companies, companyOf, vendor } = writeCompanies(model, setup, streams.renames)
  const { catalogItems, catalogOf } = writeCatalog(model, setup, vendor)
  const { agreements, agreementOf } = writeAgreements(model, setup, companyOf, streams.agreements)
  const { additions, additionOf, duplicateOf } = writeAdditions(model, agreementOf, catalogOf)
  const { invoices, products } = writeConnectWiseInvoices(
    model,
    { companyOf, agreementOf, additionOf, catalogOf, setup },
    (pair, period) => additionActive(model, additionOf, pair, period),
    streams.invoices
  )
  return {
    records: {
      companies,
      catalogItems,
      agreementTypes: setup.agreementTypes,
      agreements,
      additions,
      billingTerms: setup.billingTerms,
      billingCycles: setup.billingCycles,
      productTypes: setup.productTypes,
      subcategories: setup.subcategories,
      taxCodes: setup.taxCodes,
      currencies: setup.currencies,
      invoices,
      products
    },
    companyOf,
    agreementOf,
    additionOf,
    duplicateOf,
    catalogOf
  }
}

/** The customers' companies, then the deleted duplicates, then the distributor as vendor. */
const writeCompanies = (model: WorldModel, setup: ConnectWiseSetup, renames: Prng) => {
  const customers = model.customers
  const usedIdentifiers = new Set([...customers.map((c) => c.code), "CloudDistri"])
  // A company known by another key than the account code gets an identifier made from its name.
  const nameIdentifier = (name: string): string => {
    const base = identifierFromName(name) || "Company"
    let id = base
    for (let n = 2; usedIdentifiers.has(id); n++) id = `${base}${n}`
    usedIdentifiers.add(id)
    return id
  }
  const companies: Array<CwCompany> = []
  const companyOf = new Map<Customer, CwCompany>()
  let nextCompanyId = 250
  const makeCompany = (c: Customer, over: Partial<CwCompany>): CwCompany => ({
    id: nextCompanyId++,
    identifier: c.code,
    name: c.identity.name,
    status: setup.activeStatus,
    addressLine1: c.identity.street,
    city: c.identity.city,
    zip: c.identity.postcode,
    country: setup.countries[c.country],
    phoneNumber: c.phone,
    website: `www.${c.identity.domain}`,
    accountNumber: null,
    taxIdentifier: c.identity.vatNumber,
    // Drawn from nothing: the contact's id follows the customer's index, so no stream shifts.
    defaultContact: { id: 9001 + c.index, name: `Finance ${c.identity.name}` },
    billingContact: null,
    billingTerms: termsRef(termsFor(setup, c)),
    taxCode: taxRef(setup, vatOf(c.vatCode).taxCodeId),
    currency: setup.eur,
    deletedFlag: false,
    dateDeleted: null,
    isVendorFlag: false,
    types: [setup.customerType],
    ...over
  })
  for (const c of customers) {
    if (c.noCompany) continue
    const name = c.renamed ? renamed(renames, c.identity.name, c.identity.legalForm) : c.identity.name
    const identifier = c.evidence === "identifier" ? c.code : nameIdentifier(name)
    const company = makeCompany(c, {
      identifier,
      name,
      accountNumber: c.evidence === "accountNumber" ? c.code : null,
      taxIdentifier:
        c.evidence === "manual" ? null : c.evidence === "identifier" && c.index % 10 === 3 ? null : c.identity.vatNumber
    })
    companyOf.set(c, company)
    companies.push(company)
  }
  // The trap: a deleted duplicate that still carries the account code, name and VAT number.
  for (const c of customers) {
    if (!c.deletedDuplicate) continue
    companies.push(
      makeCompany(c, {
        identifier: c.code,
        accountNumber: c.code,
        deletedFlag: true,
        dateDeleted: cwDate(Date.UTC(model.start.year - 1, 10, 14))
      })
    )
  }
  const vendor: CwCompany = {
    id: nextCompanyId++,
    identifier: "CloudDistri",
    name: DISTRIBUTOR.name,
    status: setup.activeStatus,
    addressLine1: DISTRIBUTOR.street,
    city: DISTRIBUTOR.city,
    zip: DISTRIBUTOR.postcode,
    country: setup.countries.NL,
    phoneNumber: DISTRIBUTOR.phone,
    website: DISTRIBUTOR.website,
    accountNumber: DISTRIBUTOR.code,
    taxIdentifier: DISTRIBUTOR.vatNumber,
    defaultContact: null,
    billingContact: null,
    billingTerms: termsRef(setup.billingTerms[1]!),
    taxCode: taxRef(setup, 1),
    currency: setup.eur,
    deletedFlag: false,
    dateDeleted: null,
    isVendorFlag: true,
    types: [{ id: 2, name: "Vendor" }]
  }
  companies.push(vendor)
  return { companies, companyOf, vendor }
}

/** A catalog item per product ConnectWise knows, then two discontinued ones. */
const writeCatalog = (model: WorldModel, setup: ConnectWiseSetup, vendor: CwCompany) => {
  const catalogItems: Array<CwCatalogItem> = []
  const catalogOf = new Map<number, CwCatalogItem>()
  const monthly = setup.monthly
  let nextCatalogId = 1001
  model.allProducts.forEach((def, p) => {
    if (model.productMissing.has(p)) return
    const recurring = def !== TECHNICIAN_HOUR
    const item: CwCatalogItem = {
      id: nextCatalogId++,
      identifier: model.identifierMismatchItems.has(p) ? `${def.code.replace(/-/g, "")}-CSP` : def.code,
      description: def.description,
      customerDescription: def.description,
      inactiveFlag: false,
      subcategory: namedRef(setup.subcategories, def.distributor ? 11 : 12),
      type: namedRef(setup.productTypes, def.distributor ? 3 : 4),
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
    catalogOf.set(p, item)
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
      subcategory: namedRef(setup.subcategories, 12),
      type: namedRef(setup.productTypes, 4),
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
  return { catalogItems, catalogOf }
}

/** A managed-services agreement per company (but for the deviations), and a few prepaid-hours ones. */
const writeAgreements = (
  model: WorldModel,
  setup: ConnectWiseSetup,
  companyOf: ReadonlyMap<Customer, CwCompany>,
  rng: Prng
) => {
  const agreements: Array<CwAgreement> = []
  const agreementOf = new Map<Customer, CwAgreement>()
  let nextAgreementId = 3001
  const agreementFor = (c: Customer, co: CwCompany, type: CwAgreementType, name: string): CwAgreement => ({
    id: nextAgreementId++,
    name,
    type: { id: type.id, name: type.name },
    company: companyRef(co),
    agreementStatus: "Active",
    startDate: cwDate(Date.UTC(model.start.year - 1 - rng.below(3), rng.below(12), 1)),
    endDate: null,
    noEndingDateFlag: true,
    cancelledFlag: false,
    billingCycle: type.billingCycle,
    billingTerms: co.billingTerms,
    taxCode: co.taxCode,
    currency: setup.eur,
    invoicingCycle: type.invoicingCycle,
    applicationUnits: type.prePaymentFlag ? "Hours" : "Amount",
    billAmount: type.prePaymentFlag ? money(rng.pick([1000, 2000, 4000]) * 95 * 100) : "0.00",
    taxable: c.vatCode === "2  ",
    billTime: type.billTime,
    billExpenses: type.billExpenses,
    billProducts: type.billProducts
  })
  for (const c of model.customers) {
    const co = companyOf.get(c)
    if (co === undefined || c.noAgreement) continue
    const agreement = agreementFor(c, co, setup.agreementTypes[0]!, `Managed Services ${co.name}`)
    agreementOf.set(c, agreement)
    agreements.push(agreement)
  }
  // Some companies also have a prepaid-hours agreement: the wrong home for recurring additions.
  for (const c of model.customers) {
    const co = companyOf.get(c)
    if (co === undefined || !rng.chance(0.08)) continue
    agreements.push(agreementFor(c, co, setup.agreementTypes[1]!, `Strippenkaart 40 uur ${co.name}`))
  }
  return { agreements, agreementOf }
}

/**
 * An addition per pair whose product is in the catalog, as the latest month has it but for the
 * deviations; then the planted duplicates, numbered after all of them (so that without any, the
 * ids are as before).
 */
const writeAdditions = (
  model: WorldModel,
  agreementOf: ReadonlyMap<Customer, CwAgreement>,
  catalogOf: ReadonlyMap<number, CwCatalogItem>
) => {
  const L = model.latest
  const ps = model.periods
  const additions: Array<CwAddition> = []
  const additionOf = new Map<Pair, CwAddition>()
  let nextAdditionId = 5001
  const nextSequence = new Map<number, number>()
  for (const c of model.customers) {
    const agreement = agreementOf.get(c)
    if (agreement === undefined) continue
    let sequenceNumber = 1
    for (const pair of c.pairs) {
      const catalog = catalogOf.get(pair.product)
      if (catalog === undefined || pair.inject === "additionMissing") continue
      const def = model.products[pair.product]!
      const lastMonth = pair.inject === "additionNotInvoiced" ? L : pair.cancelInCw ? pair.end - 1 : L
      const q = pair.additionQty ?? pair.qty[lastMonth]!
      const cancelled = pair.cancelInCw ? cwDate((ps[pair.end - 1] as Period).endMs) : null
      const addition: CwAddition = {
        id: nextAdditionId++,
        agreementId: agreement.id,
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
      additionOf.set(pair, addition)
      additions.push(addition)
    }
    nextSequence.set(agreement.id, sequenceNumber)
  }
  const duplicateOf = new Map<Pair, CwAddition>()
  for (const c of model.customers) {
    const agreement = agreementOf.get(c)
    if (agreement === undefined) continue
    for (const pair of c.pairs) {
      const duplicate = model.duplicates.get(pair)
      const original = additionOf.get(pair)
      if (duplicate === undefined || original === undefined) continue
      const sequenceNumber = nextSequence.get(agreement.id)!
      nextSequence.set(agreement.id, sequenceNumber + 1)
      const addition: CwAddition = {
        ...original,
        id: nextAdditionId++,
        quantity: quantity(duplicate.qty),
        unitCost: money(duplicate.costCents),
        effectiveDate: cwDate((ps[L] as Period).startMs),
        sequenceNumber
      }
      duplicateOf.set(pair, addition)
      additions.push(addition)
    }
  }
  return { additions, additionOf, duplicateOf }
}
