/**
 * A seeded data generator for the Exact Online simulation: master data and a month of sales
 * invoices, reproducible per seed.
 *
 * @since 0.1.0
 */
import { BigDecimal } from "effect"
import type { ExactSimulation } from "./ExactSimulation.ts"
import { type SeededRandom, seededRandom } from "./internal/random.ts"
import { Dec, round, type SimRecord, When } from "./internal/values.ts"

/**
 * What to generate in one division.
 *
 * @since 0.1.0
 */
export interface ExactSeedOptions {
  readonly division?: number
  readonly seed?: number
  /** Customer accounts (the first is always "Café 't Hoekje"). Default 20. */
  readonly accounts?: number
  /** Sales items (recurring services). Default 12. */
  readonly items?: number
  /** Sales invoices of one month: `count` invoices of `linesPerInvoice` lines each. */
  readonly invoices?: {
    readonly year: number
    /** 1–12. */
    readonly month: number
    readonly count: number
    readonly linesPerInvoice: number
  }
}

/**
 * The ids and codes `seedExactDivision` created.
 *
 * @since 0.1.0
 */
export interface ExactSeedResult {
  readonly division: number
  readonly accounts: ReadonlyArray<{ readonly ID: string; readonly Code: string; readonly Name: string }>
  readonly items: ReadonlyArray<{ readonly ID: string; readonly Code: string; readonly Description: string }>
  readonly vatCodes: ReadonlyArray<string>
  readonly invoiceIds: ReadonlyArray<string>
  readonly lineCount: number
}

const services = [
  ["M365-BP", "Microsoft 365 Business Premium", "20.60"],
  ["M365-BS", "Microsoft 365 Business Standard", "11.70"],
  ["M365-E3", "Microsoft 365 E3", "33.75"],
  ["EXO-P1", "Exchange Online Plan 1", "3.75"],
  ["AV-EDR", "Endpoint detection and response per device", "4.125"],
  ["BACKUP-M365", "Microsoft 365 backup per user", "2.4999"],
  ["RMM-WS", "Remote monitoring workstation", "6.00"],
  ["RMM-SRV", "Remote monitoring server", "25.00"],
  ["SUPPORT-FLAT", "Support contract per user", "18.50"],
  ["AZURE-CONS", "Azure consumption (pass-through)", "0.123456789012345678"],
  ["TEAMS-PH", "Teams Phone Standard", "7.50"],
  ["DOMAIN-NL", "Domain name .nl per year", "9.95"]
] as const

const companies = [
  "Café 't Hoekje",
  "Bakkerij De Gouden Korst",
  "Van Dijk & Zonen Installatietechniek",
  "Huisartsenpraktijk Zuid",
  "Advocatenkantoor Meijer",
  "Tandartsen aan de Gracht",
  "Stichting Kinderopvang Klavertje",
  "Garage Hendriks",
  "Architectenbureau Lijn",
  "Bloemenhandel Flora",
  "Administratiekantoor De Balans",
  "Transportbedrijf Snel",
  "Notariskantoor Visser",
  "Fysiotherapie Centrum",
  "Drukkerij Inkt",
  "Makelaardij Thuis",
  "Hotel De Zon",
  "Sportschool Fit",
  "Webwinkel Plus",
  "Bouwbedrijf Stevig"
]

/**
 * Fills a division with VAT codes, GL accounts, payment conditions, customers, items and
 * (optionally) a month of sales invoices with lines.
 *
 * @example
 * ```ts
 * import { createExactSimulation, seedExactDivision } from "@psa-ledger/sandbox"
 *
 * const sim = createExactSimulation()
 * seedExactDivision(sim, { invoices: { year: 2026, month: 1, count: 250, linesPerInvoice: 20 } })
 * ```
 *
 * @since 0.1.0
 */
export const seedExactDivision = (sim: ExactSimulation, options: ExactSeedOptions = {}): ExactSeedResult => {
  const division = options.division ?? 1001
  const random = seededRandom(options.seed ?? 7)
  const at = new When(Date.UTC(2024, 0, 1))
  const revenue = seedLedger(sim, division, random)
  const accounts = seedAccounts(sim, division, random, at, options.accounts ?? 20)
  const items = seedItems(sim, division, random, at, revenue, options.items ?? 12)
  const { invoiceIds, lineCount } = options.invoices
    ? seedInvoices(sim, division, random, revenue, accounts, items, options.invoices)
    : { invoiceIds: [], lineCount: 0 }
  return {
    division,
    accounts,
    items: items.map(({ ID, Code, Description }) => ({ ID, Code, Description })),
    vatCodes: VAT.map(([code]) => code),
    invoiceIds,
    lineCount
  }
}

/** The VAT codes the seed keeps: code, description, rate. */
const VAT = [
  ["1  ", "BTW hoog 21%", "0.21"],
  ["2  ", "BTW laag 9%", "0.09"],
  ["0  ", "BTW 0%", "0"]
] as const

/** The VAT codes, GL accounts and payment conditions; returns the revenue account. */
const seedLedger = (sim: ExactSimulation, division: number, random: SeededRandom): SimRecord => {
  for (const [Code, Description, Percentage] of VAT) {
    sim.insert(division, "VATCodes", {
      ID: random.guid(),
      Code,
      Description,
      Percentage: new Dec(Percentage),
      Type: "E",
      VATTransactionType: "S",
      IsBlocked: false
    })
  }
  const revenue = sim.insert(division, "GLAccounts", {
    ID: random.guid(),
    Code: "8000",
    Description: "Omzet diensten",
    BalanceType: "W",
    Type: 110,
    IsBlocked: false
  })
  sim.insert(division, "GLAccounts", {
    ID: random.guid(),
    Code: "1300",
    Description: "Debiteuren",
    BalanceType: "B",
    Type: 20,
    IsBlocked: false
  })
  for (const [Code, Description, PaymentDays] of [
    ["14", "Betaling binnen 14 dagen", 14],
    ["30", "Betaling binnen 30 dagen", 30]
  ] as const) {
    sim.insert(division, "PaymentConditions", { ID: random.guid(), Code, Description, PaymentDays })
  }
  return revenue
}

/** Customer accounts, named from the list (numbered once it runs out). */
const seedAccounts = (sim: ExactSimulation, division: number, random: SeededRandom, at: When, count: number) => {
  const accounts: Array<{ ID: string; Code: string; Name: string }> = []
  for (let i = 0; i < count; i++) {
    const Name =
      companies[i % companies.length] + (i >= companies.length ? ` ${Math.floor(i / companies.length) + 1}` : "")
    const Code = String(1000 + i).padStart(18, " ")
    const record = sim.insert(division, "Accounts", {
      ID: random.guid(),
      Code,
      Name,
      SearchCode: Name.slice(0, 10).toUpperCase(),
      Status: "C",
      Email: `administratie@${Name.toLowerCase().replace(/[^a-z]+/g, "")}.example`,
      City: random.pick(["Amsterdam", "Utrecht", "Zwolle", "Breda", "Groningen"]),
      Country: "NL",
      VATNumber: `NL${String(random.int(100_000_000, 999_999_999))}B01`,
      ChamberOfCommerce: String(random.int(10_000_000, 99_999_999)),
      SalesVATCode: "1  ",
      PaymentConditionSales: "14",
      IsSales: true,
      Blocked: false,
      Created: at,
      Modified: at
    })
    accounts.push({ ID: record.ID as string, Code, Name })
  }
  return accounts
}

/** Service items, from the list (numbered once it runs out). */
const seedItems = (
  sim: ExactSimulation,
  division: number,
  random: SeededRandom,
  at: When,
  revenue: SimRecord,
  count: number
) => {
  const items: Array<{ ID: string; Code: string; Description: string; price: string }> = []
  for (let i = 0; i < count; i++) {
    const [code, description, price] = services[i % services.length] as (typeof services)[number]
    const Code = i >= services.length ? `${code}-${Math.floor(i / services.length) + 1}` : code
    const record = sim.insert(division, "Items", {
      ID: random.guid(),
      Code,
      Description: description,
      IsSalesItem: true,
      SalesVatCode: "1  ",
      GLRevenue: revenue.ID as string,
      GLRevenueCode: "8000",
      Unit: "stuk",
      StandardSalesPrice: new Dec(price),
      Created: at,
      Modified: at
    })
    items.push({ ID: record.ID as string, Code, Description: description, price })
  }
  return items
}

/** Processed sales invoices for one month, lines cycling through the items. */
const seedInvoices = (
  sim: ExactSimulation,
  division: number,
  random: SeededRandom,
  revenue: SimRecord,
  accounts: ReadonlyArray<{ ID: string; Code: string; Name: string }>,
  items: ReadonlyArray<{ ID: string; Code: string; Description: string; price: string }>,
  invoices: NonNullable<ExactSeedOptions["invoices"]>
) => {
  const invoiceIds: Array<string> = []
  let lineCount = 0
  const { year, month, count, linesPerInvoice } = invoices
  const invoiceDate = new When(Date.UTC(year, month - 1, 1))
  for (let n = 0; n < count; n++) {
    const account = accounts[n % accounts.length] as (typeof accounts)[number]
    const InvoiceID = random.guid()
    let net = BigDecimal.fromBigInt(0n)
    const lines: Array<SimRecord> = []
    for (let l = 0; l < linesPerInvoice; l++) {
      const item = items[(n + l) % items.length] as (typeof items)[number]
      const quantity = BigDecimal.fromBigInt(BigInt(random.int(1, 60)))
      const price = BigDecimal.fromStringUnsafe(item.price)
      const amount = round(BigDecimal.multiply(quantity, price))
      net = BigDecimal.sum(net, amount)
      lines.push({
        ID: random.guid(),
        InvoiceID,
        LineNumber: l + 1,
        Item: item.ID,
        ItemCode: item.Code,
        ItemDescription: item.Description,
        Description: `${item.Description} ${year}-${String(month).padStart(2, "0")}`,
        Quantity: Dec.of(quantity),
        UnitPrice: new Dec(item.price),
        NetPrice: new Dec(item.price),
        Discount: new Dec("0"),
        AmountFC: Dec.of(amount),
        AmountDC: Dec.of(amount),
        VATCode: "1  ",
        VATPercentage: new Dec("0.21"),
        VATAmountFC: Dec.of(round(BigDecimal.multiply(amount, BigDecimal.fromStringUnsafe("0.21")))),
        GLAccount: revenue.ID as string,
        UnitCode: "stuk"
      })
    }
    const vatAmount = round(BigDecimal.multiply(net, BigDecimal.fromStringUnsafe("0.21")))
    sim.insert(division, "SalesInvoices", {
      InvoiceID,
      InvoiceNumber: 26_100_000 + n,
      InvoiceDate: invoiceDate,
      OrderDate: invoiceDate,
      DueDate: new When(invoiceDate.ms + 14 * 86_400_000),
      OrderedBy: account.ID,
      OrderedByName: account.Name,
      InvoiceTo: account.ID,
      InvoiceToName: account.Name,
      DeliverTo: account.ID,
      Journal: "70",
      Currency: "EUR",
      Description: `Diensten ${year}-${String(month).padStart(2, "0")}`,
      YourRef: null,
      PaymentCondition: "14",
      Status: 50,
      Type: 8020,
      AmountFCExclVat: Dec.of(net),
      VATAmountFC: Dec.of(vatAmount),
      AmountFC: Dec.of(BigDecimal.sum(net, vatAmount)),
      AmountDC: Dec.of(BigDecimal.sum(net, vatAmount)),
      Created: invoiceDate,
      Modified: invoiceDate
    })
    for (const line of lines) sim.insert(division, "SalesInvoiceLines", line)
    invoiceIds.push(InvoiceID)
    lineCount += lines.length
  }
  return { invoiceIds, lineCount }
}
