/**
 * The Exact Online records of a world, written from its model: the division's master data, the
 * customer and distributor accounts, the projects, and month by month the sales invoices (with the
 * odd credit note) and the distributor's purchase invoice.
 *
 * Every GUID comes from the model's "ids" stream, in record order; the index returned beside the
 * records tells the truth which invoice and lines each customer got, without re-reading them.
 */
import type {
  ExactWorld,
  ExactWorldAccount,
  ExactWorldDivision,
  ExactWorldGLAccount,
  ExactWorldItem,
  ExactWorldJournal,
  ExactWorldPaymentCondition,
  ExactWorldProject,
  ExactWorldPurchaseInvoice,
  ExactWorldPurchaseInvoiceLine,
  ExactWorldSalesInvoice,
  ExactWorldSalesInvoiceLine,
  ExactWorldVATCode
} from "./ExactRecords.ts"
import { addDays, dutchMonth, exactDate, type Period } from "./internal/Dates.ts"
import { DISTRIBUTOR } from "./internal/Distributor.ts"
import { money, percentOf, quantity, times } from "./internal/Money.ts"
import { padAccountCode } from "./internal/Names.ts"
import { isActive, netPriceCents } from "./internal/Pairs.ts"
import type { Prng } from "./internal/Prng.ts"
import { TECHNICIAN_HOUR, UNIT_BY_KIND } from "./internal/Products.ts"
import { VAT_CODES, type VatCodeDef, vatFraction, vatOf } from "./internal/Vat.ts"
import type { Customer, Pair, WorldModel } from "./Model.ts"

/** What one customer was invoiced in one month. */
export interface ExactCustomerMonth {
  readonly invoice: ExactWorldSalesInvoice
  /** The credit note beside the invoice, if the month has one for this customer. */
  readonly creditId: string | null
  /** The ids of the lines (invoice and credit note) written for each pair. */
  readonly lineIds: ReadonlyMap<Pair, ReadonlyArray<string>>
  /** The line without an item, on a customer chosen for that deviation. */
  readonly malformedItemLineId: string | null
}

/** One month of sales invoices, by customer index. */
export interface ExactMonth {
  readonly byCustomer: ReadonlyMap<number, ExactCustomerMonth>
  /** Sales invoice and credit note lines written this month. */
  readonly invoiceLines: number
}

/** The Exact records of a world, and per month what each customer was invoiced. */
export interface ExactOutput {
  readonly records: ExactWorld
  readonly months: ReadonlyArray<ExactMonth>
}

interface Ledger {
  readonly division: number
  readonly glAccounts: ReadonlyArray<ExactWorldGLAccount>
  readonly glByCode: (code: string) => ExactWorldGLAccount
  readonly vatCodes: ReadonlyArray<ExactWorldVATCode>
  readonly journals: ReadonlyArray<ExactWorldJournal>
  readonly paymentConditions: ReadonlyArray<ExactWorldPaymentCondition>
}

/** Write the Exact records of a world. Draws only from the model's "ids" and a "references" stream. */
export const writeExact = (model: WorldModel, references: Prng): ExactOutput => {
  const division = 3_100_000 + (Math.abs(model.options.seed) % 900_000)
  const ledger = writeLedger(division, model.ids)
  const items = writeItems(model, ledger)
  const accounts = writeAccounts(model, division)
  const distributor = accounts[accounts.length - 1]!
  const invoices = writeInvoices(model, ledger, items, distributor, references)
  return {
    records: {
      division: divisionRecord(division),
      accounts,
      items,
      vatCodes: ledger.vatCodes,
      glAccounts: ledger.glAccounts,
      journals: ledger.journals,
      paymentConditions: ledger.paymentConditions,
      projects: writeProjects(model, division),
      salesInvoices: invoices.salesInvoices,
      purchaseInvoices: invoices.purchaseInvoices
    },
    months: invoices.months
  }
}

const divisionRecord = (division: number): ExactWorldDivision => ({
  Code: division,
  Description: "Noordlicht ICT Beheer B.V.",
  HID: 1,
  Country: "NL",
  Currency: "EUR",
  VATNumber: "NL858412377B01",
  ChamberOfCommerceNumber: "71804420"
})

/** The GL accounts, VAT codes, journals and payment conditions of the division. */
const writeLedger = (division: number, ids: Prng): Ledger => {
  const gl = (
    Code: string,
    Description: string,
    BalanceType: "B" | "W",
    BalanceSide: "C" | "D"
  ): ExactWorldGLAccount => ({
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
  const vatCodes: Array<ExactWorldVATCode> = VAT_CODES.map((v) => ({
    ID: ids.guid(),
    Code: v.code,
    Description: v.description,
    Percentage: vatFraction(v.percent),
    Type: "E",
    VATTransactionType: "B",
    IsBlocked: false,
    Division: division
  }))
  const journals: Array<ExactWorldJournal> = [
    { ID: ids.guid(), Code: "70", Description: "Verkoopboek", Type: 20, Currency: "EUR", Division: division },
    { ID: ids.guid(), Code: "60", Description: "Inkoopboek", Type: 22, Currency: "EUR", Division: division },
    { ID: ids.guid(), Code: "20", Description: "Bank", Type: 12, Currency: "EUR", Division: division },
    { ID: ids.guid(), Code: "90", Description: "Memoriaal", Type: 90, Currency: "EUR", Division: division }
  ]
  const paymentConditions: Array<ExactWorldPaymentCondition> = [
    { ID: ids.guid(), Code: "00", Description: "Direct", PaymentDays: 0, Division: division },
    { ID: ids.guid(), Code: "14", Description: "14 dagen", PaymentDays: 14, Division: division },
    { ID: ids.guid(), Code: "30", Description: "30 dagen", PaymentDays: 30, Division: division }
  ]
  const glByCode = (code: string): ExactWorldGLAccount => glAccounts.find((g) => g.Code === code)!
  return { division, glAccounts, glByCode, vatCodes, journals, paymentConditions }
}

/** One item per product, the technician hour last; licences book to the licence GL accounts. */
const writeItems = (model: WorldModel, ledger: Ledger): Array<ExactWorldItem> =>
  model.allProducts.map((def) => {
    const revenue = ledger.glByCode(def.distributor ? "8010" : "8000")
    const costs = ledger.glByCode(def.distributor ? "7010" : "7000")
    const [unit, unitDescription] = def === TECHNICIAN_HOUR ? ["uur", "Uur"] : UNIT_BY_KIND[def.kind]
    return {
      ID: model.ids.guid(),
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
      Division: ledger.division
    }
  })

/** The customer accounts, then the distributor's. */
const writeAccounts = (model: WorldModel, division: number): Array<ExactWorldAccount> => {
  const accounts: Array<ExactWorldAccount> = model.customers.map((c) => ({
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
  accounts.push({
    ID: model.ids.guid(),
    Code: padAccountCode(DISTRIBUTOR.code),
    Name: DISTRIBUTOR.name,
    Status: null,
    Type: "A",
    IsSales: false,
    IsSupplier: true,
    Blocked: false,
    VATNumber: DISTRIBUTOR.vatNumber,
    ChamberOfCommerce: DISTRIBUTOR.chamberOfCommerce,
    AddressLine1: DISTRIBUTOR.street,
    Postcode: DISTRIBUTOR.postcode,
    City: DISTRIBUTOR.city,
    Country: "NL",
    Email: "billing@clouddistri.example",
    Phone: DISTRIBUTOR.phone,
    Website: DISTRIBUTOR.website,
    Language: "NL",
    SalesVATCode: null,
    SalesCurrency: "EUR",
    PaymentConditionSales: null,
    PaymentConditionPurchase: "30",
    Division: division
  })
  return accounts
}

/** A licence project for the customers that have one (the distributor's lines point at it). */
const writeProjects = (model: WorldModel, division: number): Array<ExactWorldProject> =>
  model.customers.flatMap((c) =>
    c.projectId === null
      ? []
      : [
          {
            ID: c.projectId,
            Code: `LIC-${c.code}`,
            Description: `Licenties ${c.identity.name}`,
            Account: c.accountId,
            AccountCode: c.paddedCode,
            AccountName: c.identity.name,
            Division: division
          }
        ]
  )

/** Split a pair's month quantity over its lines: every extra line carries a small top-up, the first the rest. */
const splitQuantity = (q: number, lines: number): Array<number> => {
  const units = Math.floor(q / 100)
  if (lines <= 1 || q % 100 !== 0 || units < lines) return [q]
  const topUp = Math.max(1, Math.floor(units / (lines + 3)))
  const out = [(units - topUp * (lines - 1)) * 100]
  for (let i = 1; i < lines; i++) out.push(topUp * 100)
  return out
}

interface InvoiceContext {
  readonly model: WorldModel
  readonly ledger: Ledger
  readonly items: ReadonlyArray<ExactWorldItem>
  readonly references: Prng
  readonly nextInvoiceNumber: (year: number) => number
}

/** The month's distributor invoice, filled while the customers' invoices are written. */
interface PurchaseDraft {
  readonly id: string
  readonly lines: Array<ExactWorldPurchaseInvoiceLine>
  amount: number
  vat: number
}

/** Every month's sales invoices and purchase invoice, oldest month first. */
const writeInvoices = (
  model: WorldModel,
  ledger: Ledger,
  items: ReadonlyArray<ExactWorldItem>,
  distributor: ExactWorldAccount,
  references: Prng
) => {
  let invoiceYear = -1
  let invoiceSeq = 0
  // Invoice numbers restart every year: 25000001, 25000002, …
  const nextInvoiceNumber = (year: number): number => {
    if (year !== invoiceYear) {
      invoiceYear = year
      invoiceSeq = 0
    }
    invoiceSeq += 1
    return (year % 100) * 1_000_000 + invoiceSeq
  }
  const ctx: InvoiceContext = { model, ledger, items, references, nextInvoiceNumber }
  const salesInvoices: Array<ExactWorldSalesInvoice> = []
  const purchaseInvoices: Array<ExactWorldPurchaseInvoice> = []
  const months: Array<ExactMonth> = []
  for (let m = 0; m < model.options.months; m++) {
    const period = model.periods[m] as Period
    const purchase: PurchaseDraft = { id: model.ids.guid(), lines: [], amount: 0, vat: 0 }
    const byCustomer = new Map<number, ExactCustomerMonth>()
    let invoiceLines = 0
    for (const c of model.customers) {
      const written = writeCustomerMonth(ctx, c, m, purchase)
      if (written === null) continue
      salesInvoices.push(...written.invoices)
      invoiceLines += written.lineCount
      byCustomer.set(c.index, written.month)
    }
    if (purchase.lines.length > 0) purchaseInvoices.push(purchaseInvoice(ctx, distributor, period, m, purchase))
    months.push({ byCustomer, invoiceLines })
  }
  return { salesInvoices, purchaseInvoices, months }
}

/** One customer's invoice (and credit note) for month `m`; null when nothing is invoiced. */
const writeCustomerMonth = (ctx: InvoiceContext, c: Customer, m: number, purchase: PurchaseDraft) => {
  const { model, ledger } = ctx
  const ids = model.ids
  const L = model.latest
  const active = c.pairs.filter((pair) => isActive(pair, m))
  const malformedItem = m === L && model.malformedItemCustomers.has(c.index)
  if (active.length === 0 && !malformedItem) return null
  const period = model.periods[m] as Period
  const vat = vatOf(c.vatCode)
  const invoiceId = ids.guid()
  const lineIds = new Map<Pair, Array<string>>()
  const lines: Array<ExactWorldSalesInvoiceLine> = []
  const credit = model.credits.get(`${m}:${c.index}`)
  const addLine = lineWriter(ctx, c, vat, lineIds)
  let net = 0
  let tax = 0

  for (const pair of active) {
    const q = pair.qty[m]!
    const credited = credit !== undefined && credit.pair === pair ? credit.quantity : 0
    for (const part of splitQuantity(q + credited, pair.lines)) {
      const text = pair.inject === "malformedQuantity" && m === L ? `${quantity(part)} st` : quantity(part)
      const r = addLine(lines, invoiceId, pair, part, text)
      net += r.amount
      tax += r.vatAmount
    }
    if (model.products[pair.product]!.distributor) addPurchaseLine(ctx, c, pair, q, purchase)
  }
  let malformedItemLineId: string | null = null
  if (malformedItem) {
    const r = addLine(lines, invoiceId, null, 100, "1")
    malformedItemLineId = lines[lines.length - 1]!.ID
    net += r.amount
    tax += r.vatAmount
  }
  const salesJournal = ledger.journals[0]!
  const invoiceDate = exactDate(period.startMs)
  const condition = ledger.paymentConditions.find((p) => p.Code === c.paymentCondition)!
  const header = {
    OrderedBy: c.accountId,
    OrderedByName: c.identity.name,
    InvoiceTo: c.accountId,
    InvoiceToName: c.identity.name,
    InvoiceDate: invoiceDate,
    OrderDate: invoiceDate,
    DueDate: exactDate(addDays(period.startMs, condition.PaymentDays)),
    Currency: c.currency,
    Journal: salesJournal.Code,
    JournalDescription: salesJournal.Description,
    PaymentCondition: c.paymentCondition,
    PaymentConditionDescription: condition.Description,
    Division: ledger.division
  }
  const invoice: ExactWorldSalesInvoice = {
    InvoiceID: invoiceId,
    InvoiceNumber: ctx.nextInvoiceNumber(period.year),
    Type: 8020,
    TypeDescription: "Verkoopfactuur",
    Status: 50,
    StatusDescription: "Verwerkt",
    ...header,
    Description: `Abonnementen ${dutchMonth(period)}`,
    YourRef: ctx.references.chance(0.15) ? `PO-${period.year}-${ctx.references.int(100, 9999)}` : null,
    AmountFCExclVat: money(net),
    VATAmountFC: money(tax),
    AmountFC: money(net + tax),
    SalesInvoiceLines: lines
  }
  const invoices = [invoice]
  let creditId: string | null = null
  if (credit !== undefined) {
    creditId = ids.guid()
    const creditLines: Array<ExactWorldSalesInvoiceLine> = []
    const r = addLine(creditLines, creditId, credit.pair, -credit.quantity, quantity(-credit.quantity))
    invoices.push({
      InvoiceID: creditId,
      InvoiceNumber: ctx.nextInvoiceNumber(period.year),
      Type: 8021,
      TypeDescription: "Verkoopcreditnota",
      Status: 50,
      StatusDescription: "Verwerkt",
      ...header,
      Description: `Creditnota ${dutchMonth(period)}: ${model.products[credit.pair.product]!.description} te veel gefactureerd`,
      YourRef: null,
      AmountFCExclVat: money(r.amount),
      VATAmountFC: money(r.vatAmount),
      AmountFC: money(r.amount + r.vatAmount),
      SalesInvoiceLines: creditLines
    })
  }
  return {
    invoices,
    lineCount: lines.length + (credit === undefined ? 0 : 1),
    month: { invoice, creditId, lineIds, malformedItemLineId } satisfies ExactCustomerMonth
  }
}

/** Writes one sales line for a pair (or, with `pair` null, an hour of work without an item). */
const lineWriter =
  (ctx: InvoiceContext, c: Customer, vat: VatCodeDef, lineIds: Map<Pair, Array<string>>) =>
  (
    target: Array<ExactWorldSalesInvoiceLine>,
    invoice: string,
    pair: Pair | null,
    q: number,
    quantityText: string
  ): { readonly amount: number; readonly vatAmount: number } => {
    const { model, ledger, items } = ctx
    const def = pair === null ? TECHNICIAN_HOUR : model.products[pair.product]!
    const item = pair === null ? null : items[pair.product]!
    const netPrice = pair === null ? TECHNICIAN_HOUR.priceCents : netPriceCents(c, def)
    const amount = times(q, netPrice)
    const vatAmount = percentOf(amount, vat.percent)
    const id = model.ids.guid()
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
      VATPercentage: vatFraction(vat.percent),
      VATAmountFC: money(vatAmount),
      CostPriceFC: money(def.costCents),
      GLAccount: item === null ? ledger.glByCode("8000").ID : item.GLRevenue,
      Division: ledger.division
    })
    if (pair !== null) {
      const list = lineIds.get(pair)
      if (list === undefined) lineIds.set(pair, [id])
      else list.push(id)
    }
    return { amount, vatAmount }
  }

/** The distributor's line for a licence the customer uses; names the customer when there is no project. */
const addPurchaseLine = (ctx: InvoiceContext, c: Customer, pair: Pair, q: number, purchase: PurchaseDraft) => {
  const def = ctx.model.products[pair.product]!
  const amount = times(q, def.costCents)
  const vatAmount = percentOf(amount, 21)
  purchase.amount += amount
  purchase.vat += vatAmount
  purchase.lines.push({
    ID: ctx.model.ids.guid(),
    InvoiceID: purchase.id,
    LineNumber: purchase.lines.length + 1,
    Item: ctx.items[pair.product]!.ID,
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

const purchaseInvoice = (
  ctx: InvoiceContext,
  distributor: ExactWorldAccount,
  period: Period,
  m: number,
  purchase: PurchaseDraft
): ExactWorldPurchaseInvoice => ({
  ID: purchase.id,
  EntryNumber: (period.year % 100) * 100_000 + m + 1,
  Type: 8033,
  Status: 50,
  Supplier: distributor.ID,
  Journal: ctx.ledger.journals[1]!.Code,
  InvoiceDate: exactDate(addDays(period.startMs, 2)),
  DueDate: exactDate(addDays(period.startMs, 32)),
  Currency: "EUR",
  YourRef: `CD-${period.period}-${String(m + 1).padStart(4, "0")}`,
  Description: `CloudDistri licenties ${dutchMonth(period)}`,
  PaymentCondition: "30",
  Amount: money(purchase.amount + purchase.vat),
  VATAmount: money(purchase.vat),
  Division: ctx.ledger.division,
  PurchaseInvoiceLines: purchase.lines
})
