import { randomUUID } from "node:crypto"
import { odata, Receivable } from "@psa-ledger/exact-client"
import { parseDecimal, TransferRecord } from "@psa-ledger/reconcile-core"
import { BigDecimal, DateTime } from "effect"
import { runPort } from "../internal/bridge.ts"
import { chunks, EXACT_TERMS_PER_FILTER } from "../internal/chunk.ts"
import { type ClaimDeps, claimOperation, startHeartbeat } from "../internal/claims.ts"
import { LinkCancelledError } from "../LinkError.ts"
import { failureOf, nowOf, step } from "./internal.ts"
import type { TransferDeps, TransferFailure, TransferProgress } from "./TransferTypes.ts"

/**
 * What the payment sync did for one transferred invoice.
 *
 * - `paid`: Exact says it is fully paid; what was paid since the last sync is now recorded on the
 *   ConnectWise invoice (`amount`).
 * - `partly-paid`: Exact received part of it since the last sync; that part is recorded in ConnectWise.
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
      readonly status: "paid" | "partly-paid"
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

const LEDGER_PAGE = 1_000

/**
 * Brings payments back from Exact Online, fully and partly: for every transferred invoice the
 * ledger does not yet know as paid, reads the receivables of the entry Exact booked (by
 * `TransactionEntryID`, 40 entries a bulk call, never one call per invoice; never by number
 * alone), and records in ConnectWise (`POST /finance/invoices/{id}/payments`) what Exact received
 * beyond the payments ConnectWise already has — so each part payment is recorded once. A fully
 * paid invoice is marked `paid` in the ledger. Open invoices are reported with Exact's outstanding
 * amount; credit notes are reported, not applied.
 *
 * @example
 * ```ts
 * const report = await syncPayments(deps)
 * report.counts // { paid: 12, "partly-paid": 2, "already-recorded": 0, open: 30, "not-found": 0, skipped: 1, failed: 0 }
 * ```
 *
 * @since 0.1.0
 */
export const syncPayments = async (
  deps: TransferDeps,
  options: {
    readonly onProgress?: ((event: TransferProgress) => void) | undefined
    readonly signal?: AbortSignal | undefined
    /** The run's id, recorded on the journal claims of the payments it books (default a random id). */
    readonly runId?: string | undefined
  } = {}
): Promise<PaymentSyncReport> => {
  const linkId = deps.linkId
  // One writer per payment across processes: each payment is claimed in the journal as apply's
  // writes are, so two syncs at once never book one payment twice.
  const claimDeps: ClaimDeps = {
    journal: deps.journal,
    linkId,
    runId: options.runId ?? `payments-${randomUUID()}`,
    now: () => nowOf(deps).getTime(),
    signal: options.signal,
    leaseMs: deps.leaseMs
  }
  const stopHeartbeat = startHeartbeat(claimDeps)
  try {
    return await syncOnce(deps, options, claimDeps)
  } finally {
    stopHeartbeat()
  }
}

/** The payment's journal key: the invoice and the total Exact has received for it, so each part is its own. */
export const paymentKey = (connectwiseInvoiceId: number, paidTotal: BigDecimal.BigDecimal): string =>
  `payment:${connectwiseInvoiceId}:${BigDecimal.format(BigDecimal.normalize(paidTotal))}`

/** The ledger's transferred invoices not yet paid, and the credit notes among them (reported, not synced). */
const unpaidRecords = async (
  deps: TransferDeps
): Promise<{ readonly pending: Array<TransferRecord>; readonly skipped: Array<PaymentSyncOutcome> }> => {
  const pending: Array<TransferRecord> = []
  const skipped: Array<PaymentSyncOutcome> = []
  let afterId: number | undefined
  for (;;) {
    const page = await runPort(
      "read the transfer ledger",
      deps.ledger.list(deps.linkId, { afterId, limit: LEDGER_PAGE })
    )
    for (const record of page) {
      if (record.status === "paid") continue
      if (record.kind === "credit-note") {
        skipped.push({
          status: "skipped",
          connectwiseInvoiceId: record.connectwiseInvoiceId,
          number: record.connectwiseInvoiceNumber,
          // ConnectWise's documented payment body has a `credit` reference but no documented way to
          // apply a credit memo to an invoice through it, so credit notes are reported, not applied.
          reason: "a credit note: reported, not applied (ConnectWise documents no API that applies a credit memo)"
        })
      } else pending.push(record)
    }
    if (page.length < LEDGER_PAGE) break
    afterId = page[page.length - 1]?.connectwiseInvoiceId
  }
  return { pending, skipped }
}

/**
 * The receivables of the booked entries, matched by the entry Exact booked (TransactionEntryID),
 * never by number alone; 40 entries a bulk call. A part-paid receivable is split in Exact: the
 * paid parts are fully paid, the open part is not.
 */
const receivablesByEntry = async (
  deps: TransferDeps,
  pending: ReadonlyArray<TransferRecord>
): Promise<Map<string, Array<Receivable>>> => {
  const byEntry = new Map<string, Array<Receivable>>()
  for (const part of chunks(pending, EXACT_TERMS_PER_FILTER)) {
    const found = await step("load Exact receivables", () =>
      deps.exact.listAll("cashflow/Receivables", {
        bulk: true,
        select: [
          "ID",
          "TransactionEntryID",
          "YourRef",
          "AmountFC",
          "Currency",
          "IsFullyPaid",
          "LastPaymentDate",
          "Journal",
          "EntryNumber"
        ],
        filter: odata.or(...part.map((record) => odata.eq("TransactionEntryID", odata.guid(record.exactInvoiceId)))),
        schema: Receivable
      })
    )
    for (const receivable of found) {
      const entry = receivable.TransactionEntryID?.toLowerCase()
      if (entry === undefined) continue
      const list = byEntry.get(entry) ?? []
      list.push(receivable)
      byEntry.set(entry, list)
    }
  }
  return byEntry
}

/** What Exact says was paid of an entry (its fully paid parts), when last, and whether a part is open. */
const paidOf = (list: ReadonlyArray<Receivable>) => {
  let paid = BigDecimal.fromBigInt(0n)
  let last: string | undefined
  for (const receivable of list) {
    if (receivable.IsFullyPaid !== true) continue
    const amount =
      receivable.AmountFC === null || receivable.AmountFC === undefined ? undefined : parseDecimal(receivable.AmountFC)
    if (amount !== undefined) paid = BigDecimal.sum(paid, amount)
    const date =
      receivable.LastPaymentDate instanceof Date ? receivable.LastPaymentDate.toISOString().slice(0, 10) : undefined
    if (date !== undefined && (last === undefined || date > last)) last = date
  }
  return { paid, last, open: list.some((receivable) => receivable.IsFullyPaid !== true) }
}

/** What ConnectWise already holds as paid on an invoice, and its newest payment's id. */
const recordedInConnectWise = async (deps: TransferDeps, invoiceId: number) => {
  const existing = await deps.connectwise.listAll("/finance/invoices/{parentId}/payments", {
    path: { parentId: invoiceId }
  })
  let recorded = BigDecimal.fromBigInt(0n)
  for (const payment of existing) {
    // The client hands non-integer numbers over as their exact text, whatever the generated type says.
    const amount: unknown = payment.amount
    const value = typeof amount === "string" || typeof amount === "number" ? parseDecimal(String(amount)) : undefined
    if (value !== undefined) recorded = BigDecimal.sum(recorded, value)
  }
  return {
    recorded,
    newest: existing.reduce<number | undefined>(
      (m, p) => (typeof p.id !== "number" ? m : m === undefined ? p.id : Math.max(m, p.id)),
      undefined
    )
  }
}

/**
 * Records in ConnectWise what Exact received for one invoice beyond what ConnectWise already has,
 * under the payment's journal claim, and marks a fully paid invoice paid in the ledger.
 */
const recordPayment = async (
  deps: TransferDeps,
  claimDeps: ClaimDeps,
  record: TransferRecord,
  { paid, last, open }: ReturnType<typeof paidOf>
): Promise<PaymentSyncOutcome> => {
  const linkId = deps.linkId
  const id = record.connectwiseInvoiceId
  const number = record.connectwiseInvoiceNumber
  const key = paymentKey(id, paid)
  let claimed = false
  try {
    let outcome: PaymentSyncOutcome
    // Claimed before ConnectWise is read: a sync that waited for another finds its payment journaled.
    const claim = await claimOperation(claimDeps, key)
    if (claim._tag === "Held") throw new Error(`run ${claim.runId} holds the payment of ${number}`)
    claimed = claim._tag === "Mine"
    if (claim._tag === "Mine") {
      // Idempotent: what ConnectWise already has for this invoice is not recorded again, so a
      // sync after a crash, or a second sync, records only what Exact received since.
      const { recorded } = await recordedInConnectWise(deps, id)
      const due = BigDecimal.subtract(paid, recorded)
      if (BigDecimal.isPositive(due)) {
        const created = await deps.connectwise.create(
          "/finance/invoices/{parentId}/payments",
          {
            type: "Payment",
            amount: due,
            ...(last === undefined ? {} : { paymentDate: `${last}T00:00:00Z` }),
            appliedBy: deps.actor ?? "psa-ledger"
          },
          {
            path: { parentId: id },
            // An answer lost on the way: the payment landed when ConnectWise now holds what Exact received.
            idempotencyCheck: async () => {
              const now = await recordedInConnectWise(deps, id)
              return BigDecimal.isLessThan(now.recorded, paid) ? undefined : now.newest
            }
          }
        )
        await runPort(
          "PlanJournal.complete",
          deps.journal.complete(linkId, key, {
            result: { id: created.id ?? null, amount: BigDecimal.format(due) },
            at: DateTime.makeUnsafe(nowOf(deps))
          })
        )
        outcome = {
          status: open ? "partly-paid" : "paid",
          connectwiseInvoiceId: id,
          number,
          amount: BigDecimal.format(due),
          paymentDate: last
        }
      } else {
        await runPort(
          "PlanJournal.complete",
          deps.journal.complete(linkId, key, { result: { id: null }, at: DateTime.makeUnsafe(nowOf(deps)) })
        )
        outcome = { status: "already-recorded", connectwiseInvoiceId: id, number }
      }
    } else {
      // Booked by an earlier sync, or by one running at the same time while this one waited.
      outcome = { status: "already-recorded", connectwiseInvoiceId: id, number }
    }
    claimed = false
    if (!open) {
      await runPort(
        "record the payment in the ledger",
        deps.ledger.record(
          linkId,
          new TransferRecord({ ...record, status: "paid", updatedAt: DateTime.makeUnsafe(nowOf(deps)) })
        )
      )
    }
    return outcome
  } catch (error) {
    const failure = failureOf(error)
    if (claimed) {
      await runPort(
        "PlanJournal.fail",
        deps.journal.fail(linkId, key, {
          error: { reason: failure._tag, message: failure.message },
          at: DateTime.makeUnsafe(nowOf(deps))
        })
      ).catch(() => undefined)
    }
    deps.logger?.error("payments: could not record a payment", { number, error: failure.message })
    return { status: "failed", connectwiseInvoiceId: id, number, failure }
  }
}

const syncOnce = async (
  deps: TransferDeps,
  options: {
    readonly onProgress?: ((event: TransferProgress) => void) | undefined
    readonly signal?: AbortSignal | undefined
  },
  claimDeps: ClaimDeps
): Promise<PaymentSyncReport> => {
  const { pending, skipped } = await unpaidRecords(deps)
  const outcomes: Array<PaymentSyncOutcome> = skipped
  const byEntry = await receivablesByEntry(deps, pending)
  let done = 0
  for (const record of pending) {
    const id = record.connectwiseInvoiceId
    const number = record.connectwiseInvoiceNumber
    const receivables = byEntry.get(record.exactInvoiceId.toLowerCase())
    options.onProgress?.({ phase: "payments", done: done++, total: pending.length })
    if (receivables === undefined || receivables.length === 0) {
      outcomes.push({ status: "not-found", connectwiseInvoiceId: id, number })
      continue
    }
    const payments = paidOf(receivables)
    if (!BigDecimal.isPositive(payments.paid)) {
      const openAmount = receivables.find((r) => r.IsFullyPaid !== true)?.AmountFC ?? undefined
      outcomes.push({ status: "open", connectwiseInvoiceId: id, number, openAmount })
      continue
    }
    if (options.signal?.aborted) {
      outcomes.push({
        status: "failed",
        connectwiseInvoiceId: id,
        number,
        failure: new LinkCancelledError({ message: "the sync was cancelled" })
      })
      continue
    }
    outcomes.push(await recordPayment(deps, claimDeps, record, payments))
  }
  options.onProgress?.({ phase: "payments", done: pending.length, total: pending.length })
  const invoices = outcomes.sort((a, b) => a.connectwiseInvoiceId - b.connectwiseInvoiceId)
  const counts = { paid: 0, "partly-paid": 0, "already-recorded": 0, open: 0, "not-found": 0, skipped: 0, failed: 0 }
  for (const outcome of invoices) counts[outcome.status]++
  return { invoices, counts }
}
