/**
 * Entry mode's writes: book a sales entry (one POST, lines included) and record it in the ledger
 * at once. Both modes: attach the invoice's ConnectWise PDF to the booking, entry or sales invoice
 * (a failure is a warning, never a rebooking).
 */
import { odata, type SalesEntryDraft } from "@psa-ledger/exact-client"
import { type CreateSalesEntry, TransferRecord } from "@psa-ledger/reconcile-core"
import { BigDecimal, DateTime, Effect, type Schema } from "effect"
import { fromPort, fromPromise } from "../internal/bridge.ts"
import { chunks } from "../internal/chunk.ts"
import { failureOf, nowOf } from "./internal.ts"
import type { TransferDeps } from "./TransferTypes.ts"

const toDate = (date: string): Date => new Date(`${date}T00:00:00Z`)

/** The Exact draft of a planned entry, on the resolved customer. */
export const entryDraftOf = (op: CreateSalesEntry, accountId: string): SalesEntryDraft => ({
  Customer: accountId,
  Journal: op.journal,
  EntryNumber: op.entryNumber,
  EntryDate: toDate(op.entryDate),
  ...(op.dueDate === undefined ? {} : { DueDate: toDate(op.dueDate) }),
  Currency: op.currency,
  ...(op.rate === undefined ? {} : { Rate: BigDecimal.format(op.rate) }),
  Description: op.description,
  ...(op.paymentCondition === undefined ? {} : { PaymentCondition: op.paymentCondition }),
  SalesEntryLines: op.lines.map((line) => ({
    GLAccount: line.glAccountId,
    AmountFC: BigDecimal.format(line.amount),
    VATAmountFC: BigDecimal.format(line.vatAmount),
    VATCode: line.vatCode,
    Quantity: BigDecimal.format(line.quantity),
    Description: line.description
  }))
})

/** What booking an entry gave: its id and number, and the amount Exact reports for it. */
export interface BookedEntry {
  readonly entryId: string
  readonly entryNumber: number
  readonly exactTotal: string | undefined
  /** What the ledger now holds for it. */
  readonly record: TransferRecord
}

/**
 * Books the entry. Existing entries were read in bulk before the run, so there is no look-up
 * before the POST (after an ambiguous failure the client looks before retrying). The ledger
 * records ConnectWise's total, so a later change in ConnectWise is seen.
 */
export const bookEntry = Effect.fn("link.transfer.bookEntry")(function* (
  deps: TransferDeps,
  op: CreateSalesEntry,
  accountId: string,
  runId: string,
  /** Whether its PDF is to be attached: the ledger then says `pdfAttached: false` until it is. */
  attachPdf: boolean
) {
  const { entry } = yield* fromPromise("create the Exact sales entry", (signal) =>
    deps.exact.createSalesEntry(entryDraftOf(op, accountId), { yourRef: op.yourRef, lookupFirst: false, signal })
  )
  const now = DateTime.makeUnsafe(nowOf(deps))
  const record = new TransferRecord({
    connectwiseInvoiceId: op.connectwiseInvoiceId,
    connectwiseInvoiceNumber: op.yourRef,
    exactInvoiceId: entry.EntryID,
    exactInvoiceNumber: String(entry.EntryNumber ?? op.entryNumber),
    kind: op.kind,
    // A sales entry is booked at once: payments and reminders apply.
    status: "processed",
    total: op.total,
    currency: op.currency,
    ...(attachPdf ? { pdfAttached: false } : {}),
    runId,
    transferredAt: now,
    updatedAt: now
  })
  yield* fromPort("record the transfer", deps.ledger.record(deps.linkId, record))
  return {
    entryId: entry.EntryID,
    entryNumber: entry.EntryNumber ?? op.entryNumber,
    exactTotal: entry.AmountFC ?? undefined,
    record
  } satisfies BookedEntry
})

/** Whether Exact's amount for the entry is ConnectWise's total, to the cent. */
export const totalsAgree = (exactTotal: string | undefined, cwTotal: BigDecimal.BigDecimal): boolean => {
  if (exactTotal === undefined) return false
  const exact = BigDecimal.fromString(exactTotal)
  if (exact._tag === "None") return false
  const cents = (value: BigDecimal.BigDecimal) => BigDecimal.format(BigDecimal.round(value, { scale: 2 }))
  return cents(exact.value) === cents(cwTotal)
}

/** What a PDF attachment needs to know of its invoice. */
export interface PdfTarget {
  readonly connectwiseInvoiceId: number
  readonly number: string
  /** The document's date; unknown for a booking of an earlier run outside this run's range. */
  readonly entryDate?: string | undefined
}

/**
 * The subject of the document we attach, and how we recognise it among the booking's documents:
 * Exact's print stores a document of its own for a sales invoice, which is not ours.
 */
export const pdfSubject = (number: string): string => `Invoice ${number}`

/**
 * Fetches the invoice's PDF from ConnectWise and stores it in Exact as a document linked to the
 * booking (a sales entry's `EntryID` or a sales invoice's `InvoiceID`): document + attachment, two
 * POSTs; only the attachment when `existingDocument` names our document that has none yet.
 * Returns a warning text on failure: the booking stands either way.
 */
export const attachInvoicePdf = Effect.fn("link.transfer.attachPdf")(
  function* (
    deps: TransferDeps,
    op: PdfTarget,
    accountId: string | undefined,
    entryId: string,
    existingDocument?: string | undefined
  ) {
    const bytes = yield* fromPromise("read the ConnectWise invoice PDF", (signal) =>
      deps.connectwise.invoicePdf(op.connectwiseInvoiceId, { signal })
    )
    const document = {
      Subject: pdfSubject(op.number),
      // Exact's document type 10 is a sales invoice.
      Type: 10,
      ...(accountId === undefined ? {} : { Account: accountId }),
      FinancialTransactionEntryID: entryId,
      ...(op.entryDate === undefined ? {} : { DocumentDate: toDate(op.entryDate) }),
      fileName: `${op.number.replace(/[^\w.-]+/g, "_")}.pdf`,
      bytes
    }
    const { documentId } = yield* fromPromise("attach the PDF in Exact", (signal) =>
      deps.exact.attachDocument(document, { document: existingDocument, signal })
    )
    return { documentId } as { readonly documentId: string } | { readonly warning: string }
  },
  (effect, _deps, op) =>
    Effect.catch(effect, (error) =>
      Effect.succeed({ warning: `the PDF of ${op.number} was not attached: ${failureOf(error).message}` })
    )
)

/** Alternatives per Exact `$filter` (GUID terms are long): the URL stays well under 8 KB. */
const GUIDS_PER_FILTER = 40

/** Our document of a booking in Exact, and whether it has its file. */
export interface BookingDocument {
  readonly documentId: string
  readonly attached: boolean
}

/**
 * Our documents of these bookings (linked by `FinancialTransactionEntryID`, subject
 * {@link pdfSubject} of the invoice's number), and whether each has an attachment: two filtered
 * reads per 40 bookings, none when `bookings` is empty. Other documents of a booking (Exact's own
 * of a printed invoice) are not ours and do not count. A run that died after attaching but before
 * the ledger heard of it finds its document here, so the PDF is never attached twice.
 */
export const ourDocuments = Effect.fn("link.transfer.ourDocuments")(function* (
  deps: TransferDeps,
  bookings: ReadonlyArray<{ readonly bookingId: string; readonly number: string }>
) {
  const subjectOf = new Map(bookings.map((b) => [b.bookingId.toLowerCase(), pdfSubject(b.number).trim()]))
  const found = new Map<string, BookingDocument>()
  const byDocument = new Map<string, string>()
  for (const part of chunks([...subjectOf.keys()], GUIDS_PER_FILTER)) {
    const documents = yield* fromPromise("read our Exact documents of the bookings", (signal) =>
      deps.exact.listAll("documents/Documents", {
        select: ["ID", "FinancialTransactionEntryID", "Subject"],
        filter: odata.or(...part.map((id) => odata.eq("FinancialTransactionEntryID", odata.guid(id)))),
        signal
      })
    )
    for (const document of documents) {
      const booking =
        typeof document.FinancialTransactionEntryID === "string" ? document.FinancialTransactionEntryID : ""
      const key = booking.toLowerCase()
      const subject = typeof document.Subject === "string" ? document.Subject.trim() : ""
      if (typeof document.ID !== "string" || subjectOf.get(key) !== subject) continue
      byDocument.set(document.ID.toLowerCase(), key)
      if (!found.has(key)) found.set(key, { documentId: document.ID, attached: false })
    }
  }
  for (const part of chunks([...byDocument.keys()], GUIDS_PER_FILTER)) {
    const attachments = yield* fromPromise("read the attachments of our Exact documents", (signal) =>
      deps.exact.listAll("documents/DocumentAttachments", {
        select: ["ID", "Document"],
        filter: odata.or(...part.map((id) => odata.eq("Document", odata.guid(id)))),
        signal
      })
    )
    for (const attachment of attachments) {
      const documentId = typeof attachment.Document === "string" ? attachment.Document.toLowerCase() : ""
      const booking = byDocument.get(documentId)
      // Attached when any of our documents of the booking has a file.
      if (booking !== undefined) found.set(booking, { documentId: attachment.Document as string, attached: true })
    }
  }
  return found
})

/** Records in the ledger that the booking's PDF is attached. */
export const markPdfAttached = (deps: TransferDeps, record: TransferRecord) =>
  fromPort(
    "record the PDF attachment",
    deps.ledger.record(
      deps.linkId,
      new TransferRecord({ ...record, pdfAttached: true, updatedAt: DateTime.makeUnsafe(nowOf(deps)) })
    )
  )

/** A journal result's string field, if it has one. */
export const resultField = (result: Schema.Json | undefined, field: string): string | undefined => {
  if (result === null || typeof result !== "object" || Array.isArray(result)) return undefined
  const value = (result as Record<string, Schema.Json>)[field]
  return typeof value === "string" ? value : undefined
}
