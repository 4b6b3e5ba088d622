/**
 * Sales entries, documents and payments in the simulation. A sales entry books its receivable at
 * once, with the VAT amounts as given (Exact computes VAT from the code only when a line has none),
 * and its `EntryNumber` is unique per journal. A payment splits the open receivable the way Exact
 * does: the paid part becomes its own fully-paid receivable.
 */

import { BigDecimal } from "effect"
import { present } from "./reads.ts"
import { jsonResponse, odataError } from "./responses.ts"
import { byKey, type Division, day, entityOf, insertInto, type Json, rows, type SimState } from "./state.ts"
import { asDecimal, asWhen, Dec, round, type SimRecord, When } from "./values.ts"
import { findByKeyOrCode } from "./writes.ts"

const MAX_ENTRY_NUMBER = 2_147_483_647
const zero = BigDecimal.fromBigInt(0n)

const numberOf = (value: unknown): number | undefined => {
  const text = value instanceof Dec ? value.text : typeof value === "number" ? String(value) : undefined
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined
}

/** POST salesentry/SalesEntries, lines included. */
export const createSalesEntry = (sim: SimState, division: Division, body: Json, url: URL): Response => {
  const problems: Array<string> = []
  const customer = findByKeyOrCode(division, "Accounts", body.Customer)
  if (body.Customer === undefined || body.Customer === null) problems.push("Mandatory: Customer")
  else if (!customer) problems.push("Invalid reference: Customer")
  const journal = typeof body.Journal === "string" ? body.Journal.trim() : ""
  if (journal === "") problems.push("Mandatory: Journal")
  else if (rows(division, "Journals").length > 0 && !rows(division, "Journals").some((j) => j.Code === journal)) {
    problems.push(`Invalid reference: Journal ${journal}`)
  }
  let entryNumber: number | undefined
  if (body.EntryNumber !== undefined && body.EntryNumber !== null) {
    entryNumber = numberOf(body.EntryNumber)
    if (entryNumber === undefined || entryNumber < 1 || entryNumber > MAX_ENTRY_NUMBER) {
      problems.push("Invalid value: EntryNumber")
    } else if (rows(division, "SalesEntries").some((e) => e.Journal === journal && e.EntryNumber === entryNumber)) {
      problems.push(`Entry number ${entryNumber} already exists in journal ${journal}`)
    }
  }
  const entryDate = asWhen(body.EntryDate)
  if (!entryDate) problems.push("Mandatory: EntryDate")
  const condition = body.PaymentCondition
    ? findByKeyOrCode(division, "PaymentConditions", body.PaymentCondition)
    : undefined
  if (body.PaymentCondition && !condition) problems.push("Invalid reference: PaymentCondition")
  const lines = Array.isArray(body.SalesEntryLines) ? body.SalesEntryLines : []
  if (lines.length === 0) problems.push("Mandatory: SalesEntryLines (at least one line)")
  const entryId = sim.random.guid()
  const built: Array<SimRecord> = []
  let net = zero
  let vat = zero
  for (const [index, raw] of lines.entries()) {
    const line = (raw ?? {}) as Json
    const at = `SalesEntryLines[${index}]`
    const gl = findByKeyOrCode(division, "GLAccounts", line.GLAccount)
    if (!gl) problems.push(`Invalid reference: ${at}.GLAccount`)
    const amount = asDecimal(line.AmountFC)
    if (!amount) problems.push(`Mandatory: ${at}.AmountFC`)
    const vatCode = typeof line.VATCode === "string" ? findByKeyOrCode(division, "VATCodes", line.VATCode) : undefined
    if (typeof line.VATCode === "string" && !vatCode) problems.push(`Invalid reference: ${at}.VATCode`)
    if (!gl || !amount) continue
    const percentage = vatCode?.Percentage instanceof Dec ? vatCode.Percentage.value : zero
    // The VAT amount as given: that is what lets the entry equal the source invoice to the cent.
    const given = line.VATAmountFC === undefined || line.VATAmountFC === null ? undefined : asDecimal(line.VATAmountFC)
    if (line.VATAmountFC !== undefined && line.VATAmountFC !== null && !given) {
      problems.push(`Invalid number: ${at}.VATAmountFC`)
    }
    const vatAmount = given ?? round(BigDecimal.multiply(amount, percentage))
    net = BigDecimal.sum(net, amount)
    vat = BigDecimal.sum(vat, vatAmount)
    built.push({
      ID: sim.random.guid(),
      EntryID: entryId,
      LineNumber: index + 1,
      GLAccount: gl.ID as string,
      GLAccountCode: gl.Code as string,
      Description: (line.Description as string | undefined) ?? null,
      Quantity: line.Quantity instanceof Dec ? line.Quantity : null,
      AmountFC: Dec.of(amount),
      AmountDC: Dec.of(amount),
      VATCode: (vatCode?.Code as string | undefined) ?? null,
      VATPercentage: Dec.of(percentage),
      VATAmountFC: Dec.of(vatAmount)
    })
  }
  if (problems.length > 0) return odataError(400, problems.join("\r\n"))
  const when = entryDate as When
  const paymentDays = typeof condition?.PaymentDays === "number" ? condition.PaymentDays : 14
  const total = BigDecimal.sum(net, vat)
  const number = entryNumber ?? division.nextEntryNumber++
  const now = new When(sim.clock.now())
  const dueDate = asWhen(body.DueDate) ?? new When(when.ms + paymentDays * day)
  const currency = typeof body.Currency === "string" ? body.Currency : (division.seed.currency ?? "EUR")
  const entry = insertInto(sim, division, "SalesEntries", {
    EntryID: entryId,
    EntryNumber: number,
    Journal: journal,
    Customer: customer?.ID as string,
    CustomerName: customer?.Name as string,
    EntryDate: when,
    DueDate: dueDate,
    YourRef: (body.YourRef as string | undefined) ?? null,
    Description: (body.Description as string | undefined) ?? null,
    Currency: currency,
    Rate: body.Rate instanceof Dec ? body.Rate : null,
    PaymentCondition: (condition?.Code as string | undefined) ?? null,
    PaymentReference: (body.PaymentReference as string | undefined) ?? null,
    AmountFC: Dec.of(total),
    AmountDC: Dec.of(total),
    VATAmountFC: Dec.of(vat),
    Status: 20,
    Type: BigDecimal.isNegative(total) ? 21 : 20,
    Created: now,
    Modified: now
  })
  for (const line of built) insertInto(sim, division, "SalesEntryLines", line)
  insertInto(sim, division, "Receivables", {
    ID: sim.random.guid(),
    Account: (customer?.ID as string | undefined) ?? null,
    AccountCode: (customer?.Code as string | undefined) ?? null,
    AccountName: (customer?.Name as string | undefined) ?? null,
    EntryID: sim.random.guid(),
    TransactionEntryID: entryId,
    EntryNumber: number,
    InvoiceNumber: number,
    EntryDate: when,
    InvoiceDate: when,
    DueDate: dueDate,
    AmountDC: Dec.of(total),
    AmountFC: Dec.of(total),
    TransactionAmountFC: Dec.of(total),
    Currency: currency,
    Description: (body.Description as string | undefined) ?? null,
    YourRef: (body.YourRef as string | undefined) ?? null,
    IsFullyPaid: false,
    LastPaymentDate: null,
    Journal: journal,
    Status: 20
  })
  return jsonResponse(201, {
    d: present(entityOf("SalesEntries"), entry, division, url, undefined, new Set(["SalesEntryLines"]), false)
  })
}

/** POST documents/Documents. */
export const createDocument = (sim: SimState, division: Division, body: Json, url: URL): Response => {
  const problems: Array<string> = []
  if (typeof body.Subject !== "string" || body.Subject.trim() === "") problems.push("Mandatory: Subject")
  if (numberOf(body.Type) === undefined) problems.push("Mandatory: Type")
  if (body.Account && !findByKeyOrCode(division, "Accounts", body.Account)) problems.push("Invalid reference: Account")
  // A sales entry's EntryID, or for a sales invoice its InvoiceID (Exact's metadata: "for a
  // document of type sales invoice it will return the InvoiceID of the sales invoice").
  const entryId = body.FinancialTransactionEntryID
  const linked =
    typeof entryId === "string" &&
    (byKey(division, "SalesEntries", entryId) !== undefined || byKey(division, "SalesInvoices", entryId) !== undefined)
  if (entryId && !linked) problems.push("Invalid reference: FinancialTransactionEntryID")
  if (problems.length > 0) return odataError(400, problems.join("\r\n"))
  const document = insertInto(sim, division, "Documents", {
    ID: sim.random.guid(),
    Subject: body.Subject as string,
    Type: numberOf(body.Type) as number,
    Account: (body.Account as string | undefined) ?? null,
    DocumentDate: asWhen(body.DocumentDate) ?? new When(sim.clock.now()),
    FinancialTransactionEntryID: (entryId as string | undefined) ?? null,
    Created: new When(sim.clock.now())
  })
  return jsonResponse(201, { d: present(entityOf("Documents"), document, division, url, undefined, new Set(), false) })
}

/** POST documents/DocumentAttachments (the file as base64 in `Attachment`). */
export const createDocumentAttachment = (sim: SimState, division: Division, body: Json, url: URL): Response => {
  const problems: Array<string> = []
  if (!(typeof body.Document === "string" && byKey(division, "Documents", body.Document))) {
    problems.push("Invalid reference: Document")
  }
  if (typeof body.Attachment !== "string" || body.Attachment === "") problems.push("Mandatory: Attachment")
  if (typeof body.FileName !== "string" || body.FileName.trim() === "") problems.push("Mandatory: FileName")
  if (problems.length > 0) return odataError(400, problems.join("\r\n"))
  const bytes = Buffer.from(body.Attachment as string, "base64")
  const attachment = insertInto(sim, division, "DocumentAttachments", {
    ID: sim.random.guid(),
    Document: body.Document as string,
    FileName: body.FileName as string,
    FileSize: bytes.length,
    Attachment: body.Attachment as string
  })
  return jsonResponse(201, {
    d: present(entityOf("DocumentAttachments"), attachment, division, url, undefined, new Set(), false)
  })
}

/**
 * The customer pays `amount` of a sales entry's open receivable on `date`. A part payment splits
 * the receivable: the paid part is a new, fully-paid receivable of the same transaction, and the
 * open part keeps the rest. Returns the paid receivable.
 */
export const payEntry = (
  sim: SimState,
  division: Division,
  transactionEntryId: string,
  amount: string,
  date: number
): SimRecord => {
  const open = rows(division, "Receivables").find(
    (r) =>
      String(r.TransactionEntryID ?? "").toLowerCase() === transactionEntryId.toLowerCase() && r.IsFullyPaid === false
  )
  if (!open) throw new Error(`no open receivable for sales entry ${transactionEntryId}`)
  const paid = BigDecimal.fromString(amount)
  const left = open.AmountFC instanceof Dec ? open.AmountFC.value : zero
  if (paid._tag === "None" || !BigDecimal.isPositive(BigDecimal.abs(paid.value)))
    throw new Error(`bad amount ${amount}`)
  const when = new When(date)
  const rest = BigDecimal.subtract(left, paid.value)
  if (BigDecimal.isZero(rest) || BigDecimal.sign(rest) !== BigDecimal.sign(left)) {
    open.IsFullyPaid = true
    open.LastPaymentDate = when
    open.Status = 50
    open.__ts = sim.rowVersion++
    return open
  }
  open.AmountFC = Dec.of(rest)
  open.AmountDC = Dec.of(rest)
  open.__ts = sim.rowVersion++
  const { ID: _id, EntryID: _entry, __ts: _ts, ...same } = open
  return insertInto(sim, division, "Receivables", {
    ...same,
    ID: sim.random.guid(),
    EntryID: sim.random.guid(),
    AmountFC: Dec.of(paid.value),
    AmountDC: Dec.of(paid.value),
    IsFullyPaid: true,
    LastPaymentDate: when,
    Status: 50
  })
}
