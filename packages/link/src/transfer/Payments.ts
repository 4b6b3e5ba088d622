import { randomUUID } from "node:crypto"
import { odata, Receivable } from "@psa-ledger/exact-client"
import { parseDecimal, TransferRecord } from "@psa-ledger/reconcile-core"
import { BigDecimal, DateTime, Effect } from "effect"
import { fromPort, fromPromise } from "../internal/bridge.ts"
import { chunks, EXACT_TERMS_PER_FILTER } from "../internal/chunk.ts"
import type { ClaimDeps } from "../internal/claims.ts"
import { orStopped } from "../internal/stop.ts"
import { LinkCancelledError } from "../LinkError.ts"
import { claimIn, withHeartbeat } from "./internal/claims.ts"
import { failureOf, nowOf, unexpected } from "./internal.ts"
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
 * amount; credit notes are reported, not applied. Interrupting it aborts the request in flight;
 * a payment claimed but not finished is checked in ConnectWise by the next sync before it writes.
 *
 * @example
 * ```ts
 * const report = await Effect.runPromise(syncPayments(deps))
 * report.counts // { paid: 12, "partly-paid": 2, "already-recorded": 0, open: 30, "not-found": 0, skipped: 1, failed: 0 }
 * ```
 *
 * @since 0.1.0
 */
export const syncPayments = Effect.fn("link.transfer.syncPayments")(function* (
  deps: TransferDeps,
  options: {
    readonly onProgress?: ((event: TransferProgress) => void) | undefined
    /** The run's id, recorded on the journal claims of the payments it books (default a random id). */
    readonly runId?: string | undefined
    /** A person cancelled the sync: no payment is recorded after it fires (each left is `failed`, `Cancelled`). */
    readonly stop?: AbortSignal | undefined
  } = {}
) {
  // One writer per payment across processes: each payment is claimed in the journal as apply's
  // writes are, so two syncs at once never book one payment twice.
  const claimDeps: ClaimDeps = {
    journal: deps.journal,
    linkId: deps.linkId,
    runId: options.runId ?? `payments-${randomUUID()}`,
    now: () => nowOf(deps).getTime(),
    leaseMs: deps.leaseMs
  }
  return yield* withHeartbeat(claimDeps, syncOnce(deps, options, claimDeps))
})

/** The payment's journal key: the invoice and the total Exact has received for it, so each part is its own. */
export const paymentKey = (connectwiseInvoiceId: number, paidTotal: BigDecimal.BigDecimal): string =>
  `payment:${connectwiseInvoiceId}:${BigDecimal.format(BigDecimal.normalize(paidTotal))}`

/** The ledger's transferred invoices not yet paid, and the credit notes among them (reported, not synced). */
const unpaidRecords = Effect.fn("link.transfer.unpaidRecords")(function* (deps: TransferDeps) {
  const pending: Array<TransferRecord> = []
  const skipped: Array<PaymentSyncOutcome> = []
  let afterId: number | undefined
  for (;;) {
    const page = yield* fromPort(
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
})

/**
 * The receivables of the booked entries, matched by the entry Exact booked (TransactionEntryID),
 * never by number alone; 40 entries a bulk call. A part-paid receivable is split in Exact: the
 * paid parts are fully paid, the open part is not.
 */
const receivablesByEntry = Effect.fn("link.transfer.receivablesByEntry")(function* (
  deps: TransferDeps,
  pending: ReadonlyArray<TransferRecord>
) {
  const byEntry = new Map<string, Array<Receivable>>()
  for (const part of chunks(pending, EXACT_TERMS_PER_FILTER)) {
    const found = yield* fromPromise("load Exact receivables", (signal) =>
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
        schema: Receivable,
        signal
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
})

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

/**
 * What ConnectWise already holds as paid on an invoice, and its newest payment's id. A promise:
 * the client's `idempotencyCheck` calls it too, inside the create it guards.
 */
const recordedInConnectWise = async (deps: TransferDeps, invoiceId: number, signal: AbortSignal) => {
  const existing = await deps.connectwise.listAll("/finance/invoices/{parentId}/payments", {
    path: { parentId: invoiceId },
    signal
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
 * Records in ConnectWise what Exact received for one invoice beyond what ConnectWise already has
 * (the payment's journal claim is this run's), and completes the claim.
 */
const bookPayment = Effect.fn("link.transfer.bookPayment")(function* (
  deps: TransferDeps,
  record: TransferRecord,
  key: string,
  { paid, last, open }: ReturnType<typeof paidOf>
) {
  const linkId = deps.linkId
  const id = record.connectwiseInvoiceId
  const number = record.connectwiseInvoiceNumber
  const at = () => DateTime.makeUnsafe(nowOf(deps))
  // Idempotent: what ConnectWise already has for this invoice is not recorded again, so a
  // sync after a crash, or a second sync, records only what Exact received since.
  const { recorded } = yield* fromPromise("read the ConnectWise payments", (signal) =>
    recordedInConnectWise(deps, id, signal)
  )
  const due = BigDecimal.subtract(paid, recorded)
  if (!BigDecimal.isPositive(due)) {
    yield* fromPort("PlanJournal.complete", deps.journal.complete(linkId, key, { result: { id: null }, at: at() }))
    return { status: "already-recorded", connectwiseInvoiceId: id, number } satisfies PaymentSyncOutcome
  }
  const created = yield* fromPromise("record the payment in ConnectWise", (signal) =>
    deps.connectwise.create(
      "/finance/invoices/{parentId}/payments",
      {
        type: "Payment",
        amount: due,
        ...(last === undefined ? {} : { paymentDate: `${last}T00:00:00Z` }),
        appliedBy: deps.actor ?? "psa-ledger"
      },
      {
        path: { parentId: id },
        signal,
        // An answer lost on the way: the payment landed when ConnectWise now holds what Exact received.
        idempotencyCheck: async () => {
          const now = await recordedInConnectWise(deps, id, signal)
          return BigDecimal.isLessThan(now.recorded, paid) ? undefined : now.newest
        }
      }
    )
  )
  yield* fromPort(
    "PlanJournal.complete",
    deps.journal.complete(linkId, key, {
      result: { id: created.id ?? null, amount: BigDecimal.format(due) },
      at: at()
    })
  )
  return {
    status: open ? "partly-paid" : "paid",
    connectwiseInvoiceId: id,
    number,
    amount: BigDecimal.format(due),
    paymentDate: last
  } satisfies PaymentSyncOutcome
})

/**
 * Records in ConnectWise what Exact received for one invoice beyond what ConnectWise already has,
 * under the payment's journal claim, and marks a fully paid invoice paid in the ledger. A failure
 * is the invoice's outcome (and the claim's, in the journal), never the sync's.
 */
const recordPayment = Effect.fn("link.transfer.recordPayment")(function* (
  deps: TransferDeps,
  claimDeps: ClaimDeps,
  record: TransferRecord,
  payments: ReturnType<typeof paidOf>,
  stop?: AbortSignal | undefined
) {
  const linkId = deps.linkId
  const id = record.connectwiseInvoiceId
  const number = record.connectwiseInvoiceNumber
  const key = paymentKey(id, payments.paid)
  // Whether a failure now leaves this run's claim to be failed in the journal.
  let claimed = false
  const attempt = Effect.gen(function* () {
    // Claimed before ConnectWise is read: a sync that waited for another finds its payment journaled.
    const claim = yield* claimIn(claimDeps, key)
    if (claim._tag === "Held")
      return yield* Effect.fail(unexpected(`run ${claim.runId} holds the payment of ${number}`))
    claimed = claim._tag === "Mine"
    const outcome: PaymentSyncOutcome =
      claim._tag === "Mine"
        ? yield* bookPayment(deps, record, key, payments)
        : // Booked by an earlier sync, or by one running at the same time while this one waited.
          { status: "already-recorded", connectwiseInvoiceId: id, number }
    claimed = false
    if (!payments.open) {
      yield* fromPort(
        "record the payment in the ledger",
        deps.ledger.record(
          linkId,
          new TransferRecord({ ...record, status: "paid", updatedAt: DateTime.makeUnsafe(nowOf(deps)) })
        )
      )
    }
    return outcome
  })
  return yield* Effect.catch(orStopped(stop, attempt), (error) =>
    Effect.gen(function* () {
      const failure = failureOf(error)
      if (claimed) {
        yield* fromPort(
          "PlanJournal.fail",
          deps.journal.fail(linkId, key, {
            error: { reason: failure._tag, message: failure.message },
            at: DateTime.makeUnsafe(nowOf(deps))
          })
        ).pipe(Effect.ignore)
      }
      deps.logger?.error("payments: could not record a payment", { number, error: failure.message })
      return { status: "failed", connectwiseInvoiceId: id, number, failure } satisfies PaymentSyncOutcome
    })
  )
})

const syncOnce = Effect.fn("link.transfer.syncOnce")(function* (
  deps: TransferDeps,
  options: {
    readonly onProgress?: ((event: TransferProgress) => void) | undefined
    readonly stop?: AbortSignal | undefined
  },
  claimDeps: ClaimDeps
) {
  const { pending, skipped } = yield* orStopped(options.stop, unpaidRecords(deps))
  const outcomes: Array<PaymentSyncOutcome> = skipped
  const byEntry = yield* orStopped(options.stop, receivablesByEntry(deps, pending))
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
    if (options.stop?.aborted === true) {
      outcomes.push({
        status: "failed",
        connectwiseInvoiceId: id,
        number,
        failure: new LinkCancelledError({ message: "the sync was cancelled" })
      })
      continue
    }
    outcomes.push(yield* recordPayment(deps, claimDeps, record, payments, options.stop))
  }
  options.onProgress?.({ phase: "payments", done: pending.length, total: pending.length })
  const invoices = outcomes.sort((a, b) => a.connectwiseInvoiceId - b.connectwiseInvoiceId)
  const counts = { paid: 0, "partly-paid": 0, "already-recorded": 0, open: 0, "not-found": 0, skipped: 0, failed: 0 }
  for (const outcome of invoices) counts[outcome.status]++
  return { invoices, counts } satisfies PaymentSyncReport
})
