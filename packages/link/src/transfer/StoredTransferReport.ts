import { Schema } from "effect"
import { redactFields } from "../internal/redact.ts"
import { StoredOperationReason } from "../reconciliation/StoredApplyReport.ts"
import type { InvoiceTransferOutcome, TransferReport } from "./Transfer.ts"
import type { TransferFailure } from "./TransferTypes.ts"

const InvoiceStatus = Schema.Literals([
  "created",
  "totalDiffers",
  "processed",
  "alreadyTransferred",
  "blocked",
  "failed"
])

/**
 * A transfer run's `TransferReport` as the run keeps it (`RunStore.result`): per ConnectWise
 * invoice what became of it, the Exact booking it has (id and entry or invoice number), and why
 * one was blocked or failed; the accounts created and the counts. What the portal's transfer result
 * and a script read back without parsing the log.
 *
 * @example
 * ```ts
 * import { Effect, Option, Schema } from "effect"
 * import { StoredTransferReport } from "@psa-ledger/link"
 *
 * const stored = await Effect.runPromise(storage.runs.result(linkId, runId))
 * if (Option.isSome(stored)) {
 *   const report = Schema.decodeUnknownSync(StoredTransferReport)(stored.value)
 *   for (const i of report.invoices) console.log(i.number, i.status, i.exactInvoiceNumber)
 * }
 * ```
 *
 * @since 0.1.0
 */
export const StoredTransferReport = Schema.Struct({
  runId: Schema.String,
  counts: Schema.Record(Schema.String, Schema.Int),
  invoices: Schema.Array(
    Schema.Struct({
      number: Schema.String,
      connectwiseInvoiceId: Schema.Int,
      status: InvoiceStatus,
      exactInvoiceId: Schema.optionalKey(Schema.String),
      /** The Exact entry number (entry mode) or invoice number (invoice mode), once booked. */
      exactInvoiceNumber: Schema.optionalKey(Schema.Int),
      /** `totalDiffers`: what Exact reports for the booking, and ConnectWise's total (decimal texts). */
      exactTotal: Schema.optionalKey(Schema.String),
      connectwiseTotal: Schema.optionalKey(Schema.String),
      /** `blocked`: the reasons in words and their codes. */
      reasons: Schema.optionalKey(Schema.Array(Schema.String)),
      codes: Schema.optionalKey(Schema.Array(Schema.String)),
      /** `failed`: the step that failed and why. */
      step: Schema.optionalKey(Schema.String),
      failure: Schema.optionalKey(StoredOperationReason),
      /** `alreadyTransferred`: what ConnectWise changed since the booking. */
      changes: Schema.optionalKey(Schema.Array(Schema.String)),
      pdfAttached: Schema.optionalKey(Schema.Boolean),
      warnings: Schema.optionalKey(Schema.Array(Schema.String))
    })
  ),
  accountsCreated: Schema.Array(Schema.Struct({ connectwiseCompanyId: Schema.Int, exactAccountId: Schema.String }))
}).annotate({ identifier: "StoredTransferReport" })

/** @since 0.1.0 */
export type StoredTransferReport = typeof StoredTransferReport.Type

type StoredInvoice = StoredTransferReport["invoices"][number]

const failureOf = (failure: TransferFailure): StoredOperationReason => {
  const field = (failure as { readonly field?: unknown }).field
  const detail = redactFields({ failure }).failure
  return {
    _tag: failure._tag,
    message: failure.message,
    ...(typeof field === "string" ? { field } : {}),
    ...(detail === undefined ? {} : { detail: detail as Schema.Json })
  }
}

/** An invoice's fields, some perhaps not set. */
type LooseInvoice = { readonly [K in keyof StoredInvoice]?: StoredInvoice[K] | undefined } & Pick<
  StoredInvoice,
  "number" | "connectwiseInvoiceId" | "status"
>

/** Only the fields that are set, so the stored JSON holds no `undefined`. */
const defined = (value: LooseInvoice): StoredInvoice =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as StoredInvoice

const invoiceOf = (o: InvoiceTransferOutcome): StoredInvoice => {
  const base = { number: o.number, connectwiseInvoiceId: o.connectwiseInvoiceId, status: o.status }
  switch (o.status) {
    case "created":
      return defined({
        ...base,
        exactInvoiceId: o.exactInvoiceId,
        exactInvoiceNumber: o.exactInvoiceNumber,
        pdfAttached: o.pdfAttached,
        warnings: o.warnings
      })
    case "totalDiffers":
      return defined({
        ...base,
        exactInvoiceId: o.exactInvoiceId,
        exactInvoiceNumber: o.exactInvoiceNumber,
        exactTotal: o.exactTotal,
        connectwiseTotal: o.connectwiseTotal
      })
    case "processed":
      return defined({ ...base, exactInvoiceId: o.exactInvoiceId, exactInvoiceNumber: o.exactInvoiceNumber })
    case "alreadyTransferred":
      return defined({
        ...base,
        exactInvoiceId: o.exactInvoiceId,
        changes: o.changes,
        pdfAttached: o.pdfAttached,
        warnings: o.warnings
      })
    case "blocked":
      return defined({ ...base, reasons: o.reasons, codes: o.codes })
    case "failed":
      return { ...base, step: o.step, failure: failureOf(o.failure) }
  }
}

/**
 * The report as the run keeps it: JSON, a failure's details redacted as in the run's log.
 *
 * @since 0.1.0
 */
export const toStoredTransferReport = (report: TransferReport): StoredTransferReport => ({
  runId: report.runId,
  counts: { ...report.counts },
  invoices: report.invoices.map(invoiceOf),
  accountsCreated: report.accountsCreated.map((a) => ({ ...a }))
})
