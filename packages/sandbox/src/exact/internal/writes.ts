/**
 * The writes the simulation supports: creating a sales invoice, processing it (which numbers it and
 * books its receivable and stores Exact's own document of it), and creating an account.
 */

import { BigDecimal } from "effect"
import { present } from "./reads.ts"
import { jsonResponse, odataError } from "./responses.ts"
import {
  byKey,
  type Division,
  day,
  entityOf,
  guidPattern,
  insertInto,
  type Json,
  rows,
  type SimState
} from "./state.ts"
import { asDecimal, asWhen, Dec, round, type SimRecord, When } from "./values.ts"

export const findByKeyOrCode = (division: Division, set: string, value: unknown, codeField = "Code") => {
  if (typeof value !== "string" || value.trim() === "") return undefined
  if (guidPattern.test(value)) return byKey(division, set, value)
  return rows(division, set).find((r) => String(r[codeField] ?? "").trim() === value.trim())
}

export const createSalesInvoice = (sim: SimState, division: Division, body: Json, url: URL): Response => {
  const problems: Array<string> = []
  const account = findByKeyOrCode(division, "Accounts", body.OrderedBy)
  if (body.OrderedBy === undefined || body.OrderedBy === null) problems.push("Mandatory: OrderedBy (Ordered by)")
  else if (!account) problems.push("Invalid reference: OrderedBy")
  const invoiceTo =
    body.InvoiceTo === undefined || body.InvoiceTo === null
      ? account
      : findByKeyOrCode(division, "Accounts", body.InvoiceTo)
  if (body.InvoiceTo && !invoiceTo) problems.push("Invalid reference: InvoiceTo")
  const type = body.Type === undefined || body.Type === null ? 8020 : Number((body.Type as Dec).text ?? body.Type)
  if (![8020, 8021, 8023, 8024].includes(type)) problems.push(`Invalid value: Type ${String(type)}`)
  const orderDate = body.OrderDate === undefined ? new When(sim.clock.now()) : asWhen(body.OrderDate)
  if (!orderDate) problems.push("Invalid date: OrderDate")
  const condition =
    (body.PaymentCondition ?? account?.PaymentConditionSales)
      ? findByKeyOrCode(division, "PaymentConditions", body.PaymentCondition ?? account?.PaymentConditionSales)
      : undefined
  if (body.PaymentCondition && !condition) problems.push("Invalid reference: PaymentCondition")
  const lines = body.SalesInvoiceLines
  if (!Array.isArray(lines) || lines.length === 0) problems.push("Mandatory: SalesInvoiceLines (at least one line)")
  const invoiceId = sim.random.guid()
  const builtLines: Array<SimRecord> = []
  let net = BigDecimal.fromBigInt(0n)
  let vat = BigDecimal.fromBigInt(0n)
  for (const [index, raw] of (Array.isArray(lines) ? lines : []).entries()) {
    const line = (raw ?? {}) as Json
    const at = `SalesInvoiceLines[${index}]`
    const item = findByKeyOrCode(division, "Items", line.Item)
    if (line.Item === undefined || line.Item === null) problems.push(`Mandatory: ${at}.Item`)
    else if (!item) problems.push(`Invalid reference: ${at}.Item`)
    const quantity = line.Quantity === undefined ? BigDecimal.fromBigInt(1n) : asDecimal(line.Quantity)
    if (!quantity) problems.push(`Invalid number: ${at}.Quantity`)
    const priceSource =
      line.NetPrice ?? line.UnitPrice ?? (item?.StandardSalesPrice as Dec | null | undefined) ?? new Dec("0")
    const price = asDecimal(priceSource)
    if (!price) problems.push(`Invalid number: ${at}.NetPrice`)
    const vatCodeText = (line.VATCode ?? item?.SalesVatCode ?? account?.SalesVATCode ?? null) as string | null
    const vatCode = vatCodeText === null ? undefined : findByKeyOrCode(division, "VATCodes", vatCodeText)
    if (vatCodeText !== null && !vatCode) problems.push(`Invalid reference: ${at}.VATCode`)
    if (!item || !quantity || !price) continue
    const amount = line.AmountFC !== undefined ? asDecimal(line.AmountFC) : round(BigDecimal.multiply(quantity, price))
    if (!amount) {
      problems.push(`Invalid number: ${at}.AmountFC`)
      continue
    }
    const percentage = vatCode?.Percentage instanceof Dec ? vatCode.Percentage.value : BigDecimal.fromBigInt(0n)
    // A VAT amount the caller gives is kept; otherwise Exact computes it per line from the code.
    const given = line.VATAmountFC === undefined || line.VATAmountFC === null ? undefined : asDecimal(line.VATAmountFC)
    const vatAmount = given ?? round(BigDecimal.multiply(amount, percentage))
    net = BigDecimal.sum(net, amount)
    vat = BigDecimal.sum(vat, vatAmount)
    builtLines.push({
      ID: sim.random.guid(),
      InvoiceID: invoiceId,
      LineNumber: index + 1,
      Item: item.ID as string,
      ItemCode: item.Code as string,
      ItemDescription: item.Description as string,
      Description: (line.Description as string | undefined) ?? (item.Description as string),
      Quantity: Dec.of(quantity),
      UnitPrice: Dec.of(price),
      NetPrice: Dec.of(price),
      Discount: new Dec("0"),
      AmountFC: Dec.of(amount),
      AmountDC: Dec.of(amount),
      VATCode: (vatCode?.Code as string | undefined) ?? null,
      VATPercentage: Dec.of(percentage),
      VATAmountFC: Dec.of(vatAmount),
      GLAccount: (item.GLRevenue as string | null) ?? null,
      UnitCode: (line.UnitCode as string | undefined) ?? (item.Unit as string | null) ?? null,
      CostCenter: (line.CostCenter as string | undefined) ?? null,
      DeliveryDate: asWhen(line.DeliveryDate) ?? null,
      Subscription: null
    })
  }
  if (problems.length > 0) return odataError(400, problems.join("\r\n"))
  const when = orderDate as When
  const paymentDays = typeof condition?.PaymentDays === "number" ? condition.PaymentDays : 14
  const now = new When(sim.clock.now())
  const invoice = insertInto(sim, division, "SalesInvoices", {
    InvoiceID: invoiceId,
    InvoiceNumber: null,
    InvoiceDate: when,
    OrderDate: when,
    DueDate: asWhen(body.DueDate) ?? new When(when.ms + paymentDays * day),
    OrderedBy: account?.ID as string,
    OrderedByName: account?.Name as string,
    InvoiceTo: invoiceTo?.ID as string,
    InvoiceToName: invoiceTo?.Name as string,
    DeliverTo: (body.DeliverTo as string | undefined) ?? (account?.ID as string),
    Journal: typeof body.Journal === "string" ? body.Journal : "70",
    Currency: typeof body.Currency === "string" ? body.Currency : (division.seed.currency ?? "EUR"),
    Description: (body.Description as string | undefined) ?? null,
    YourRef: (body.YourRef as string | undefined) ?? null,
    PaymentCondition: (condition?.Code as string | undefined) ?? null,
    PaymentReference: (body.PaymentReference as string | undefined) ?? null,
    Remarks: (body.Remarks as string | undefined) ?? null,
    Status: 20,
    Type: type,
    AmountFCExclVat: Dec.of(net),
    VATAmountFC: Dec.of(vat),
    AmountFC: Dec.of(BigDecimal.sum(net, vat)),
    AmountDC: Dec.of(BigDecimal.sum(net, vat)),
    Created: now,
    Modified: now
  })
  for (const line of builtLines) insertInto(sim, division, "SalesInvoiceLines", line)
  const entity = entityOf("SalesInvoices")
  return jsonResponse(201, {
    d: present(entity, invoice, division, url, undefined, new Set(["SalesInvoiceLines"]), false)
  })
}

/**
 * Printing stores Exact's own rendering of the invoice as a document linked to it (Exact's docs:
 * SalesInvoices with PrintedSalesInvoices "creates the invoice document"): type 10, linked by the
 * InvoiceID, with its file. The subject is the simulation's choice; what matters is that a
 * printed invoice already has a document with a file that is not the caller's.
 */
const storePrintedDocument = (sim: SimState, division: Division, invoice: SimRecord, account: string | undefined) => {
  const number = String(invoice.InvoiceNumber)
  const document = insertInto(sim, division, "Documents", {
    ID: sim.random.guid(),
    Subject: `Sales invoice ${number}`,
    Type: 10,
    Account: account ?? null,
    DocumentDate: invoice.InvoiceDate as When,
    FinancialTransactionEntryID: invoice.InvoiceID as string,
    Created: new When(sim.clock.now())
  })
  const file = Buffer.from(`%PDF-1.4\n% Exact Online sales invoice ${number}\n%%EOF\n`).toString("base64")
  insertInto(sim, division, "DocumentAttachments", {
    ID: sim.random.guid(),
    Document: document.ID as string,
    FileName: `${number}.pdf`,
    FileSize: Buffer.from(file, "base64").length,
    Attachment: file
  })
}

export const processSalesInvoice = (sim: SimState, division: Division, body: Json): Response => {
  const id = body.InvoiceID
  if (typeof id !== "string" || id === "") return odataError(400, "Mandatory: InvoiceID")
  const invoice = guidPattern.test(id) ? byKey(division, "SalesInvoices", id) : undefined
  if (!invoice) return odataError(400, "Invalid reference: InvoiceID")
  if (invoice.Status === 50) return odataError(400, "This invoice has already been processed.")
  invoice.Status = 50
  invoice.InvoiceNumber = division.nextInvoiceNumber++
  const invoiceDate = asWhen(body.InvoiceDate)
  if (invoiceDate) invoice.InvoiceDate = invoiceDate
  invoice.Modified = new When(sim.clock.now())
  invoice.__ts = sim.rowVersion++
  const account = byKey(division, "Accounts", String(invoice.InvoiceTo ?? invoice.OrderedBy))
  insertInto(sim, division, "Receivables", {
    ID: sim.random.guid(),
    Account: (account?.ID as string | undefined) ?? null,
    AccountCode: (account?.Code as string | undefined) ?? null,
    AccountName: (account?.Name as string | undefined) ?? null,
    EntryID: invoice.InvoiceID as string,
    // The simulation books a printed invoice as its own transaction, so its id is the entry's.
    TransactionEntryID: invoice.InvoiceID as string,
    TransactionAmountFC: invoice.AmountFC as Dec,
    EntryNumber: invoice.InvoiceNumber,
    InvoiceNumber: invoice.InvoiceNumber,
    InvoiceDate: invoice.InvoiceDate as When,
    DueDate: invoice.DueDate as When,
    AmountDC: invoice.AmountDC as Dec,
    AmountFC: invoice.AmountFC as Dec,
    Currency: invoice.Currency as string,
    Description: invoice.Description as string | null,
    YourRef: invoice.YourRef as string | null,
    IsFullyPaid: false,
    LastPaymentDate: null,
    Journal: invoice.Journal as string
  })
  storePrintedDocument(sim, division, invoice, account?.ID as string | undefined)
  return jsonResponse(201, {
    d: {
      InvoiceID: invoice.InvoiceID,
      InvoiceNumber: invoice.InvoiceNumber,
      Status: 50,
      InvoiceDate: invoice.InvoiceDate
    }
  })
}

export const createAccount = (sim: SimState, division: Division, body: Json, url: URL): Response => {
  const problems: Array<string> = []
  if (typeof body.Name !== "string" || body.Name.trim() === "") problems.push("Mandatory: Name")
  let code: string | null = null
  if (body.Code !== undefined && body.Code !== null) {
    const text = String(body.Code instanceof Dec ? body.Code.text : body.Code).trim()
    if (!/^\d{1,18}$/.test(text)) problems.push("Invalid value: Code (up to 18 digits)")
    // Exact stores account sim.codes right-aligned in 18 characters.
    code = text.padStart(18, " ")
    if (rows(division, "Accounts").some((a) => a.Code === code)) problems.push(`Code ${text} already exists`)
  }
  if (problems.length > 0) return odataError(400, problems.join("\r\n"))
  const now = new When(sim.clock.now())
  const fields = entityOf("Accounts").fields
  const values: SimRecord = {}
  for (const field of fields) {
    const value = body[field]
    if (typeof value === "string" || typeof value === "boolean" || value instanceof Dec) values[field] = value
  }
  const account = insertInto(sim, division, "Accounts", {
    ...values,
    ID: sim.random.guid(),
    Code: code,
    Status: (body.Status as string | undefined) ?? "C",
    IsSales: true,
    Blocked: false,
    Created: now,
    Modified: now
  })
  return jsonResponse(201, { d: present(entityOf("Accounts"), account, division, url, undefined, new Set(), false) })
}
