import { createExactClient, type ExactClient } from "@psa-ledger/exact-client"
import { Decisions, RunStore } from "@psa-ledger/reconcile-core"
import { DateTime, Effect } from "effect"
import type { CreateLinkOptions, DecisionsInput, LinkRunOptions, LinkRunResult } from "../Link.ts"
import type { LinkError } from "../LinkError.ts"
import {
  CANCEL_GRACE_MS,
  type RunContext,
  RunIds,
  type RunRequest,
  RunSettings,
  type RunTapEvent,
  runJob
} from "../Runner.ts"
import { type InvoiceSource, type InvoiceSourceSettings, SalesSourceSettings } from "../reconciliation/InvoiceSource.ts"
import { invoiceSourceFor } from "../reconciliation/Source.ts"
import type { TransferDeps } from "../transfer/TransferTypes.ts"

/**
 * What every area of a link shares: its options with their defaults, the Exact client on the
 * link's own token chain (built on first use), the invoice source, the runner, and the helpers that
 * turn a job body into a run.
 */
export interface LinkContext {
  readonly options: CreateLinkOptions
  readonly linkId: string
  readonly clock: () => number
  readonly actor: string
  exact(): ExactClient
  source(): InvoiceSource
  decisionsOf(input: DecisionsInput, by: string | undefined): Decisions
  transferDeps(log?: RunContext["log"]): TransferDeps
  /**
   * Runs a job's Effect body as a run of the link (`runJob`): recorded, logged, mailed, under the
   * link's lease. A cancel fires `ctx.signal`; the body is interrupted if it has not stopped by
   * itself within `CANCEL_GRACE_MS`.
   */
  runEffect<A>(
    job: string,
    details: Readonly<Record<string, unknown>>,
    runOptions: LinkRunOptions | undefined,
    body: (ctx: RunContext) => Effect.Effect<A, LinkError>
  ): Effect.Effect<LinkRunResult<A>, LinkError>
}

const isInvoiceSource = (source: InvoiceSourceSettings | InvoiceSource): source is InvoiceSource =>
  typeof (source as InvoiceSource).lines === "function"

/** The context of the link `options` describe. */
export const makeLinkContext = (options: CreateLinkOptions): LinkContext => {
  const { id: linkId, storage, settings } = options
  const clock = options.now ?? Date.now
  const actor = options.actor ?? "psa-ledger"
  const logger = options.logger
  // The token store is the link's own, asked for by the link's id; built on first use, so a link
  // that never calls Exact (a CSV source, no transfer) needs no token key.
  let exactClient: ExactClient | undefined
  const exact = (): ExactClient => {
    // The division's error count is the storage's, so every worker sees one count.
    const errorBudget = options.exact.errorBudget ?? storage.errorBudget
    exactClient ??= createExactClient({
      ...options.exact,
      tokens: storage.tokens(linkId),
      ...(errorBudget === undefined ? {} : { errorBudget })
    })
    return exactClient
  }
  const sourceOption = options.source ?? new SalesSourceSettings({ kind: "sales" })
  let source: InvoiceSource | undefined
  const sourceOf = (): InvoiceSource => {
    source ??= isInvoiceSource(sourceOption)
      ? sourceOption
      : invoiceSourceFor(sourceOption, {
          ...(sourceOption.kind === "csv" ? {} : { exact: exact() }),
          readCsv: options.readCsv,
          now: clock
        })
    return source
  }
  const tap = (event: RunTapEvent) => {
    if (logger === undefined) return
    if (event._tag === "LogWriteFailed") {
      logger.warn("run log entries could not be written", { runId: event.runId, error: event.error.message })
      return
    }
    const { level, message, fields } = event.entry
    const entryFields = { runId: event.runId, ...(fields ?? {}) }
    if (level === "debug") logger.debug?.(message, entryFields)
    else logger[level](message, entryFields)
  }
  // The runner's settings for Effect bodies: a cancelled flow stops by itself before its next
  // invoice (keeping its report) and is interrupted only if it has not within the grace.
  const runSettings = RunSettings.layer({
    cancelGraceMs: CANCEL_GRACE_MS,
    ...(options.mailer === undefined ? {} : { mailer: options.mailer }),
    ...(storage.leases === undefined ? {} : { leases: storage.leases }),
    ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
    ...(logger === undefined ? {} : { tap })
  })
  const requestOf = (
    job: string,
    details: Readonly<Record<string, unknown>>,
    runOptions: LinkRunOptions | undefined
  ): RunRequest => ({
    linkId,
    job,
    details,
    trigger: runOptions?.trigger ?? "manual",
    onProgress: runOptions?.onProgress,
    signal: runOptions?.signal,
    note: runOptions?.note,
    wait: runOptions?.wait,
    onStart: runOptions?.onStart,
    retryFollows: runOptions?.retryFollows,
    mailTo: options.mailTo,
    linkName: options.name ?? linkId
  })

  return {
    options,
    linkId,
    clock,
    actor,
    exact,
    source: sourceOf,
    decisionsOf: (input, by) =>
      input instanceof Decisions
        ? input
        : new Decisions({
            linkId,
            decidedBy: by ?? actor,
            decidedAt: DateTime.makeUnsafe(clock()),
            rows: { ...input }
          }),
    transferDeps: (log) => ({
      linkId,
      exact: exact(),
      connectwise: options.connectwise,
      ledger: storage.transfers,
      journal: storage.journal,
      mappings: storage.mappings,
      settings,
      now: () => new Date(clock()),
      ...(log === undefined ? {} : { logger: log }),
      ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
      actor
    }),
    runEffect: (job, details, runOptions, body) => {
      const ids = options.ids
      return runJob(requestOf(job, details, runOptions), body).pipe(
        Effect.map((result) => ({ ...result, runId: result.run.id, report: result.value })),
        Effect.provideService(RunStore, storage.runs),
        Effect.provide(runSettings),
        ids === undefined ? (effect) => effect : Effect.provideService(RunIds, { next: ids })
      )
    }
  }
}
