/**
 * The latest month's ConnectWise invoices: agreement invoices that bill the running additions,
 * standard invoices for hours of work, and one credit memo against the first invoice.
 */
import type {
  CwAddition,
  CwAgreement,
  CwCatalogItem,
  CwCompany,
  CwInvoice,
  CwProductItem,
  CwReference
} from "../ConnectWiseRecords.ts"
import type { Customer, Pair, WorldModel } from "../Model.ts"
import { type ConnectWiseSetup, companyRef, termsFor, termsRef } from "./ConnectWiseSetup.ts"
import { addDays, cwDate, type Period } from "./Dates.ts"
import { money, percentOf, quantity, times } from "./Money.ts"
import { netPriceCents } from "./Pairs.ts"
import type { Prng } from "./Prng.ts"
import { TECHNICIAN_HOUR } from "./Products.ts"
import { vatOf } from "./Vat.ts"

/** The ConnectWise records an invoice refers to. */
export interface InvoiceRefs {
  readonly companyOf: ReadonlyMap<Customer, CwCompany>
  readonly agreementOf: ReadonlyMap<Customer, CwAgreement>
  readonly additionOf: ReadonlyMap<Pair, CwAddition>
  readonly catalogOf: ReadonlyMap<number, CwCatalogItem>
  readonly setup: ConnectWiseSetup
}

interface InvoiceLineModel {
  readonly catalog: CwCatalogItem
  readonly description: string
  readonly q: number
  readonly price: number
  readonly cost: number
}

/** Write the latest month's invoices and their product lines from the "cw-invoices" stream. */
export const writeConnectWiseInvoices = (
  model: WorldModel,
  refs: InvoiceRefs,
  additionActive: (pair: Pair, period: Period) => boolean,
  rng: Prng
): { readonly invoices: Array<CwInvoice>; readonly products: Array<CwProductItem> } => {
  const L = model.latest
  const latest = model.periods[L] as Period
  const billable = rng.shuffle(
    model.customers.filter(
      (c) =>
        refs.agreementOf.has(c) &&
        !c.currencyMismatch &&
        c.pairs.some((pair) => refs.additionOf.has(pair) && additionActive(pair, latest))
    )
  )
  const invoiceCount = Math.min(model.options.connectwiseInvoices, billable.length)
  const creditMemo = invoiceCount >= 3 ? 1 : 0
  const agreementInvoices = Math.ceil((invoiceCount - creditMemo) * 0.7)
  const writer = invoiceWriter(refs, rng)
  const hourCatalog = refs.catalogOf.get(model.allProducts.length - 1)!
  for (let i = 0; i < invoiceCount - creditMemo; i++) {
    const c = billable[i]!
    if (i < agreementInvoices) {
      const lines = c.pairs
        .filter((pair) => refs.additionOf.has(pair) && additionActive(pair, latest))
        .map((pair) => {
          const def = model.products[pair.product]!
          return {
            catalog: refs.catalogOf.get(pair.product)!,
            description: refs.additionOf.get(pair)!.invoiceDescription,
            q: pair.additionQty ?? pair.qty[L]!,
            price: netPriceCents(c, def),
            cost: pair.additionCostCents ?? def.costCents
          }
        })
      writer.write(c, "Agreement", latest.startMs, lines)
    } else {
      const hours = rng.int(2, 16) * 50
      writer.write(c, "Standard", addDays(latest.startMs, rng.int(3, 25)), [
        {
          catalog: hourCatalog,
          description: rng.pick(["Werkzaamheden op locatie", "Migratie fileserver", "Inrichting nieuwe werkplekken"]),
          q: hours,
          price: TECHNICIAN_HOUR.priceCents,
          cost: TECHNICIAN_HOUR.costCents
        }
      ])
    }
  }
  if (creditMemo === 1) {
    const first = writer.invoices[0]!
    const firstLine = writer.firstLines.get(first.id)
    const c = model.customers.find((x) => refs.companyOf.get(x)?.id === first.company.id)!
    if (firstLine !== undefined) {
      writer.write(c, "CreditMemo", addDays(latest.startMs, 20), [
        { ...firstLine, description: `Creditering: ${firstLine.description}`, q: -100 }
      ])
    }
  }
  return { invoices: writer.invoices, products: writer.products }
}

/** Writes invoices with their product lines, numbering both. */
const invoiceWriter = (refs: InvoiceRefs, rng: Prng) => {
  const invoices: Array<CwInvoice> = []
  const products: Array<CwProductItem> = []
  const firstLines = new Map<number, InvoiceLineModel>()
  const sentStatus: CwReference = { id: 2, name: "Sent" }
  let nextInvoiceId = 7001
  let nextProductId = 90_001
  const write = (c: Customer, type: CwInvoice["type"], dateMs: number, lines: ReadonlyArray<InvoiceLineModel>) => {
    const co = refs.companyOf.get(c)!
    const agreement = refs.agreementOf.get(c)
    const agreementRef = type === "Agreement" ? { id: agreement!.id, name: agreement!.name } : null
    const terms = termsFor(refs.setup, c)
    const rate = vatOf(c.vatCode).percent
    const id = nextInvoiceId++
    const invoiceNumber = String(24_000 + id - 7000)
    const applyToType = type === "Agreement" ? "Agreement" : "All"
    let subtotal = 0
    if (lines[0] !== undefined) firstLines.set(id, lines[0])
    for (const line of lines) {
      const ext = times(line.q, line.price)
      subtotal += ext
      products.push({
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
        sequenceNumber: products.length + 1,
        company: companyRef(co),
        agreement: type === "Agreement" ? { id: agreement!.id, name: agreement!.name } : null,
        invoice: { id, identifier: invoiceNumber, applyToType, invoiceDate: cwDate(dateMs) }
      })
    }
    const salesTax = percentOf(subtotal, rate)
    const total = subtotal + salesTax
    invoices.push({
      id,
      invoiceNumber,
      type,
      status: sentStatus,
      company: companyRef(co),
      billToCompany: companyRef(co),
      applyToType,
      applyToId: type === "Agreement" ? agreement!.id : null,
      agreement: agreementRef,
      date: cwDate(dateMs),
      dueDate: cwDate(addDays(dateMs, terms.dueDays)),
      billingTerms: termsRef(terms),
      taxCode: co.taxCode,
      currency: co.currency,
      reference: type === "CreditMemo" ? `Credit ${invoices[0]?.invoiceNumber ?? ""}`.trim() : null,
      customerPO: rng.chance(0.2) ? `PO${rng.int(1000, 99999)}` : null,
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
  return { invoices, products, firstLines, write }
}
