/**
 * Entry mode's writes: book a sales entry (one POST, lines included) and record it in the ledger
 * at once; attach the invoice's ConnectWise PDF (a failure is a warning, never a rebooking).
 */
import type { SalesEntryDraft } from "@psa-ledger/exact-client"
import { type AttachPdf, type CreateSalesEntry, TransferRecord } from "@psa-ledger/reconcile-core"
import { BigDecimal, DateTime, type Schema } from "effect"
import { runPort } from "../internal/port.ts"
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
}

/**
 * Books the entry. Existing entries were read in bulk before the run, so there is no look-up
 * before the POST (after an ambiguous failure the client looks before retrying). The ledger
 * records ConnectWise's total, so a later change in ConnectWise is seen.
 */
export const bookEntry = async (
  deps: TransferDeps,
  op: CreateSalesEntry,
  accountId: string,
  runId: string
): Promise<BookedEntry> => {
  const { entry } = await deps.exact.createSalesEntry(entryDraftOf(op, accountId), {
    yourRef: op.yourRef,
    lookupFirst: false
  })
  const now = DateTime.makeUnsafe(nowOf(deps))
  await runPort(
    "record the transfer",
    deps.ledger.record(
      deps.linkId,
      new TransferRecord({
        connectwiseInvoiceId: op.connectwiseInvoiceId,
        connectwiseInvoiceNumber: op.yourRef,
        exactInvoiceId: entry.EntryID,
        exactInvoiceNumber: String(entry.EntryNumber ?? op.entryNumber),
        kind: op.kind,
        // A sales entry is booked at once: payments and reminders apply.
        status: "processed",
        total: op.total,
        currency: op.currency,
        runId,
        transferredAt: now,
        updatedAt: now
      })
    )
  )
  return {
    entryId: entry.EntryID,
    entryNumber: entry.EntryNumber ?? op.entryNumber,
    exactTotal: entry.AmountFC ?? undefined
  }
}

/** Whether Exact's amount for the entry is ConnectWise's total, to the cent. */
export const totalsAgree = (exactTotal: string | undefined, cwTotal: BigDecimal.BigDecimal): boolean => {
  if (exactTotal === undefined) return false
  const exact = BigDecimal.fromString(exactTotal)
  if (exact._tag === "None") return false
  const cents = (value: BigDecimal.BigDecimal) => BigDecimal.format(BigDecimal.round(value, { scale: 2 }))
  return cents(exact.value) === cents(cwTotal)
}

/**
 * Fetches the invoice's PDF from ConnectWise and stores it in Exact as a document linked to the
 * booked entry (document + attachment: two POSTs). Returns a warning text on failure: the booking
 * stands either way.
 */
export const attachInvoicePdf = async (
  deps: TransferDeps,
  op: AttachPdf,
  accountId: string,
  entryId: string
): Promise<{ readonly documentId: string } | { readonly warning: string }> => {
  try {
    const bytes = await deps.connectwise.invoicePdf(op.connectwiseInvoiceId)
    const { documentId } = await deps.exact.attachDocument({
      Subject: `Invoice ${op.number}`,
      // Exact's document type 10 is a sales invoice.
      Type: 10,
      Account: accountId,
      FinancialTransactionEntryID: entryId,
      DocumentDate: toDate(op.entryDate),
      fileName: `${op.number.replace(/[^\w.-]+/g, "_")}.pdf`,
      bytes
    })
    return { documentId }
  } catch (error) {
    return { warning: `the PDF of ${op.number} was not attached: ${failureOf(error).message}` }
  }
}

/** A journal result's string field, if it has one. */
export const resultField = (result: Schema.Json | undefined, field: string): string | undefined => {
  if (result === null || typeof result !== "object" || Array.isArray(result)) return undefined
  const value = (result as Record<string, Schema.Json>)[field]
  return typeof value === "string" ? value : undefined
}
