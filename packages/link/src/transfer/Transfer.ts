import type { SalesInvoiceDraft } from "@psa-ledger/exact-client"
import { odata, SalesInvoice } from "@psa-ledger/exact-client"
import {
  type AttachPdf,
  attachPdfKey,
  type CreateAccount,
  type CreateSalesEntry,
  type CreateSalesInvoice,
  Mapping,
  type ProcessSalesInvoice,
  planInvoiceTransfer,
  salesInvoiceCreateKey,
  salesInvoiceProcessKey,
  TransferPlan,
  TransferRecord
} from "@psa-ledger/reconcile-core"
import { BigDecimal, DateTime, Option, type Schema } from "effect"
import { runPort } from "../internal/bridge.ts"
import { chunks, EXACT_TERMS_PER_FILTER } from "../internal/chunk.ts"
import { asJournalClaim, claimOperation, startHeartbeat } from "../internal/claims.ts"
import { LinkCancelledError, LinkDependencyFailedError } from "../LinkError.ts"
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
import { exactAccountCode, failureOf, nowOf } from "./internal.ts"
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
  /** Cancels the run between operations; what is left is reported `failed` with `Aborted`. */
  readonly signal?: AbortSignal | undefined
  /**
   * ConnectWise companies whose new Exact account a person approved for this run (with the
   * default `createAccounts: "ask"`, no account is created otherwise).
   */
  readonly approveAccounts?: ReadonlyArray<number> | undefined
}

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
 * const plan = await previewTransfer(deps, { from: "2026-01-01", to: "2026-02-01" })
 * for (const blocked of plan.blocked) console.log(blocked.number, blocked.reasons.join("; "))
 * ```
 *
 * @since 0.1.0
 */
export const previewTransfer = async (
  deps: TransferDeps,
  range: TransferRange,
  options: { readonly onProgress?: ((event: TransferProgress) => void) | undefined } = {}
): Promise<TransferPlan> => planOf(deps, await loadTransferInputs(deps, range, options))

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
 * does not stop the others. A second run creates nothing.
 *
 * @example
 * ```ts
 * const report = await runTransfer(deps, { from: "2026-01-01", to: "2026-02-01" }, { runId: "run-42" })
 * report.counts // { created: 41, processed: 0, alreadyTransferred: 3, blocked: 1, failed: 0, totalDiffers: 0 }
 * ```
 *
 * @since 0.1.0
 */
export const runTransfer = async (
  deps: TransferDeps,
  range: TransferRange,
  options: RunTransferOptions
): Promise<TransferReport> => {
  // The run's claims stay live while it works, and only while it works.
  const stopHeartbeat = startHeartbeat(claimDepsOf(deps, options))
  try {
    return await transferOnce(deps, range, options)
  } finally {
    stopHeartbeat()
  }
}

const claimDepsOf = (deps: TransferDeps, options: RunTransferOptions) => ({
  journal: deps.journal,
  linkId: deps.linkId,
  runId: options.runId,
  now: () => nowOf(deps).getTime(),
  signal: options.signal,
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

const transferOnce = async (
  deps: TransferDeps,
  range: TransferRange,
  options: RunTransferOptions
): Promise<TransferReport> => {
  const inputs = await loadTransferInputs(deps, range, { onProgress: options.onProgress })
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
  await catchUpLedger(run)
  await settleInterrupted(run)
  await runAccountOps(run)
  await runInvoiceOps(run)
  if (!run.entryMode && !options.signal?.aborted) await readPrintedNumbers(run)
  if (run.attachPdf && !options.signal?.aborted) await catchUpPdfs(run)
  return reportOf(run)
}

const atOf = (run: TransferRun) => DateTime.makeUnsafe(nowOf(run.deps))

/**
 * Invoice mode: the numbers Exact gave the invoices this run printed, for the report and the
 * ledger. Exact's print answers without the number, so they are read back by id in bulk (one
 * call per 40 invoices, not one each). A failed read is a warning: the invoices are booked.
 */
const readPrintedNumbers = async (run: TransferRun): Promise<void> => {
  const printed = [...run.outcomes.values()].flatMap((o) =>
    ((o.status === "created" && o.processed) || o.status === "processed") && o.exactInvoiceNumber === undefined
      ? [o]
      : []
  )
  const { deps } = run
  for (const part of chunks(printed, EXACT_TERMS_PER_FILTER)) {
    try {
      const found = await deps.exact.listAll("salesinvoice/SalesInvoices", {
        bulk: true,
        select: ["InvoiceID", "InvoiceNumber"],
        schema: SalesInvoice,
        filter: odata.or(...part.map((o) => odata.eq("InvoiceID", odata.guid(o.exactInvoiceId))))
      })
      const numberOf = new Map(found.map((invoice) => [invoice.InvoiceID, invoice.InvoiceNumber ?? undefined]))
      for (const outcome of part) {
        const number = numberOf.get(outcome.exactInvoiceId)
        if (number === undefined) continue
        run.outcomes.set(outcome.connectwiseInvoiceId, { ...outcome, exactInvoiceNumber: number })
        const record = await runPort("read the ledger", deps.ledger.find(deps.linkId, outcome.connectwiseInvoiceId))
        if (record._tag === "Some") {
          await runPort(
            "record the transfer",
            deps.ledger.record(
              deps.linkId,
              new TransferRecord({ ...record.value, exactInvoiceNumber: String(number), updatedAt: atOf(run) })
            )
          )
        }
      }
    } catch (error) {
      deps.logger?.warn("transfer: could not read the numbers Exact gave the printed invoices", {
        error: error instanceof Error ? error.message : String(error)
      })
    }
  }
}

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
const adopt = async (run: TransferRun, invoiceId: number, exactInvoiceId: string, status: "created" | "processed") => {
  const { deps, inputs } = run
  const invoice = run.invoiceById.get(invoiceId)
  if (invoice === undefined || inputs.ledger.has(invoiceId)) return
  const found = inputs.exactInvoices.get(invoice.number.trim())
  const total = found?.amount === undefined ? undefined : BigDecimal.fromString(found.amount)
  const now = atOf(run)
  await runPort(
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
}

/** Skipped invoices Exact has printed or holds, but the ledger does not know so: the ledger catches up. */
const catchUpLedger = async (run: TransferRun): Promise<void> => {
  const { deps, inputs } = run
  for (const skip of run.plan.skipped) {
    const found = inputs.exactInvoices.get(skip.number.trim())
    const recorded = inputs.ledger.get(skip.connectwiseInvoiceId)
    // Printed in Exact, but the run was stopped before the ledger heard of it: catch the ledger up.
    if (found !== undefined && found.status >= 50 && recorded?.status === "created") {
      try {
        await runPort(
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
      } catch (error) {
        deps.logger?.warn("transfer: could not record an invoice Exact has processed", {
          number: skip.number,
          error: failureOf(error).message
        })
      }
    }
    if (found !== undefined && recorded === undefined) {
      try {
        await adopt(run, skip.connectwiseInvoiceId, skip.exactInvoiceId, found.status >= 50 ? "processed" : "created")
      } catch (error) {
        deps.logger?.warn("transfer: could not adopt an invoice Exact already has", {
          number: skip.number,
          error: failureOf(error).message
        })
      }
    }
  }
}

/**
 * Operations interrupted after Exact accepted them are planned no more: a create whose invoice is
 * found (by YourRef or in the ledger), a print of an invoice Exact has processed (the plan skips
 * it). Their journal entries are closed with what they made, so the journal tells the truth.
 */
const settleInterrupted = async (run: TransferRun): Promise<void> => {
  const { deps } = run
  const linkId = deps.linkId
  const settle = async (opKey: string, result: Schema.Json, number: string) => {
    try {
      const entry = await runPort("journal get", deps.journal.get(linkId, opKey))
      if (entry._tag === "Some" && entry.value.status === "started") {
        await runPort("journal complete", deps.journal.complete(linkId, opKey, { result, at: atOf(run) }))
      }
    } catch (error) {
      deps.logger?.warn("transfer: could not settle an interrupted operation in the journal", {
        number,
        error: failureOf(error).message
      })
    }
  }
  for (const skip of run.plan.skipped) {
    const invoice = run.invoiceById.get(skip.connectwiseInvoiceId)
    if (invoice === undefined) continue
    await settle(salesInvoiceCreateKey(linkId, invoice), { invoiceId: skip.exactInvoiceId }, invoice.number)
    await settle(salesInvoiceProcessKey(linkId, invoice), { invoiceId: skip.exactInvoiceId }, invoice.number)
  }
  for (const op of run.plan.operations) {
    if (op._tag !== "ProcessSalesInvoice" || op.invoice._tag !== "ExistingSalesInvoice") continue
    const invoice = run.invoiceById.get(op.connectwiseInvoiceId)
    if (invoice === undefined) continue
    await settle(salesInvoiceCreateKey(linkId, invoice), { invoiceId: op.invoice.id }, invoice.number)
  }
}

/** Claims an operation in the journal; `AlreadyDone` means it was done before (with its result). */
const claim = async (run: TransferRun, opKey: string) =>
  // One writer per operation: a live run's claim is waited for, a dead run's taken over (then the
  // YourRef / code lookups check Exact before writing again).
  asJournalClaim(await claimOperation(claimDepsOf(run.deps, run.options), opKey))

/** The next free numeric code of the settings' range (one read per run). */
const nextAccountCode = async (run: TransferRun): Promise<string> => {
  const { deps } = run
  const range = deps.settings.transfer?.accountCodes ?? { from: 100_000, to: 999_999 }
  if (run.lastCode === undefined) {
    const [highest] = await deps.exact.listAll("crm/Accounts", {
      filter: odata.and(
        odata.ge("Code", exactAccountCode(String(range.from))),
        odata.le("Code", exactAccountCode(String(range.to)))
      ),
      select: ["ID", "Code"],
      orderby: "Code desc",
      top: 1
    })
    const code = typeof highest?.Code === "string" ? Number(highest.Code.trim()) : Number.NaN
    run.lastCode = Number.isSafeInteger(code) ? code : range.from - 1
  }
  run.lastCode += 1
  if (run.lastCode > range.to) throw new Error(`no free account code left in ${range.from}–${range.to}`)
  return String(run.lastCode)
}

const createAccount = async (run: TransferRun, op: CreateAccount): Promise<string> => {
  const { deps } = run
  const answer = await claim(run, op.idempotencyKey)
  if (answer._tag === "AlreadyDone") {
    const id = resultId(answer.result, "accountId")
    if (id !== undefined) return id
  }
  // On a retry, the account may exist from the attempt that crashed.
  let accountId: string | undefined
  if (answer._tag === "Started" && answer.attempt > 1) {
    const [existing] = await deps.exact.listAll("crm/Accounts", {
      filter: odata.eq("Code", exactAccountCode(op.code)),
      select: ["ID", "Code"]
    })
    accountId = typeof existing?.ID === "string" ? existing.ID : undefined
  }
  if (accountId === undefined) {
    const code = run.entryMode ? await nextAccountCode(run) : op.code
    const account = await deps.exact.createAccount({
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
    })
    accountId = account.ID
  }
  await runPort(
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
  await runPort(
    "journal complete",
    deps.journal.complete(deps.linkId, op.idempotencyKey, { result: { accountId }, at: atOf(run) })
  )
  return accountId
}

const createInvoice = async (run: TransferRun, op: CreateSalesInvoice): Promise<string> => {
  const { deps } = run
  const answer = await claim(run, op.idempotencyKey)
  if (answer._tag === "AlreadyDone") {
    const id = resultId(answer.result, "invoiceId")
    if (id !== undefined) return id
  }
  const accountId = op.account._tag === "ExistingAccount" ? op.account.id : run.results.get(op.account.opKey)
  if (accountId === undefined) throw new Error(`the account of ${op.yourRef} was not created`)
  // The load read Exact's invoices by YourRef in bulk, so a first attempt needs no look-up of its
  // own; a resumed one (an earlier process may have posted it since) looks first.
  const { invoice, created } = await deps.exact.createSalesInvoice(draftOf(op, accountId), {
    yourRef: op.yourRef,
    lookupFirst: !(answer._tag === "Started" && answer.attempt === 1)
  })
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
  await runPort("record the transfer", deps.ledger.record(deps.linkId, record))
  run.bookedRecords.set(op.connectwiseInvoiceId, record)
  await runPort(
    "journal complete",
    deps.journal.complete(deps.linkId, op.idempotencyKey, {
      result: { invoiceId: invoice.InvoiceID, created },
      at: atOf(run)
    })
  )
  return invoice.InvoiceID
}

const processInvoice = async (
  run: TransferRun,
  op: ProcessSalesInvoice
): Promise<{ id: string; number: number | undefined }> => {
  const { deps } = run
  const linkId = deps.linkId
  const invoiceId = op.invoice._tag === "ExistingSalesInvoice" ? op.invoice.id : run.results.get(op.invoice.opKey)
  if (invoiceId === undefined) throw new Error("the invoice to process was not created")
  const answer = await claim(run, op.idempotencyKey)
  if (answer._tag === "AlreadyDone") return { id: invoiceId, number: undefined }
  let number: number | undefined
  let done = false
  if (answer._tag === "Started" && answer.attempt > 1) {
    // The crashed attempt may have printed it: Exact refuses to print twice.
    const [current] = await deps.exact.listAll("salesinvoice/SalesInvoices", {
      filter: odata.eq("InvoiceID", odata.guid(invoiceId)),
      select: ["InvoiceID", "InvoiceNumber", "Status"],
      schema: SalesInvoice
    })
    if (current?.Status === 50) {
      done = true
      number = current.InvoiceNumber ?? undefined
    }
  }
  if (!done) {
    const processed = await deps.exact.processSalesInvoice(invoiceId, { invoiceDate: toDate(op.invoiceDate) })
    number = processed.InvoiceNumber
  }
  const existing = await runPort("read the ledger", deps.ledger.find(linkId, op.connectwiseInvoiceId))
  const invoice = run.invoiceById.get(op.connectwiseInvoiceId)
  if (existing._tag === "Some") {
    const record = new TransferRecord({
      ...existing.value,
      status: existing.value.status === "paid" ? "paid" : "processed",
      ...(number === undefined ? {} : { exactInvoiceNumber: String(number) }),
      updatedAt: atOf(run)
    })
    await runPort("record the transfer", deps.ledger.record(linkId, record))
    // The attachment after the print starts from this record, not the one the create wrote.
    run.bookedRecords.set(op.connectwiseInvoiceId, record)
  } else if (invoice !== undefined) {
    await adopt(run, op.connectwiseInvoiceId, invoiceId, "processed")
  }
  await runPort(
    "journal complete",
    deps.journal.complete(linkId, op.idempotencyKey, {
      result: { invoiceId, ...(number === undefined ? {} : { invoiceNumber: number }) },
      at: atOf(run)
    })
  )
  return { id: invoiceId, number }
}

const accountOf = (run: TransferRun, account: CreateSalesEntry["account"]): string => {
  const accountId = account._tag === "ExistingAccount" ? account.id : run.results.get(account.opKey)
  if (accountId === undefined) throw new Error("the customer's account was not created")
  return accountId
}

const runEntry = async (run: TransferRun, op: CreateSalesEntry, id: number) => {
  const { deps } = run
  const answer = await claim(run, op.idempotencyKey)
  const done = answer._tag === "AlreadyDone" ? resultField(answer.result, "entryId") : undefined
  if (done !== undefined) {
    run.results.set(op.idempotencyKey, done)
    return
  }
  const booked = await bookEntry(deps, op, accountOf(run, op.account), run.options.runId, run.attachPdf)
  run.bookedRecords.set(id, booked.record)
  run.results.set(op.idempotencyKey, booked.entryId)
  await runPort(
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
}

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
const recordOf = async (run: TransferRun, id: number): Promise<TransferRecord | undefined> =>
  run.bookedRecords.get(id) ??
  Option.getOrUndefined(await runPort("read the ledger", run.deps.ledger.find(run.deps.linkId, id)))

/**
 * Attaches the PDF of a booking this run made (entry or sales invoice, whether or not its print
 * succeeded). The ledger hears of it before the journal: a kill between the two leaves the ledger
 * saying "attached", and the journal entry is settled by the claim on a resume.
 */
const runAttach = async (run: TransferRun, op: AttachPdf, id: number) => {
  const { deps } = run
  const bookingId = op.booked._tag === "ExistingSalesInvoice" ? op.booked.id : run.results.get(op.booked.opKey)
  if (bookingId === undefined) return
  run.attachTried.add(id)
  const answer = await claim(run, op.idempotencyKey)
  if (answer._tag === "AlreadyDone") return
  // A dead run's attempt may have stored our document, with or without its file.
  const existing =
    answer._tag === "Started" && answer.attempt > 1
      ? (await ourDocuments(deps, [{ bookingId, number: op.number }])).get(bookingId.toLowerCase())
      : undefined
  const attached =
    existing?.attached === true
      ? { documentId: existing.documentId }
      : await attachInvoicePdf(deps, op, accountOf(run, op.account), bookingId, existing?.documentId)
  if ("warning" in attached) {
    pdfWarning(run, id, op.number, attached.warning)
    // Failed, so that the run catching it up claims it again; the booking stands.
    await journalPdfFailed(run, op.idempotencyKey, attached.warning)
    return
  }
  const record = await recordOf(run, id)
  if (record !== undefined) await markPdfAttached(deps, record)
  notePdf(run, id, true)
  await runPort(
    "journal complete",
    deps.journal.complete(deps.linkId, op.idempotencyKey, {
      result: { documentId: attached.documentId },
      at: atOf(run)
    })
  )
}

/**
 * Runs an attachment operation: whatever goes wrong (the journal, the ledger, a cancelled run) is
 * a warning on the booking, which stands; the ledger's `pdfAttached: false` makes a later run
 * catch it up.
 */
const runAttachOp = async (run: TransferRun, op: AttachPdf): Promise<void> => {
  const id = op.connectwiseInvoiceId
  // The booking failed: there is nothing to attach to, and its outcome says why.
  if (op.dependsOn.some((key) => run.failedOps.has(key))) return
  if (run.options.signal?.aborted) {
    pdfWarning(run, id, op.number, `the PDF of ${op.number} was not attached: the run was cancelled`)
    return
  }
  try {
    await runAttach(run, op, id)
  } catch (error) {
    const failure = failureOf(error)
    pdfWarning(run, id, op.number, `the PDF of ${op.number} is not recorded as attached: ${failure.message}`)
    await journalFail(run, op.idempotencyKey, failure)
  }
}

/** An attachment that failed, in the journal (best effort: the booking's outcome carries the warning). */
const journalPdfFailed = async (run: TransferRun, opKey: string, warning: string) => {
  await runPort(
    "journal fail",
    run.deps.journal.fail(run.deps.linkId, opKey, { error: { tag: "PdfNotAttached", message: warning }, at: atOf(run) })
  ).catch(() => undefined)
}

/** Records a failed operation in the journal (best effort: the run's outcome already says it). */
const journalFail = async (run: TransferRun, opKey: string, failure: TransferFailure) => {
  await runPort(
    "journal fail",
    run.deps.journal.fail(run.deps.linkId, opKey, {
      error: { tag: failure._tag, message: failure.message },
      at: atOf(run)
    })
  ).catch(() => undefined)
}

/** Creates the plan's accounts (those approved), before any invoice. */
const runAccountOps = async (run: TransferRun): Promise<void> => {
  const { signal, onProgress } = run.options
  const accountOps = run.plan.operations.filter((op) => op._tag === "CreateAccount")
  let done = 0
  for (const op of accountOps) {
    // Waiting for a person's approval: nothing is written; its invoices are blocked NeedsCustomer.
    if (op.approved === false && !run.approved.has(op.connectwiseCompanyId)) continue
    if (signal?.aborted) {
      run.failedOps.set(op.idempotencyKey, new LinkCancelledError({ message: "the run was cancelled" }))
      continue
    }
    try {
      run.results.set(op.idempotencyKey, await createAccount(run, op))
    } catch (error) {
      const failure = failureOf(error, op._tag)
      run.failedOps.set(op.idempotencyKey, failure)
      await journalFail(run, op.idempotencyKey, failure)
    }
    onProgress?.({ phase: "accounts", done: ++done, total: accountOps.length })
  }
}

/** Runs one invoice operation and notes its outcome. */
const runInvoiceOp = async (
  run: TransferRun,
  op: Exclude<TransferPlan["operations"][number], CreateAccount | AttachPdf>
) => {
  const id = op.connectwiseInvoiceId
  if (op._tag === "CreateSalesEntry") {
    await runEntry(run, op, id)
  } else if (op._tag === "CreateSalesInvoice") {
    const exactInvoiceId = await createInvoice(run, op)
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
    const processed = await processInvoice(run, op)
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
}

/** Runs the invoice operations in order; one's failure fails those that depend on it, never the run. */
const runInvoiceOps = async (run: TransferRun): Promise<void> => {
  const { signal, onProgress } = run.options
  const invoiceOps = run.plan.operations.filter((op) => op._tag !== "CreateAccount")
  const total = invoiceOps.length
  let done = 0
  for (const op of invoiceOps) {
    if (op._tag === "AttachPdf") {
      await runAttachOp(run, op)
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
    } else if (signal?.aborted) {
      fail(new LinkCancelledError({ message: "the run was cancelled before this invoice" }))
    } else {
      try {
        await runInvoiceOp(run, op)
      } catch (error) {
        const failure = failureOf(error)
        fail(failure)
        run.deps.logger?.error("transfer: operation failed", {
          op: op._tag,
          number: numberOf(run, id),
          error: failure.message
        })
        await journalFail(run, op.idempotencyKey, failure)
      }
    }
    onProgress?.({ phase: "invoices", done: ++done, total })
  }
}

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

/**
 * Attaches the PDFs earlier runs left missing, whatever their range: the ledger's bookings with
 * `pdfAttached: false` (a run died between the booking and the attachment, or the attachment
 * failed), oldest first and at most {@link PDF_CATCH_UP_LIMIT} per run. Those this run tried
 * itself wait for the next run. Nothing is read from Exact when none is missing; otherwise our
 * documents of those bookings are read in bulk first, so a document a dead run attached (or
 * created without its file) is recorded or completed, never attached a second time. A failure
 * stays a warning.
 */
const catchUpPdfs = async (run: TransferRun): Promise<void> => {
  const { deps } = run
  let missing: ReadonlyArray<TransferRecord>
  let documents: Map<string, BookingDocument>
  try {
    const pending = await runPort(
      "read the ledger's missing PDFs",
      deps.ledger.pdfsMissing(deps.linkId, { limit: PDF_CATCH_UP_LIMIT })
    )
    missing = pending.filter((record) => !run.attachTried.has(record.connectwiseInvoiceId))
    if (missing.length === 0) return
    documents = await ourDocuments(
      deps,
      missing.map((record) => ({ bookingId: record.exactInvoiceId, number: record.connectwiseInvoiceNumber }))
    )
  } catch (error) {
    // Without knowing what Exact holds, attaching could duplicate: try again next run.
    deps.logger?.warn("transfer: could not read what is needed to attach missing PDFs", {
      error: failureOf(error).message
    })
    return
  }
  const accounts = accountsByCompany(run)
  for (const record of missing) {
    const number = record.connectwiseInvoiceNumber
    try {
      await catchUpPdf(run, record, documents.get(record.exactInvoiceId.toLowerCase()), accounts)
    } catch (error) {
      pdfWarning(
        run,
        record.connectwiseInvoiceId,
        number,
        `the PDF of ${number} is not recorded as attached: ${failureOf(error).message}`
      )
    }
  }
}

/**
 * Catches up one booking's PDF. When its invoice is in this run's range, under the attachment's
 * own journal entry (claimed, so a concurrent run never attaches it too; a dead run's entry is
 * settled); outside it the invoice's date, and so the key, is unknown, and the document goes
 * without date and account.
 */
const catchUpPdf = async (
  run: TransferRun,
  record: TransferRecord,
  found: BookingDocument | undefined,
  accounts: ReadonlyMap<number, string>
): Promise<void> => {
  const { deps } = run
  const id = record.connectwiseInvoiceId
  const number = record.connectwiseInvoiceNumber
  const invoice = run.invoiceById.get(id)
  const opKey = invoice === undefined ? undefined : attachPdfKey(deps.linkId, invoice)
  const answer = opKey === undefined ? undefined : await claim(run, opKey)
  if (answer?._tag === "InProgress") return
  // Done while this run waited for it, or by a run the ledger did not hear from: look again.
  const existing =
    answer?._tag === "AlreadyDone"
      ? (await ourDocuments(deps, [{ bookingId: record.exactInvoiceId, number }])).get(
          record.exactInvoiceId.toLowerCase()
        )
      : found
  let documentId = existing?.documentId
  if (existing?.attached !== true) {
    const target: PdfTarget = { connectwiseInvoiceId: id, number, entryDate: invoice?.date }
    const account = invoice === undefined ? undefined : accounts.get(invoice.companyId)
    const attached = await attachInvoicePdf(deps, target, account, record.exactInvoiceId, existing?.documentId)
    if ("warning" in attached) {
      pdfWarning(run, id, number, attached.warning)
      if (answer?._tag === "Started" && opKey !== undefined) await journalPdfFailed(run, opKey, attached.warning)
      return
    }
    documentId = attached.documentId
  }
  await markPdfAttached(deps, record)
  deps.logger?.info("transfer: attached the PDF an earlier run left missing", { number })
  notePdf(run, id, true)
  if (answer?._tag === "Started" && opKey !== undefined) {
    await runPort(
      "journal complete",
      deps.journal.complete(deps.linkId, opKey, {
        result: documentId === undefined ? {} : { documentId },
        at: atOf(run)
      })
    )
  }
}
