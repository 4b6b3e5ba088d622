import type { SalesInvoiceDraft } from "@psa-ledger/exact-client"
import { odata, SalesInvoice } from "@psa-ledger/exact-client"
import {
  type AttachPdf,
  attachPdfKey,
  type CreateAccount,
  type CreateSalesEntry,
  type CreateSalesInvoice,
  entryNumberOf,
  Mapping,
  type ProcessSalesInvoice,
  planInvoiceTransfer,
  salesEntryCreateKey,
  salesInvoiceCreateKey,
  salesInvoiceProcessKey,
  TransferPlan,
  TransferRecord
} from "@psa-ledger/reconcile-core"
import { BigDecimal, DateTime, Effect, Option, type Schema } from "effect"
import { fromPort, fromPromise } from "../internal/bridge.ts"
import { chunks, EXACT_TERMS_PER_FILTER } from "../internal/chunk.ts"
import { asJournalClaim, type ClaimDeps } from "../internal/claims.ts"
import { orStopped } from "../internal/stop.ts"
import { LinkCancelledError, LinkDependencyFailedError, type LinkError } from "../LinkError.ts"
import {
  attachInvoicePdf,
  type BookingDocument,
  bookEntry,
  markPdfAttached,
  ourDocuments,
  type PdfTarget,
  resultField,
  totalsAgree
} from "./Entries.ts"
import { claimIn, withHeartbeat } from "./internal/claims.ts"
import { caught, exactAccountCode, failureOf, nowOf, unexpected } from "./internal.ts"
import { loadTransferInputs } from "./Load.ts"
import type { TransferDeps, TransferFailure, TransferInputs, TransferProgress, TransferRange } from "./TransferTypes.ts"

/**
 * What happened to one ConnectWise invoice in a transfer run.
 *
 * - `created`: Exact now has it (this run created it; `processed` says whether it was also printed
 *   or, for a sales entry, booked — always; `pdfAttached` whether its PDF is attached).
 * - `totalDiffers`: booked, but the amount Exact reports is not ConnectWise's total (both given):
 *   for a person to look at, never booked again.
 * - `processed`: it existed in Exact already (an earlier, interrupted run) and this run processed it.
 * - `alreadyTransferred`: it was transferred before; nothing was written. `changes` lists what
 *   ConnectWise changed since (amounts, status, voided), for a person.
 * - `blocked`: it cannot be transferred until the reasons are fixed (`codes` name them); never a failure.
 * - `failed`: a write failed; `failure` says why. Rerunning resumes it.
 *
 * @since 0.1.0
 */
export type InvoiceTransferOutcome =
  | {
      readonly status: "created"
      readonly connectwiseInvoiceId: number
      readonly number: string
      readonly kind: "invoice" | "credit-note"
      readonly exactInvoiceId: string
      readonly processed: boolean
      readonly exactInvoiceNumber?: number | undefined
      readonly pdfAttached?: boolean | undefined
      readonly warnings?: ReadonlyArray<string> | undefined
    }
  | {
      readonly status: "totalDiffers"
      readonly connectwiseInvoiceId: number
      readonly number: string
      readonly exactInvoiceId: string
      readonly exactInvoiceNumber?: number | undefined
      /** What Exact reports for the booking, and ConnectWise's total. */
      readonly exactTotal: string | undefined
      readonly connectwiseTotal: string
    }
  | {
      readonly status: "processed"
      readonly connectwiseInvoiceId: number
      readonly number: string
      readonly exactInvoiceId: string
      readonly exactInvoiceNumber?: number | undefined
    }
  | {
      readonly status: "alreadyTransferred"
      readonly connectwiseInvoiceId: number
      readonly number: string
      readonly exactInvoiceId: string
      readonly reason: string
      readonly changes?: ReadonlyArray<string> | undefined
      /**
       * Set when this run caught up its PDF (an earlier run booked it but died or failed before
       * attaching): `true` attached now (or found attached), `false` still missing (see `warnings`).
       */
      readonly pdfAttached?: boolean | undefined
      readonly warnings?: ReadonlyArray<string> | undefined
    }
  | {
      readonly status: "blocked"
      readonly connectwiseInvoiceId: number
      readonly number: string
      readonly reasons: ReadonlyArray<string>
      readonly codes?: ReadonlyArray<string> | undefined
    }
  | {
      readonly status: "failed"
      readonly connectwiseInvoiceId: number
      readonly number: string
      /** The operation that failed: `CreateAccount`, `CreateSalesInvoice` or `ProcessSalesInvoice`. */
      readonly step: string
      readonly failure: TransferFailure
    }

/**
 * The result of a transfer run: one outcome per invoice (in ConnectWise id order), the accounts
 * created, and counts.
 *
 * @since 0.1.0
 */
export interface TransferReport {
  readonly runId: string
  readonly invoices: ReadonlyArray<InvoiceTransferOutcome>
  readonly accountsCreated: ReadonlyArray<{ readonly connectwiseCompanyId: number; readonly exactAccountId: string }>
  readonly counts: Readonly<Record<InvoiceTransferOutcome["status"], number>>
  readonly plan: TransferPlan
}

/**
 * Options of {@link runTransfer}.
 *
 * @since 0.1.0
 */
export interface RunTransferOptions {
  /** The run's id: journal entries and ledger records carry it. */
  readonly runId: string
  readonly onProgress?: ((event: TransferProgress) => void) | undefined
  /**
   * ConnectWise companies whose new Exact account a person approved for this run (with the
   * default `createAccounts: "ask"`, no account is created otherwise).
   */
  readonly approveAccounts?: ReadonlyArray<number> | undefined
  /**
   * A person cancelled the run: no invoice is started after it fires (those left are `failed`
   * with `Cancelled`, the report kept), while the one in flight finishes. Interrupting the Effect
   * instead stops at once and aborts the request in flight.
   */
  readonly stop?: AbortSignal | undefined
}

/** Whether a person cancelled the run (`RunTransferOptions.stop`): start nothing more. */
const stopped = (run: TransferRun): boolean => run.options.stop?.aborted === true

const planOf = (deps: TransferDeps, inputs: TransferInputs, approve: ReadonlyArray<number> = []): TransferPlan => {
  const plan = planInvoiceTransfer(inputs.invoices, inputs.snapshot, inputs.mappings, inputs.ledger, deps.settings, {
    approvedCompanies: approve
  })
  return new TransferPlan({ ...plan, blocked: [...inputs.blocked, ...plan.blocked] })
}

/**
 * The plan of a transfer with no writes: which accounts and invoices would be created and
 * processed, which invoices are skipped (transferred before) and which are blocked, and why.
 *
 * @example
 * ```ts
 * const plan = await Effect.runPromise(previewTransfer(deps, { from: "2026-01-01", to: "2026-02-01" }))
 * for (const blocked of plan.blocked) console.log(blocked.number, blocked.reasons.join("; "))
 * ```
 *
 * @since 0.1.0
 */
export const previewTransfer = Effect.fn("link.transfer.preview")(function* (
  deps: TransferDeps,
  range: TransferRange,
  options: { readonly onProgress?: ((event: TransferProgress) => void) | undefined } = {}
) {
  return planOf(deps, yield* loadTransferInputs(deps, range, options))
})

const toDate = (date: string): Date => new Date(`${date}T00:00:00Z`)

const draftOf = (op: CreateSalesInvoice, accountId: string): SalesInvoiceDraft => ({
  OrderedBy: accountId,
  Journal: op.journal,
  Currency: op.currency,
  Description: op.description,
  OrderDate: toDate(op.invoiceDate),
  ...(op.dueDate === undefined ? {} : { DueDate: toDate(op.dueDate) }),
  ...(op.paymentCondition === undefined ? {} : { PaymentCondition: op.paymentCondition }),
  Type: op.type,
  SalesInvoiceLines: op.lines.map((line) => ({
    Item: line.itemId,
    Quantity: BigDecimal.format(line.quantity),
    NetPrice: BigDecimal.format(line.netPrice),
    VATCode: line.vatCode,
    ...(line.vatAmount === undefined ? {} : { VATAmountFC: BigDecimal.format(line.vatAmount) }),
    Description: line.description
  }))
})

const resultId = (result: Schema.Json | undefined, field: string): string | undefined => {
  if (result === null || typeof result !== "object" || Array.isArray(result)) return undefined
  const value = (result as Record<string, Schema.Json>)[field]
  return typeof value === "string" ? value : undefined
}

/**
 * Transfers ConnectWise invoices to Exact Online: creates missing customer accounts (and remembers
 * the mapping), creates each invoice or credit note (type 8021) with `YourRef` = the ConnectWise
 * number, records it in the ledger at once, and processes it (`PrintedSalesInvoices`); in entry
 * mode (the default) books a sales entry instead. With `attachPdf` (default) ConnectWise's PDF is
 * attached to the booking in both modes; a PDF that fails is a warning, attached by a later run. Every
 * operation is journaled under its idempotency key, so a crash or a kill and a rerun never write
 * twice; the ledger and the `YourRef` lookup are the second line of defence. One failing invoice
 * does not stop the others. A second run creates nothing. Interrupting it aborts the request in
 * flight; what it left started is settled by the next run as a killed run's is.
 *
 * @example
 * ```ts
 * const report = await Effect.runPromise(runTransfer(deps, { from: "2026-01-01", to: "2026-02-01" }, { runId: "run-42" }))
 * report.counts // { created: 41, processed: 0, alreadyTransferred: 3, blocked: 1, failed: 0, totalDiffers: 0 }
 * ```
 *
 * @since 0.1.0
 */
export const runTransfer = Effect.fn("link.transfer.run")(function* (
  deps: TransferDeps,
  range: TransferRange,
  options: RunTransferOptions
) {
  // The run's claims stay live while it works, and only while it works.
  return yield* withHeartbeat(claimDepsOf(deps, options), transferOnce(deps, range, options))
})

const claimDepsOf = (deps: TransferDeps, options: RunTransferOptions): ClaimDeps => ({
  journal: deps.journal,
  linkId: deps.linkId,
  runId: options.runId,
  now: () => nowOf(deps).getTime(),
  leaseMs: deps.leaseMs
})

/** What one transfer run works with and collects, shared by its steps. */
interface TransferRun {
  readonly deps: TransferDeps
  readonly options: RunTransferOptions
  readonly inputs: TransferInputs
  readonly plan: TransferPlan
  readonly approved: ReadonlySet<number>
  readonly invoiceById: ReadonlyMap<number, TransferInputs["invoices"][number]>
  readonly entryMode: boolean
  /** Whether the ConnectWise PDF is attached to each booking (both modes; setting `attachPdf`). */
  readonly attachPdf: boolean
  /** Each done operation's result (the id it made), by operation key. */
  readonly results: Map<string, string>
  readonly failedOps: Map<string, TransferFailure>
  readonly outcomes: Map<number, InvoiceTransferOutcome>
  readonly accountsCreated: Array<{ connectwiseCompanyId: number; exactAccountId: string }>
  /** The ledger records this run wrote for what it booked (entry or invoice), by ConnectWise invoice. */
  readonly bookedRecords: Map<number, TransferRecord>
  /** The invoices whose PDF this run tried to attach: the catch-up leaves them to the next run. */
  readonly attachTried: Set<number>
  /** The last account code handed out (read once per run, on the first new account). */
  lastCode: number | undefined
}

const transferOnce = Effect.fn("link.transfer.transferOnce")(function* (
  deps: TransferDeps,
  range: TransferRange,
  options: RunTransferOptions
) {
  const inputs = yield* orStopped(options.stop, loadTransferInputs(deps, range, { onProgress: options.onProgress }))
  const approved = new Set(options.approveAccounts ?? [])
  const entryMode = (deps.settings.transfer?.mode ?? "entry") === "entry"
  const run: TransferRun = {
    deps,
    options,
    inputs,
    plan: planOf(deps, inputs, [...approved]),
    approved,
    invoiceById: new Map(inputs.invoices.map((invoice) => [invoice.id, invoice])),
    entryMode,
    attachPdf: deps.settings.transfer?.attachPdf ?? true,
    results: new Map(),
    failedOps: new Map(),
    outcomes: new Map(),
    accountsCreated: [],
    bookedRecords: new Map(),
    attachTried: new Set(),
    lastCode: undefined
  }
  noteSkippedAndBlocked(run)
  yield* catchUpLedger(run)
  yield* settleInterrupted(run)
  yield* runAccountOps(run)
  yield* runInvoiceOps(run)
  if (!run.entryMode && !stopped(run)) yield* readPrintedNumbers(run)
  if (run.attachPdf && !stopped(run)) yield* catchUpPdfs(run)
  return reportOf(run)
})

const atOf = (run: TransferRun) => DateTime.makeUnsafe(nowOf(run.deps))

/** `effect`, whatever it fails with (our own code's throws too), logged as a warning and dropped. */
const warnOnFailure = (
  run: TransferRun,
  message: string,
  fields: Readonly<Record<string, unknown>>,
  effect: Effect.Effect<void, LinkError>
): Effect.Effect<void> =>
  caught(effect).pipe(
    Effect.catch((error) =>
      Effect.sync(() => run.deps.logger?.warn(message, { ...fields, error: failureOf(error).message }))
    )
  )

type PrintedOutcome = Extract<InvoiceTransferOutcome, { readonly status: "created" | "processed" }>

/** The numbers Exact gave one bulk read's printed invoices, on their outcomes and in the ledger. */
const readPrintedPart = Effect.fn("link.transfer.readPrintedPart")(function* (
  run: TransferRun,
  part: ReadonlyArray<PrintedOutcome>
) {
  const { deps } = run
  const found = yield* fromPromise("read the numbers of the printed Exact invoices", (signal) =>
    deps.exact.listAll("salesinvoice/SalesInvoices", {
      bulk: true,
      select: ["InvoiceID", "InvoiceNumber"],
      schema: SalesInvoice,
      filter: odata.or(...part.map((o) => odata.eq("InvoiceID", odata.guid(o.exactInvoiceId)))),
      signal
    })
  )
  const numberOf = new Map(found.map((invoice) => [invoice.InvoiceID, invoice.InvoiceNumber ?? undefined]))
  for (const outcome of part) {
    const number = numberOf.get(outcome.exactInvoiceId)
    if (number === undefined) continue
    run.outcomes.set(outcome.connectwiseInvoiceId, { ...outcome, exactInvoiceNumber: number })
    const record = yield* fromPort("read the ledger", deps.ledger.find(deps.linkId, outcome.connectwiseInvoiceId))
    if (record._tag === "Some") {
      yield* fromPort(
        "record the transfer",
        deps.ledger.record(
          deps.linkId,
          new TransferRecord({ ...record.value, exactInvoiceNumber: String(number), updatedAt: atOf(run) })
        )
      )
    }
  }
})

/**
 * Invoice mode: the numbers Exact gave the invoices this run printed, for the report and the
 * ledger. Exact's print answers without the number, so they are read back by id in bulk (one
 * call per 40 invoices, not one each). A failed read is a warning: the invoices are booked.
 */
const readPrintedNumbers = Effect.fn("link.transfer.readPrintedNumbers")(function* (run: TransferRun) {
  const printed = [...run.outcomes.values()].flatMap((o) =>
    ((o.status === "created" && o.processed) || o.status === "processed") && o.exactInvoiceNumber === undefined
      ? [o]
      : []
  )
  for (const part of chunks(printed, EXACT_TERMS_PER_FILTER)) {
    yield* warnOnFailure(
      run,
      "transfer: could not read the numbers Exact gave the printed invoices",
      {},
      readPrintedPart(run, part)
    )
  }
})

const numberOf = (run: TransferRun, id: number) => run.invoiceById.get(id)?.number ?? `#${id}`

/** The plan's skipped and blocked invoices, as outcomes. */
const noteSkippedAndBlocked = (run: TransferRun): void => {
  for (const skip of run.plan.skipped) {
    run.outcomes.set(skip.connectwiseInvoiceId, {
      status: "alreadyTransferred",
      connectwiseInvoiceId: skip.connectwiseInvoiceId,
      number: skip.number,
      exactInvoiceId: skip.exactInvoiceId,
      reason: skip.reason,
      ...(skip.changes === undefined ? {} : { changes: skip.changes })
    })
  }
  for (const block of run.plan.blocked) {
    run.outcomes.set(block.connectwiseInvoiceId, {
      status: "blocked",
      connectwiseInvoiceId: block.connectwiseInvoiceId,
      number: block.number,
      reasons: block.reasons,
      ...(block.codes === undefined ? {} : { codes: block.codes })
    })
  }
}

/**
 * The ledger learns of invoices Exact has by YourRef but the ledger lost (a crash between the
 * POST and the record), so later runs and the payment sync see them.
 */
const adopt = Effect.fn("link.transfer.adopt")(function* (
  run: TransferRun,
  invoiceId: number,
  exactInvoiceId: string,
  status: "created" | "processed"
) {
  const { deps, inputs } = run
  const invoice = run.invoiceById.get(invoiceId)
  if (invoice === undefined || inputs.ledger.has(invoiceId)) return
  const found = inputs.exactInvoices.get(invoice.number.trim())
  const total = found?.amount === undefined ? undefined : BigDecimal.fromString(found.amount)
  const now = atOf(run)
  yield* fromPort(
    "record the transfer",
    deps.ledger.record(
      deps.linkId,
      new TransferRecord({
        connectwiseInvoiceId: invoiceId,
        connectwiseInvoiceNumber: invoice.number,
        exactInvoiceId,
        ...(found?.invoiceNumber === undefined ? {} : { exactInvoiceNumber: String(found.invoiceNumber) }),
        kind: invoice.type === "CreditMemo" || found?.type === 8021 ? "credit-note" : "invoice",
        status,
        ...(total === undefined || total._tag === "None" ? {} : { total: total.value }),
        currency: invoice.currency,
        // Its PDF may be missing too: the catch-up looks for our document before attaching.
        ...(run.attachPdf ? { pdfAttached: false } : {}),
        runId: run.options.runId,
        transferredAt: now,
        updatedAt: now
      })
    )
  )
})

/** Skipped invoices Exact has printed or holds, but the ledger does not know so: the ledger catches up. */
const catchUpLedger = Effect.fn("link.transfer.catchUpLedger")(function* (run: TransferRun) {
  const { deps, inputs } = run
  for (const skip of run.plan.skipped) {
    const found = inputs.exactInvoices.get(skip.number.trim())
    const recorded = inputs.ledger.get(skip.connectwiseInvoiceId)
    // Printed in Exact, but the run was stopped before the ledger heard of it: catch the ledger up.
    if (found !== undefined && found.status >= 50 && recorded?.status === "created") {
      yield* warnOnFailure(
        run,
        "transfer: could not record an invoice Exact has processed",
        { number: skip.number },
        Effect.suspend(() =>
          fromPort(
            "record the transfer",
            deps.ledger.record(
              deps.linkId,
              new TransferRecord({
                ...recorded,
                status: "processed",
                ...(found.invoiceNumber === undefined ? {} : { exactInvoiceNumber: String(found.invoiceNumber) }),
                updatedAt: atOf(run)
              })
            )
          )
        )
      )
    }
    if (found !== undefined && recorded === undefined) {
      yield* warnOnFailure(
        run,
        "transfer: could not adopt an invoice Exact already has",
        { number: skip.number },
        adopt(run, skip.connectwiseInvoiceId, skip.exactInvoiceId, found.status >= 50 ? "processed" : "created")
      )
    }
  }
})

/**
 * Operations interrupted after Exact accepted them are planned no more: a create whose invoice is
 * found (by YourRef or in the ledger), a print of an invoice Exact has processed (the plan skips
 * it), an entry or an attachment the ledger records as made. Their journal entries are closed
 * with what they made, so the journal tells the truth.
 */
const settleInterrupted = Effect.fn("link.transfer.settleInterrupted")(function* (run: TransferRun) {
  const { deps } = run
  const linkId = deps.linkId
  const settle = (opKey: string, result: Schema.Json, number: string) =>
    warnOnFailure(
      run,
      "transfer: could not settle an interrupted operation in the journal",
      { number },
      Effect.gen(function* () {
        const entry = yield* fromPort("journal get", deps.journal.get(linkId, opKey))
        if (entry._tag === "Some" && entry.value.status === "started") {
          yield* fromPort("journal complete", deps.journal.complete(linkId, opKey, { result, at: atOf(run) }))
        }
      })
    )
  for (const skip of run.plan.skipped) {
    const invoice = run.invoiceById.get(skip.connectwiseInvoiceId)
    if (invoice === undefined) continue
    const recorded = run.inputs.ledger.get(skip.connectwiseInvoiceId)
    yield* settle(salesInvoiceCreateKey(linkId, invoice), { invoiceId: skip.exactInvoiceId }, invoice.number)
    yield* settle(salesInvoiceProcessKey(linkId, invoice), { invoiceId: skip.exactInvoiceId }, invoice.number)
    // The ledger hears of a booked entry before the journal does (a kill between leaves it started).
    const entry = run.entryMode ? entryNumberOf(invoice.number, deps.settings.transfer?.entryNumberPattern) : undefined
    if (recorded !== undefined && entry !== undefined && "entryNumber" in entry) {
      const opKey = salesEntryCreateKey(linkId, invoice, entry.entryNumber)
      yield* settle(opKey, { entryId: skip.exactInvoiceId }, invoice.number)
    }
    // So does an attachment: with the ledger saying attached, no run plans or catches it up again.
    if (recorded?.pdfAttached === true) {
      yield* settle(attachPdfKey(linkId, invoice), {}, invoice.number)
    }
  }
  for (const op of run.plan.operations) {
    if (op._tag !== "ProcessSalesInvoice" || op.invoice._tag !== "ExistingSalesInvoice") continue
    const invoice = run.invoiceById.get(op.connectwiseInvoiceId)
    if (invoice === undefined) continue
    yield* settle(salesInvoiceCreateKey(linkId, invoice), { invoiceId: op.invoice.id }, invoice.number)
  }
})

/** Claims an operation in the journal; `AlreadyDone` means it was done before (with its result). */
const claim = (run: TransferRun, opKey: string) =>
  // One writer per operation: a live run's claim is waited for, a dead run's taken over (then the
  // YourRef / code lookups check Exact before writing again).
  Effect.map(claimIn(claimDepsOf(run.deps, run.options), opKey), asJournalClaim)

/** The next free numeric code of the settings' range (one read per run). */
const nextAccountCode = Effect.fn("link.transfer.nextAccountCode")(function* (run: TransferRun) {
  const { deps } = run
  const range = deps.settings.transfer?.accountCodes ?? { from: 100_000, to: 999_999 }
  if (run.lastCode === undefined) {
    const [highest] = yield* fromPromise("read the highest Exact account code", (signal) =>
      deps.exact.listAll("crm/Accounts", {
        filter: odata.and(
          odata.ge("Code", exactAccountCode(String(range.from))),
          odata.le("Code", exactAccountCode(String(range.to)))
        ),
        select: ["ID", "Code"],
        orderby: "Code desc",
        top: 1,
        signal
      })
    )
    const code = typeof highest?.Code === "string" ? Number(highest.Code.trim()) : Number.NaN
    run.lastCode = Number.isSafeInteger(code) ? code : range.from - 1
  }
  run.lastCode += 1
  if (run.lastCode > range.to)
    return yield* Effect.fail(unexpected(`no free account code left in ${range.from}–${range.to}`))
  return String(run.lastCode)
})

const createAccount = Effect.fn("link.transfer.createAccount")(function* (run: TransferRun, op: CreateAccount) {
  const { deps } = run
  const answer = yield* claim(run, op.idempotencyKey)
  if (answer._tag === "AlreadyDone") {
    const id = resultId(answer.result, "accountId")
    if (id !== undefined) return id
  }
  // On a retry, the account may exist from the attempt that crashed.
  let accountId: string | undefined
  if (answer._tag === "Started" && answer.attempt > 1) {
    const [existing] = yield* fromPromise("look for the Exact account", (signal) =>
      deps.exact.listAll("crm/Accounts", {
        filter: odata.eq("Code", exactAccountCode(op.code)),
        select: ["ID", "Code"],
        signal
      })
    )
    accountId = typeof existing?.ID === "string" ? existing.ID : undefined
  }
  if (accountId === undefined) {
    const code = run.entryMode ? yield* nextAccountCode(run) : op.code
    const draft = {
      Name: op.name,
      Code: code,
      ...(op.email === undefined ? {} : { Email: op.email }),
      ...(op.addressLine1 === undefined ? {} : { AddressLine1: op.addressLine1 }),
      ...(op.city === undefined ? {} : { City: op.city }),
      ...(op.postcode === undefined ? {} : { Postcode: op.postcode }),
      ...(op.country === undefined ? {} : { Country: op.country }),
      Status: "C",
      ...(op.vatNumber === undefined ? {} : { VATNumber: op.vatNumber }),
      ...(op.cocNumber === undefined ? {} : { ChamberOfCommerce: op.cocNumber }),
      ...(op.paymentCondition === undefined ? {} : { PaymentConditionSales: op.paymentCondition })
    }
    const account = yield* fromPromise("create the Exact account", (signal) =>
      deps.exact.createAccount(draft, { signal })
    )
    accountId = account.ID
  }
  yield* fromPort(
    "remember the customer mapping",
    deps.mappings.upsert(deps.linkId, [
      new Mapping({
        kind: "customer",
        sourceKey: accountId,
        targetId: op.connectwiseCompanyId,
        method: "exact-identifier",
        decidedBy: deps.actor ?? "psa-ledger transfer",
        decidedAt: atOf(run)
      })
    ])
  )
  run.accountsCreated.push({ connectwiseCompanyId: op.connectwiseCompanyId, exactAccountId: accountId })
  yield* fromPort(
    "journal complete",
    deps.journal.complete(deps.linkId, op.idempotencyKey, { result: { accountId }, at: atOf(run) })
  )
  return accountId
})

const createInvoice = Effect.fn("link.transfer.createInvoice")(function* (run: TransferRun, op: CreateSalesInvoice) {
  const { deps } = run
  const answer = yield* claim(run, op.idempotencyKey)
  if (answer._tag === "AlreadyDone") {
    const id = resultId(answer.result, "invoiceId")
    if (id !== undefined) return id
  }
  const accountId = yield* accountOf(run, op.account, `the account of ${op.yourRef} was not created`)
  // The load read Exact's invoices by YourRef in bulk, so a first attempt needs no look-up of its
  // own; a resumed one (an earlier process may have posted it since) looks first.
  const { invoice, created } = yield* fromPromise("create the Exact sales invoice", (signal) =>
    deps.exact.createSalesInvoice(draftOf(op, accountId), {
      yourRef: op.yourRef,
      lookupFirst: !(answer._tag === "Started" && answer.attempt === 1),
      signal
    })
  )
  const now = atOf(run)
  const total =
    invoice.AmountFC === null || invoice.AmountFC === undefined ? undefined : BigDecimal.fromString(invoice.AmountFC)
  // Recorded at once: if the run dies before processing or attaching, the next one knows the
  // invoice exists (and, by `pdfAttached: false`, that its PDF is still to be attached).
  const record = new TransferRecord({
    connectwiseInvoiceId: op.connectwiseInvoiceId,
    connectwiseInvoiceNumber: op.yourRef,
    exactInvoiceId: invoice.InvoiceID,
    kind: op.kind,
    status: invoice.Status === 50 ? "processed" : "created",
    ...(total === undefined || total._tag === "None" ? {} : { total: total.value }),
    currency: op.currency,
    ...(run.attachPdf ? { pdfAttached: false } : {}),
    runId: run.options.runId,
    transferredAt: now,
    updatedAt: now
  })
  yield* fromPort("record the transfer", deps.ledger.record(deps.linkId, record))
  run.bookedRecords.set(op.connectwiseInvoiceId, record)
  yield* fromPort(
    "journal complete",
    deps.journal.complete(deps.linkId, op.idempotencyKey, {
      result: { invoiceId: invoice.InvoiceID, created },
      at: atOf(run)
    })
  )
  return invoice.InvoiceID
})

/** Prints the invoice in Exact, unless the attempt that crashed printed it: its number when known. */
const printInvoice = Effect.fn("link.transfer.printInvoice")(function* (
  run: TransferRun,
  op: ProcessSalesInvoice,
  invoiceId: string,
  checkFirst: boolean
) {
  const { deps } = run
  if (checkFirst) {
    // The crashed attempt may have printed it: Exact refuses to print twice.
    const [current] = yield* fromPromise("read the Exact sales invoice", (signal) =>
      deps.exact.listAll("salesinvoice/SalesInvoices", {
        filter: odata.eq("InvoiceID", odata.guid(invoiceId)),
        select: ["InvoiceID", "InvoiceNumber", "Status"],
        schema: SalesInvoice,
        signal
      })
    )
    if (current?.Status === 50) return current.InvoiceNumber ?? undefined
  }
  const processed = yield* fromPromise("process the Exact sales invoice", (signal) =>
    deps.exact.processSalesInvoice(invoiceId, { invoiceDate: toDate(op.invoiceDate), signal })
  )
  return processed.InvoiceNumber as number | undefined
})

const processInvoice = Effect.fn("link.transfer.processInvoice")(function* (run: TransferRun, op: ProcessSalesInvoice) {
  const { deps } = run
  const linkId = deps.linkId
  const invoiceId = op.invoice._tag === "ExistingSalesInvoice" ? op.invoice.id : run.results.get(op.invoice.opKey)
  if (invoiceId === undefined) return yield* Effect.fail(unexpected("the invoice to process was not created"))
  const answer = yield* claim(run, op.idempotencyKey)
  if (answer._tag === "AlreadyDone") return { id: invoiceId, number: undefined as number | undefined }
  const number = yield* printInvoice(run, op, invoiceId, answer._tag === "Started" && answer.attempt > 1)
  const existing = yield* fromPort("read the ledger", deps.ledger.find(linkId, op.connectwiseInvoiceId))
  const invoice = run.invoiceById.get(op.connectwiseInvoiceId)
  if (existing._tag === "Some") {
    const record = new TransferRecord({
      ...existing.value,
      status: existing.value.status === "paid" ? "paid" : "processed",
      ...(number === undefined ? {} : { exactInvoiceNumber: String(number) }),
      updatedAt: atOf(run)
    })
    yield* fromPort("record the transfer", deps.ledger.record(linkId, record))
    // The attachment after the print starts from this record, not the one the create wrote.
    run.bookedRecords.set(op.connectwiseInvoiceId, record)
  } else if (invoice !== undefined) {
    yield* adopt(run, op.connectwiseInvoiceId, invoiceId, "processed")
  }
  yield* fromPort(
    "journal complete",
    deps.journal.complete(linkId, op.idempotencyKey, {
      result: { invoiceId, ...(number === undefined ? {} : { invoiceNumber: number }) },
      at: atOf(run)
    })
  )
  return { id: invoiceId, number }
})

const accountOf = (
  run: TransferRun,
  account: CreateSalesEntry["account"],
  missing = "the customer's account was not created"
): Effect.Effect<string, LinkError> => {
  const accountId = account._tag === "ExistingAccount" ? account.id : run.results.get(account.opKey)
  return accountId === undefined ? Effect.fail(unexpected(missing)) : Effect.succeed(accountId)
}

const runEntry = Effect.fn("link.transfer.runEntry")(function* (run: TransferRun, op: CreateSalesEntry, id: number) {
  const { deps } = run
  const answer = yield* claim(run, op.idempotencyKey)
  const done = answer._tag === "AlreadyDone" ? resultField(answer.result, "entryId") : undefined
  if (done !== undefined) {
    run.results.set(op.idempotencyKey, done)
    return
  }
  const accountId = yield* accountOf(run, op.account)
  const booked = yield* bookEntry(deps, op, accountId, run.options.runId, run.attachPdf)
  run.bookedRecords.set(id, booked.record)
  run.results.set(op.idempotencyKey, booked.entryId)
  yield* fromPort(
    "journal complete",
    deps.journal.complete(deps.linkId, op.idempotencyKey, { result: { entryId: booked.entryId }, at: atOf(run) })
  )
  // Checked after: what Exact booked must be ConnectWise's total.
  if (totalsAgree(booked.exactTotal, op.total)) {
    run.outcomes.set(id, {
      status: "created",
      connectwiseInvoiceId: id,
      number: op.yourRef,
      kind: op.kind,
      exactInvoiceId: booked.entryId,
      exactInvoiceNumber: booked.entryNumber,
      processed: true
    })
  } else {
    deps.logger?.warn("transfer: Exact's total differs from ConnectWise's", {
      number: op.yourRef,
      exact: booked.exactTotal,
      connectwise: BigDecimal.format(op.total)
    })
    run.outcomes.set(id, {
      status: "totalDiffers",
      connectwiseInvoiceId: id,
      number: op.yourRef,
      exactInvoiceId: booked.entryId,
      exactInvoiceNumber: booked.entryNumber,
      exactTotal: booked.exactTotal,
      connectwiseTotal: BigDecimal.format(op.total)
    })
  }
})

/** Notes on a booking's outcome whether its PDF is attached now, with the warning if not. */
const notePdf = (run: TransferRun, id: number, pdfAttached: boolean, warning?: string) => {
  const before = run.outcomes.get(id)
  if (before?.status !== "created" && before?.status !== "alreadyTransferred") return
  run.outcomes.set(id, {
    ...before,
    pdfAttached,
    ...(warning === undefined ? {} : { warnings: [...(before.warnings ?? []), warning] })
  })
}

/** A PDF that is not attached: a warning in the run log and on the outcome, never a failure. */
const pdfWarning = (run: TransferRun, id: number, number: string, warning: string) => {
  run.deps.logger?.warn(`transfer: ${warning}`, { number })
  notePdf(run, id, false, warning)
}

/** The booking's ledger record as it is now (this run's, else the ledger's). */
const recordOf = (run: TransferRun, id: number): Effect.Effect<TransferRecord | undefined, LinkError> => {
  const booked = run.bookedRecords.get(id)
  return booked !== undefined
    ? Effect.succeed(booked)
    : Effect.map(fromPort("read the ledger", run.deps.ledger.find(run.deps.linkId, id)), Option.getOrUndefined)
}

/**
 * Attaches the PDF of a booking this run made (entry or sales invoice, whether or not its print
 * succeeded). The ledger hears of it before the journal: a kill between the two leaves the ledger
 * saying "attached", and the next run settles the journal entry (`settleInterrupted`).
 */
const runAttach = Effect.fn("link.transfer.runAttach")(function* (run: TransferRun, op: AttachPdf, id: number) {
  const { deps } = run
  const bookingId = op.booked._tag === "ExistingSalesInvoice" ? op.booked.id : run.results.get(op.booked.opKey)
  if (bookingId === undefined) return
  run.attachTried.add(id)
  const answer = yield* claim(run, op.idempotencyKey)
  if (answer._tag === "AlreadyDone") return
  // A dead run's attempt may have stored our document, with or without its file.
  const existing =
    answer._tag === "Started" && answer.attempt > 1
      ? (yield* ourDocuments(deps, [{ bookingId, number: op.number }])).get(bookingId.toLowerCase())
      : undefined
  const attached =
    existing?.attached === true
      ? { documentId: existing.documentId }
      : yield* attachInvoicePdf(deps, op, yield* accountOf(run, op.account), bookingId, existing?.documentId)
  if ("warning" in attached) {
    pdfWarning(run, id, op.number, attached.warning)
    // Failed, so that the run catching it up claims it again; the booking stands.
    yield* journalPdfFailed(run, op.idempotencyKey, attached.warning)
    return
  }
  const record = yield* recordOf(run, id)
  if (record !== undefined) yield* markPdfAttached(deps, record)
  notePdf(run, id, true)
  yield* fromPort(
    "journal complete",
    deps.journal.complete(deps.linkId, op.idempotencyKey, {
      result: { documentId: attached.documentId },
      at: atOf(run)
    })
  )
})

/**
 * Runs an attachment operation: whatever goes wrong (the journal, the ledger) is a warning on the
 * booking, which stands; the ledger's `pdfAttached: false` makes a later run catch it up.
 */
const runAttachOp = (run: TransferRun, op: AttachPdf): Effect.Effect<void> => {
  const id = op.connectwiseInvoiceId
  // The booking failed: there is nothing to attach to, and its outcome says why.
  if (op.dependsOn.some((key) => run.failedOps.has(key))) return Effect.void
  if (stopped(run)) {
    pdfWarning(run, id, op.number, `the PDF of ${op.number} was not attached: the run was cancelled`)
    return Effect.void
  }
  return caught(orStopped(run.options.stop, runAttach(run, op, id))).pipe(
    Effect.catch((error) => {
      const failure = failureOf(error)
      pdfWarning(run, id, op.number, `the PDF of ${op.number} is not recorded as attached: ${failure.message}`)
      return journalFail(run, op.idempotencyKey, failure)
    })
  )
}

/** An attachment that failed, in the journal (best effort: the booking's outcome carries the warning). */
const journalPdfFailed = (run: TransferRun, opKey: string, warning: string): Effect.Effect<void> =>
  Effect.ignore(
    fromPort(
      "journal fail",
      run.deps.journal.fail(run.deps.linkId, opKey, {
        error: { tag: "PdfNotAttached", message: warning },
        at: atOf(run)
      })
    )
  )

/** Records a failed operation in the journal (best effort: the run's outcome already says it). */
const journalFail = (run: TransferRun, opKey: string, failure: TransferFailure): Effect.Effect<void> =>
  Effect.ignore(
    fromPort(
      "journal fail",
      run.deps.journal.fail(run.deps.linkId, opKey, {
        error: { tag: failure._tag, message: failure.message },
        at: atOf(run)
      })
    )
  )

/** Creates the plan's accounts (those approved), before any invoice. */
const runAccountOps = Effect.fn("link.transfer.runAccountOps")(function* (run: TransferRun) {
  const { onProgress } = run.options
  const accountOps = run.plan.operations.filter((op) => op._tag === "CreateAccount")
  let done = 0
  for (const op of accountOps) {
    // Waiting for a person's approval: nothing is written; its invoices are blocked NeedsCustomer.
    if (op.approved === false && !run.approved.has(op.connectwiseCompanyId)) continue
    if (stopped(run)) {
      run.failedOps.set(op.idempotencyKey, new LinkCancelledError({ message: "the run was cancelled" }))
      continue
    }
    yield* caught(orStopped(run.options.stop, createAccount(run, op))).pipe(
      Effect.tap((accountId) => Effect.sync(() => run.results.set(op.idempotencyKey, accountId))),
      Effect.catch((error) => {
        const failure = failureOf(error, op._tag)
        run.failedOps.set(op.idempotencyKey, failure)
        return journalFail(run, op.idempotencyKey, failure)
      })
    )
    onProgress?.({ phase: "accounts", done: ++done, total: accountOps.length })
  }
})

/** Runs one invoice operation and notes its outcome. */
const runInvoiceOp = Effect.fn("link.transfer.runInvoiceOp")(function* (
  run: TransferRun,
  op: Exclude<TransferPlan["operations"][number], CreateAccount | AttachPdf>
) {
  const id = op.connectwiseInvoiceId
  if (op._tag === "CreateSalesEntry") {
    yield* runEntry(run, op, id)
  } else if (op._tag === "CreateSalesInvoice") {
    const exactInvoiceId = yield* createInvoice(run, op)
    run.results.set(op.idempotencyKey, exactInvoiceId)
    run.outcomes.set(id, {
      status: "created",
      connectwiseInvoiceId: id,
      number: op.yourRef,
      kind: op.kind,
      exactInvoiceId,
      processed: false
    })
  } else {
    const processed = yield* processInvoice(run, op)
    run.results.set(op.idempotencyKey, processed.id)
    const before = run.outcomes.get(id)
    run.outcomes.set(
      id,
      before?.status === "created"
        ? { ...before, processed: true, exactInvoiceNumber: processed.number }
        : {
            status: "processed",
            connectwiseInvoiceId: id,
            number: numberOf(run, id),
            exactInvoiceId: processed.id,
            exactInvoiceNumber: processed.number
          }
    )
  }
})

/** Runs the invoice operations in order; one's failure fails those that depend on it, never the run. */
const runInvoiceOps = Effect.fn("link.transfer.runInvoiceOps")(function* (run: TransferRun) {
  const { onProgress } = run.options
  const invoiceOps = run.plan.operations.filter((op) => op._tag !== "CreateAccount")
  const total = invoiceOps.length
  let done = 0
  for (const op of invoiceOps) {
    if (op._tag === "AttachPdf") {
      yield* runAttachOp(run, op)
      onProgress?.({ phase: "invoices", done: ++done, total })
      continue
    }
    const id = op.connectwiseInvoiceId
    const fail = (failure: TransferFailure) => {
      run.failedOps.set(op.idempotencyKey, failure)
      if (run.outcomes.get(id)?.status !== "failed") {
        run.outcomes.set(id, {
          status: "failed",
          connectwiseInvoiceId: id,
          number: numberOf(run, id),
          step: op._tag,
          failure
        })
      }
    }
    const failedDependency = op.dependsOn.find((key) => run.failedOps.has(key))
    if (failedDependency !== undefined) {
      fail(
        new LinkDependencyFailedError({
          opKey: failedDependency,
          message: `depends on an operation that failed: ${run.failedOps.get(failedDependency)?.message ?? failedDependency}`
        })
      )
    } else if (stopped(run)) {
      fail(new LinkCancelledError({ message: "the run was cancelled before this invoice" }))
    } else {
      yield* caught(orStopped(run.options.stop, runInvoiceOp(run, op))).pipe(
        Effect.catch((error) => {
          const failure = failureOf(error)
          fail(failure)
          run.deps.logger?.error("transfer: operation failed", {
            op: op._tag,
            number: numberOf(run, id),
            error: failure.message
          })
          return journalFail(run, op.idempotencyKey, failure)
        })
      )
    }
    onProgress?.({ phase: "invoices", done: ++done, total })
  }
})

const reportOf = (run: TransferRun): TransferReport => {
  const invoices = [...run.outcomes.values()].sort((a, b) => a.connectwiseInvoiceId - b.connectwiseInvoiceId)
  const counts = { created: 0, processed: 0, alreadyTransferred: 0, blocked: 0, failed: 0, totalDiffers: 0 }
  for (const outcome of invoices) counts[outcome.status]++
  return { runId: run.options.runId, invoices, accountsCreated: run.accountsCreated, counts, plan: run.plan }
}

/** How many PDFs one run catches up at most (the ledger's oldest first): a run stays bounded. */
const PDF_CATCH_UP_LIMIT = 100

const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The Exact account of each ConnectWise company, as the mappings and this run's new accounts say. */
const accountsByCompany = (run: TransferRun): Map<number, string> => {
  const accounts = new Map<number, string>()
  for (const mapping of run.inputs.mappings) {
    if (mapping.kind === "customer" && guidPattern.test(mapping.sourceKey)) {
      accounts.set(mapping.targetId, mapping.sourceKey)
    }
  }
  for (const created of run.accountsCreated) accounts.set(created.connectwiseCompanyId, created.exactAccountId)
  return accounts
}

/** The ledger's bookings still without their PDF (those this run tried excluded), and our documents of them. */
const missingPdfs = Effect.fn("link.transfer.missingPdfs")(function* (run: TransferRun) {
  const { deps } = run
  const pending = yield* fromPort(
    "read the ledger's missing PDFs",
    deps.ledger.pdfsMissing(deps.linkId, { limit: PDF_CATCH_UP_LIMIT })
  )
  const missing = pending.filter((record) => !run.attachTried.has(record.connectwiseInvoiceId))
  if (missing.length === 0) return { missing, documents: new Map<string, BookingDocument>() }
  const documents = yield* ourDocuments(
    deps,
    missing.map((record) => ({ bookingId: record.exactInvoiceId, number: record.connectwiseInvoiceNumber }))
  )
  return { missing, documents }
})

/**
 * Attaches the PDFs earlier runs left missing, whatever their range: the ledger's bookings with
 * `pdfAttached: false` (a run died between the booking and the attachment, or the attachment
 * failed), oldest first and at most {@link PDF_CATCH_UP_LIMIT} per run. Those this run tried
 * itself wait for the next run. Nothing is read from Exact when none is missing; otherwise our
 * documents of those bookings are read in bulk first, so a document a dead run attached (or
 * created without its file) is recorded or completed, never attached a second time. A failure
 * stays a warning.
 */
const catchUpPdfs = Effect.fn("link.transfer.catchUpPdfs")(function* (run: TransferRun) {
  const { deps } = run
  const read = yield* caught(missingPdfs(run)).pipe(
    Effect.catch((error) =>
      Effect.sync(() => {
        // Without knowing what Exact holds, attaching could duplicate: try again next run.
        deps.logger?.warn("transfer: could not read what is needed to attach missing PDFs", {
          error: failureOf(error).message
        })
        return undefined
      })
    )
  )
  if (read === undefined || read.missing.length === 0) return
  const { missing, documents } = read
  const accounts = accountsByCompany(run)
  for (const record of missing) {
    const number = record.connectwiseInvoiceNumber
    yield* caught(catchUpPdf(run, record, documents.get(record.exactInvoiceId.toLowerCase()), accounts)).pipe(
      Effect.catch((error) =>
        Effect.sync(() =>
          pdfWarning(
            run,
            record.connectwiseInvoiceId,
            number,
            `the PDF of ${number} is not recorded as attached: ${failureOf(error).message}`
          )
        )
      )
    )
  }
})

/**
 * Catches up one booking's PDF. When its invoice is in this run's range, under the attachment's
 * own journal entry (claimed, so a concurrent run never attaches it too; a dead run's entry is
 * settled); outside it the invoice's date, and so the key, is unknown, and the document goes
 * without date and account.
 */
const catchUpPdf = Effect.fn("link.transfer.catchUpPdf")(function* (
  run: TransferRun,
  record: TransferRecord,
  found: BookingDocument | undefined,
  accounts: ReadonlyMap<number, string>
) {
  const { deps } = run
  const id = record.connectwiseInvoiceId
  const number = record.connectwiseInvoiceNumber
  const invoice = run.invoiceById.get(id)
  const opKey = invoice === undefined ? undefined : attachPdfKey(deps.linkId, invoice)
  const answer = opKey === undefined ? undefined : yield* claim(run, opKey)
  if (answer?._tag === "InProgress") return
  // Done while this run waited for it, or by a run the ledger did not hear from: look again.
  const existing =
    answer?._tag === "AlreadyDone"
      ? (yield* ourDocuments(deps, [{ bookingId: record.exactInvoiceId, number }])).get(
          record.exactInvoiceId.toLowerCase()
        )
      : found
  let documentId = existing?.documentId
  if (existing?.attached !== true) {
    const target: PdfTarget = { connectwiseInvoiceId: id, number, entryDate: invoice?.date }
    const account = invoice === undefined ? undefined : accounts.get(invoice.companyId)
    const attached = yield* attachInvoicePdf(deps, target, account, record.exactInvoiceId, existing?.documentId)
    if ("warning" in attached) {
      pdfWarning(run, id, number, attached.warning)
      if (answer?._tag === "Started" && opKey !== undefined) yield* journalPdfFailed(run, opKey, attached.warning)
      return
    }
    documentId = attached.documentId
  }
  yield* markPdfAttached(deps, record)
  deps.logger?.info("transfer: attached the PDF an earlier run left missing", { number })
  notePdf(run, id, true)
  if (answer?._tag === "Started" && opKey !== undefined) {
    yield* fromPort(
      "journal complete",
      deps.journal.complete(deps.linkId, opKey, {
        result: documentId === undefined ? {} : { documentId },
        at: atOf(run)
      })
    )
  }
})
