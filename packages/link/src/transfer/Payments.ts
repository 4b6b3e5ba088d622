import { conditions } from "@psa-ledger/connectwise-client"
import { odata, Receivable } from "@psa-ledger/exact-client"
import { parseDecimal, TransferRecord } from "@psa-ledger/reconcile-core"
import { BigDecimal, DateTime } from "effect"
import { chunks } from "../internal/chunk.ts"
import { runPort } from "../internal/port.ts"
import { Cancelled } from "../LinkError.ts"
import { failureOf, nowOf, step } from "./internal.ts"
import type { TransferDeps, TransferFailure, TransferProgress } from "./TransferTypes.ts"

/**
 * What the payment sync did for one transferred invoice.
 *
 * - `paid`: Exact says it is fully paid; the payment is now recorded on the ConnectWise invoice.
 * - `already-recorded`: fully paid, and ConnectWise already had the payments (marked paid in the ledger).
 * - `open`: not fully paid in Exact; `openAmount` is Exact's outstanding amount.
 * - `not-found`: Exact has no receivable for it (not processed, or removed in Exact).
 * - `skipped`: not synced (credit notes: ConnectWise applies credit memos itself).
 * - `failed`: reading or writing failed; the next sync tries again.
 *
 * @since 0.1.0
 */
export type PaymentSyncOutcome =
  | {
      readonly status: "paid"
      readonly connectwiseInvoiceId: number
      readonly number: string
      readonly amount: string
      readonly paymentDate: string | undefined
    }
  | { readonly status: "already-recorded"; readonly connectwiseInvoiceId: number; readonly number: string }
  | {
      readonly status: "open"
      readonly connectwiseInvoiceId: number
      readonly number: string
      readonly openAmount: string | undefined
    }
  | { readonly status: "not-found"; readonly connectwiseInvoiceId: number; readonly number: string }
  | {
      readonly status: "skipped"
      readonly connectwiseInvoiceId: number
      readonly number: string
      readonly reason: string
    }
  | {
      readonly status: "failed"
      readonly connectwiseInvoiceId: number
      readonly number: string
      readonly failure: TransferFailure
    }

/**
 * The result of a payment sync.
 *
 * @since 0.1.0
 */
export interface PaymentSyncReport {
  readonly invoices: ReadonlyArray<PaymentSyncOutcome>
  readonly counts: Readonly<Record<PaymentSyncOutcome["status"], number>>
}

const EXACT_TERMS_PER_FILTER = 40
const CW_IDS_PER_QUERY = 200
const LEDGER_PAGE = 1_000

/**
 * Brings payments back from Exact Online: for every transferred invoice the ledger does not yet
 * know as paid, reads Exact's receivables in bulk (by `YourRef`, 40 invoices a call, never one call
 * per invoice) and, for the fully paid ones, records the payment on the ConnectWise invoice
 * (`POST /finance/invoices/{id}/payments`) unless ConnectWise already has payments covering it,
 * then marks the ledger `paid`. Open invoices are reported with Exact's outstanding amount.
 *
 * @example
 * ```ts
 * const report = await syncPayments(deps)
 * report.counts // { paid: 12, "already-recorded": 0, open: 30, "not-found": 0, skipped: 1, failed: 0 }
 * ```
 *
 * @since 0.1.0
 */
export const syncPayments = async (
  deps: TransferDeps,
  options: {
    readonly onProgress?: ((event: TransferProgress) => void) | undefined
    readonly signal?: AbortSignal | undefined
  } = {}
): Promise<PaymentSyncReport> => {
  const linkId = deps.linkId
  const pending: Array<TransferRecord> = []
  const outcomes: Array<PaymentSyncOutcome> = []
  let afterId: number | undefined
  for (;;) {
    const page = await runPort("read the transfer ledger", deps.ledger.list(linkId, { afterId, limit: LEDGER_PAGE }))
    for (const record of page) {
      if (record.status === "paid") continue
      if (record.kind === "credit-note") {
        outcomes.push({
          status: "skipped",
          connectwiseInvoiceId: record.connectwiseInvoiceId,
          number: record.connectwiseInvoiceNumber,
          reason: "a credit note: ConnectWise applies credit memos itself"
        })
      } else pending.push(record)
    }
    if (page.length < LEDGER_PAGE) break
    afterId = page[page.length - 1]?.connectwiseInvoiceId
  }

  const receivables = new Map<string, Receivable>()
  for (const part of chunks(pending, EXACT_TERMS_PER_FILTER)) {
    const found = await step("load Exact receivables", () =>
      deps.exact.listAll("cashflow/Receivables", {
        bulk: true,
        select: ["ID", "EntryID", "YourRef", "InvoiceNumber", "AmountFC", "Currency", "IsFullyPaid", "LastPaymentDate"],
        filter: odata.or(...part.map((record) => odata.eq("YourRef", record.connectwiseInvoiceNumber))),
        schema: Receivable
      })
    )
    for (const receivable of found) {
      const ref = receivable.YourRef?.trim()
      if (ref !== undefined && ref !== "") receivables.set(ref, receivable)
    }
  }

  const paid = pending.filter((record) => receivables.get(record.connectwiseInvoiceNumber.trim())?.IsFullyPaid === true)
  // Only the paid invoices' ConnectWise totals are needed.
  const totals = new Map<number, BigDecimal.BigDecimal>()
  for (const part of chunks(paid, CW_IDS_PER_QUERY)) {
    const invoices = await step("load ConnectWise invoices", () =>
      deps.connectwise.listAll("/finance/invoices", {
        conditions: conditions.in(
          "id",
          part.map((record) => record.connectwiseInvoiceId)
        ),
        fields: "id,invoiceNumber,type,company,total"
      })
    )
    for (const invoice of invoices) if (invoice.total) totals.set(invoice.id, invoice.total)
  }

  let done = 0
  for (const record of pending) {
    const id = record.connectwiseInvoiceId
    const number = record.connectwiseInvoiceNumber
    const receivable = receivables.get(number.trim())
    options.onProgress?.({ phase: "payments", done: done++, total: pending.length })
    if (receivable === undefined) {
      outcomes.push({ status: "not-found", connectwiseInvoiceId: id, number })
      continue
    }
    if (receivable.IsFullyPaid !== true) {
      outcomes.push({ status: "open", connectwiseInvoiceId: id, number, openAmount: receivable.AmountFC ?? undefined })
      continue
    }
    if (options.signal?.aborted) {
      outcomes.push({
        status: "failed",
        connectwiseInvoiceId: id,
        number,
        failure: new Cancelled({ message: "the sync was cancelled" })
      })
      continue
    }
    try {
      const total = totals.get(id)
      if (total === undefined) throw new Error(`ConnectWise invoice ${id} (${number}) has no total`)
      // Idempotent: what ConnectWise already has for this invoice is not recorded again.
      const existing = await deps.connectwise.listAll("/finance/invoices/{parentId}/payments", {
        path: { parentId: id }
      })
      let recorded = BigDecimal.fromBigInt(0n)
      for (const payment of existing) {
        // The client hands non-integer numbers over as their exact text, whatever the generated type says.
        const amount: unknown = payment.amount
        const value =
          typeof amount === "string" || typeof amount === "number" ? parseDecimal(String(amount)) : undefined
        if (value !== undefined) recorded = BigDecimal.sum(recorded, value)
      }
      const due = BigDecimal.subtract(total, recorded)
      const paymentDate =
        receivable.LastPaymentDate instanceof Date ? receivable.LastPaymentDate.toISOString().slice(0, 10) : undefined
      if (BigDecimal.isPositive(due)) {
        await deps.connectwise.create(
          "/finance/invoices/{parentId}/payments",
          {
            type: "Payment",
            amount: due,
            ...(paymentDate === undefined ? {} : { paymentDate: `${paymentDate}T00:00:00Z` }),
            appliedBy: deps.actor ?? "psa-ledger"
          },
          { path: { parentId: id } }
        )
        outcomes.push({ status: "paid", connectwiseInvoiceId: id, number, amount: BigDecimal.format(due), paymentDate })
      } else {
        outcomes.push({ status: "already-recorded", connectwiseInvoiceId: id, number })
      }
      await runPort(
        "record the payment in the ledger",
        deps.ledger.record(
          linkId,
          new TransferRecord({ ...record, status: "paid", updatedAt: DateTime.makeUnsafe(nowOf(deps)) })
        )
      )
    } catch (error) {
      const failure = failureOf(error)
      deps.logger?.error("payments: could not record a payment", { number, error: failure.message })
      outcomes.push({ status: "failed", connectwiseInvoiceId: id, number, failure })
    }
  }
  options.onProgress?.({ phase: "payments", done: pending.length, total: pending.length })
  const invoices = outcomes.sort((a, b) => a.connectwiseInvoiceId - b.connectwiseInvoiceId)
  const counts = { paid: 0, "already-recorded": 0, open: 0, "not-found": 0, skipped: 0, failed: 0 }
  for (const outcome of invoices) counts[outcome.status]++
  return { invoices, counts }
}
