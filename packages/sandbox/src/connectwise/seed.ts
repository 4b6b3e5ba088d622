import { rawNumber } from "./internal/json.ts"
import type { ConnectWiseRecord, ConnectWiseStore } from "./Simulation.ts"

/** How much data {@link seedConnectWise} generates. */
export interface ConnectWiseSeedOptions {
  readonly companies?: number
  readonly catalogItems?: number
  readonly agreementsPerCompany?: number
  readonly additionsPerAgreement?: number
  /** Invoices per company, each with one product line per addition of its agreement. */
  readonly invoicesPerCompany?: number
  /** The PRNG seed; the same seed gives the same tenant. */
  readonly seed?: number
}

/** The ids {@link seedConnectWise} created, for tests to refer to. */
export interface ConnectWiseSeedResult {
  readonly companyIds: ReadonlyArray<number>
  readonly agreementIds: ReadonlyArray<number>
  readonly catalogItemIds: ReadonlyArray<number>
  readonly invoiceIds: ReadonlyArray<number>
}

// mulberry32: small, fast and deterministic, which is all seeding needs.
const prng = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const pad = (n: number, width: number): string => String(n).padStart(width, "0")

/** Cents as an exact decimal JSON number, e.g. 1234 → 12.34. */
const money = (cents: number) => rawNumber(`${Math.trunc(cents / 100)}.${pad(cents % 100, 2)}`)

/**
 * Fills a simulation's store with a deterministic MSP tenant: billing terms, tax codes, agreement
 * types, catalog items, companies with agreements and additions, and agreement invoices with
 * their product lines. Money values are exact decimals.
 *
 * @example
 * ```ts
 * const sim = new ConnectWiseSimulation()
 * const { companyIds } = seedConnectWise(sim.store, { companies: 50, seed: 7 })
 * ```
 */
export const seedConnectWise = (
  store: ConnectWiseStore,
  options: ConnectWiseSeedOptions = {}
): ConnectWiseSeedResult => {
  const random = prng(options.seed ?? 1)
  const pick = <A>(items: ReadonlyArray<A>): A => items[Math.floor(random() * items.length)]!
  const ctx: SeedContext = { store, options, random, pick, ...seedSetup(store), catalog: [], invoiceNumber: 1000 }
  seedCatalog(ctx)
  const companyIds: Array<number> = []
  const agreementIds: Array<number> = []
  const invoiceIds: Array<number> = []
  const names = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Tyrell", "Cyberdyne"]
  const suffixes = ["B.V.", "N.V.", "Holding", "Ltd", "GmbH"]
  for (let c = 0; c < (options.companies ?? 10); c++) {
    const name = `${pick(names)} ${pick(suffixes)} ${pad(c + 1, 4)}`
    const company = store.insert("companies", {
      identifier: `CUST${pad(c + 1, 5)}`,
      name,
      status: { id: 1, name: "Active" },
      billingTerms: { id: ctx.terms[1]!.id, name: ctx.terms[1]!.name },
      taxCode: { id: ctx.taxCodes[0]!.id, name: ctx.taxCodes[0]!.identifier },
      currency: { id: 1, currencyCode: "EUR", symbol: "€", name: "Euro" },
      deletedFlag: false,
      types: [{ id: 1, name: "Client" }]
    })
    companyIds.push(company.id as number)
    const companyRef = { id: company.id, identifier: company.identifier, name }
    for (let a = 0; a < (options.agreementsPerCompany ?? 1); a++) {
      const seeded = seedAgreement(ctx, c, a, name, companyRef)
      agreementIds.push(seeded.agreementId)
      invoiceIds.push(...seeded.invoiceIds)
    }
  }
  return { companyIds, agreementIds, catalogItemIds: ctx.catalog.map((r) => r.id as number), invoiceIds }
}

interface SeedContext {
  readonly store: ConnectWiseStore
  readonly options: ConnectWiseSeedOptions
  readonly random: () => number
  readonly pick: <A>(items: ReadonlyArray<A>) => A
  readonly terms: ReadonlyArray<ConnectWiseRecord>
  readonly taxCodes: ReadonlyArray<ConnectWiseRecord>
  readonly types: ReadonlyArray<ConnectWiseRecord>
  readonly catalog: Array<ConnectWiseRecord>
  /** The last invoice number written; invoices are numbered across companies. */
  invoiceNumber: number
}

/** Billing terms, tax codes and agreement types. */
const seedSetup = (store: ConnectWiseStore) => {
  const terms = [
    store.insert("billingTerms", { name: "Net 14", dueDays: 14, defaultFlag: false }),
    store.insert("billingTerms", { name: "Net 30", dueDays: 30, defaultFlag: true })
  ]
  const taxCodes = [
    store.insert("taxCodes", {
      identifier: "VAT21",
      description: "VAT 21%",
      invoiceCaption: "BTW 21%",
      effectiveDate: "2019-01-01T00:00:00Z",
      levelOneRate: 21,
      levelOneRateType: "Percent"
    }),
    store.insert("taxCodes", {
      identifier: "VAT0",
      description: "VAT reverse charge",
      invoiceCaption: "BTW verlegd",
      effectiveDate: "2019-01-01T00:00:00Z",
      levelOneRate: 0,
      levelOneRateType: "Percent"
    })
  ]
  const types = [
    store.insert("agreementTypes", {
      name: "Managed Services",
      billTime: "Billable",
      billExpenses: "Billable",
      billProducts: "Billable",
      invoicingCycle: "ContractYear"
    }),
    store.insert("agreementTypes", {
      name: "Cloud Licences",
      billTime: "DoNotBill",
      billExpenses: "DoNotBill",
      billProducts: "Billable",
      invoicingCycle: "ContractYear"
    })
  ]
  return { terms, taxCodes, types }
}

/** Recurring catalog items, named from the list (numbered once it runs out). */
const seedCatalog = (ctx: SeedContext): void => {
  const { store, options, random, catalog } = ctx
  const products = [
    "M365-BP",
    "M365-E3",
    "BACKUP-100",
    "AV-ENDPOINT",
    "RMM-AGENT",
    "FIREWALL-MGD",
    "SERVER-MGD",
    "HELPDESK-USER"
  ]
  for (let i = 0; i < (options.catalogItems ?? 20); i++) {
    const base = products[i % products.length]!
    const identifier = i < products.length ? base : `${base}-${pad(i, 4)}`
    const cost = 100 + Math.floor(random() * 5000)
    catalog.push(
      store.insert("catalogItems", {
        identifier,
        description: `${identifier} monthly`,
        customerDescription: `${identifier} per month`,
        subcategory: { id: 1, name: "Recurring" },
        type: { id: 1, name: "Service" },
        productClass: "Service",
        cost: money(cost),
        price: money(Math.round(cost * 1.3)),
        recurringFlag: true,
        taxableFlag: true,
        inactiveFlag: false
      })
    )
  }
}

/** One agreement of a company, its additions and its invoices (one product line per addition). */
const seedAgreement = (
  ctx: SeedContext,
  c: number,
  a: number,
  name: string,
  companyRef: { readonly id: unknown; readonly identifier: unknown; readonly name: string }
): { readonly agreementId: number; readonly invoiceIds: ReadonlyArray<number> } => {
  const { store, options, random, pick, types, catalog, terms, taxCodes } = ctx
  const invoiceIds: Array<number> = []
  const type = pick(types)
  const agreement = store.insert("agreements", {
    name: `${type.name} ${name}`,
    type: { id: type.id, name: type.name },
    company: companyRef,
    contact: { id: c + 1, name: "Finance" },
    startDate: "2025-01-01T00:00:00Z",
    noEndingDateFlag: true,
    cancelledFlag: false,
    agreementStatus: "Active",
    billingCycle: { id: 1, name: "Monthly" },
    currency: { id: 1, currencyCode: "EUR", symbol: "€", name: "Euro" },
    billTime: "Billable",
    billExpenses: "Billable",
    billProducts: "Billable"
  })
  const agreementId = agreement.id as number
  const lines: Array<ConnectWiseRecord> = []
  for (let d = 0; d < (options.additionsPerAgreement ?? 3); d++) {
    const item = catalog[(c * 7 + a * 3 + d) % catalog.length]!
    const quantity = 1 + Math.floor(random() * 40)
    lines.push(
      store.insert("additions", {
        agreementId,
        product: { id: item.id, identifier: item.identifier },
        description: item.description,
        quantity,
        lessIncluded: 0,
        unitCost: item.cost,
        unitPrice: item.price,
        billCustomer: "Billable",
        effectiveDate: "2025-01-01T00:00:00Z",
        taxableFlag: true,
        agreementStatus: "Active",
        uom: "Month"
      })
    )
  }
  for (let v = 0; v < (options.invoicesPerCompany ?? 0); v++) {
    const month = pad((v % 12) + 1, 2)
    const invoice = store.insert("invoices", {
      invoiceNumber: `INV${++ctx.invoiceNumber}`,
      type: "Agreement",
      company: companyRef,
      applyToType: "Agreement",
      applyToId: agreementId,
      agreement: { id: agreementId, name: agreement.name },
      date: `2026-${month}-01T00:00:00Z`,
      dueDate: `2026-${month}-28T00:00:00Z`,
      billingTerms: { id: terms[1]!.id, name: terms[1]!.name },
      taxCode: { id: taxCodes[0]!.id, name: taxCodes[0]!.identifier },
      currency: { id: 1, currencyCode: "EUR", symbol: "€", name: "Euro" },
      status: { id: 1, name: "New" }
    })
    invoiceIds.push(invoice.id as number)
    for (const line of lines) {
      store.insert("productItems", {
        catalogItem: line.product,
        description: line.description,
        quantity: line.quantity,
        price: line.unitPrice,
        cost: line.unitCost,
        billableOption: "Billable",
        agreement: { id: agreementId, name: agreement.name },
        company: companyRef,
        invoice: {
          id: invoice.id,
          identifier: invoice.invoiceNumber,
          billingType: "Agreement",
          applyToType: "Agreement"
        },
        taxableFlag: true
      })
    }
  }
  return { agreementId, invoiceIds }
}
