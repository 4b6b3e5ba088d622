import { Effect, type Schema } from "effect"
import { promiseFace } from "../internal/bridge.ts"
import type { LinkApi, LinkRunOptions } from "../Link.ts"
import { LinkError, LinkInvalidInputError } from "../LinkError.ts"
import { Jobs, type RunContext } from "../Runner.ts"
import { type PaymentSyncReport, syncPayments } from "../transfer/Payments.ts"
import { toStoredTransferReport } from "../transfer/StoredTransferReport.ts"
import { previewTransfer, runTransfer, type TransferReport } from "../transfer/Transfer.ts"
import type { TransferRange } from "../transfer/TransferTypes.ts"
import type { LinkContext } from "./context.ts"
import { type LinkPlans, makeLinkPlans } from "./plans.ts"

/**
 * The one-paragraph summary of a transfer the run log and the mail share: the counts, then the
 * invoices whose Exact total differs from ConnectWise's, with both amounts.
 */
export const transferSummary = (report: TransferReport): string => {
  const c = report.counts
  const differs = report.invoices.flatMap((o) =>
    o.status === "totalDiffers"
      ? [`${o.number} (Exact ${o.exactTotal ?? "none"}, ConnectWise ${o.connectwiseTotal})`]
      : []
  )
  const changed = report.invoices.filter((o) => o.status === "alreadyTransferred" && o.changes !== undefined).length
  return [
    `Created ${c.created}, processed ${c.processed}, already transferred ${c.alreadyTransferred}, blocked ${c.blocked}, failed ${c.failed}, total differs ${c.totalDiffers}.`,
    ...(differs.length === 0 ? [] : [`Total differs: ${differs.join("; ")}.`]),
    ...(changed === 0 ? [] : [`${changed} booked invoice(s) changed in ConnectWise since: see the log.`])
  ].join(" ")
}

/** Logs each invoice's outcome of `report` in the run, and counts and summarises them. */
export const reportTransfer = (run: Pick<RunContext, "log" | "count" | "summarize">, report: TransferReport): void => {
  for (const outcome of report.invoices) {
    if (outcome.status === "failed") {
      run.log.error(`invoice ${outcome.number} failed at ${outcome.step}`, { reason: outcome.failure })
    } else if (outcome.status === "blocked") {
      run.log.warn(`invoice ${outcome.number} blocked`, { reasons: outcome.reasons, codes: outcome.codes })
    } else if (outcome.status === "totalDiffers") {
      run.log.warn(
        `invoice ${outcome.number}: Exact booked ${outcome.exactTotal ?? "no amount"}, ConnectWise's total is ${outcome.connectwiseTotal}`,
        { exactInvoiceId: outcome.exactInvoiceId }
      )
    } else if (outcome.status === "alreadyTransferred" && outcome.changes !== undefined) {
      run.log.warn(`invoice ${outcome.number} changed in ConnectWise after it was booked`, {
        changes: outcome.changes
      })
      for (const warning of outcome.warnings ?? []) run.log.warn(warning)
    } else {
      run.log.info(`invoice ${outcome.number} ${outcome.status}`)
      if (outcome.status === "alreadyTransferred" && outcome.pdfAttached === true) {
        run.log.info(`invoice ${outcome.number}: its PDF, missing since it was booked, is attached`)
      }
      if (outcome.status === "created" || outcome.status === "alreadyTransferred") {
        for (const warning of outcome.warnings ?? []) run.log.warn(warning)
      }
    }
  }
  const summary = transferSummary(report)
  const counts = report.counts
  run.count("done", counts.created + counts.processed)
  run.count("skipped", counts.alreadyTransferred)
  run.count("blocked", counts.blocked)
  // A blocked invoice waits for a person; it is not a failure.
  run.count("failed", counts.failed)
  // Booked, but for a person to check: counted on its own so the mail's counts match the summary.
  run.count("totalDiffers", counts.totalDiffers)
  run.summarize(summary)
}

/**
 * Transfers `range` in the run `run`, logging, counting and summarising the outcome. `planRunId` is
 * the run whose stored plan this is (this run's own, or the one a resume finishes).
 */
const transferInRun = Effect.fn("link.transfer.inRun")(function* (
  ctx: LinkContext,
  plans: LinkPlans,
  run: RunContext,
  range: TransferRange,
  approveAccounts: ReadonlyArray<number> | undefined,
  planRunId: string
) {
  // A resume transfers under the plan's run id: its journal claims and ledger records carry it.
  const report = yield* runTransfer(ctx.transferDeps(run.log), range, {
    runId: planRunId,
    onProgress: (event) => run.progress(event),
    // A cancel stops before the next invoice and keeps the report; the runner interrupts the body
    // only if it has not stopped by itself within the grace.
    stop: run.signal,
    approveAccounts
  })
  // Every invoice was tried (transferred, blocked or failed with its reason): the plan is finished.
  yield* plans.finish(run, planRunId)
  reportTransfer(run, report)
  // Kept with the run, so the portal shows each invoice's outcome and Exact number without the log.
  run.keepResult(toStoredTransferReport(report))
  return report
})

/**
 * Resumes the stored transfer of `planRunId` in the run `run`: the same range and approvals, under
 * the plan's run id. Its invoices are keyed on the ConnectWise invoice, so the operations and keys are
 * the first run's; those it left started are looked up in Exact before anything is written.
 */
export const resumeTransfer = Effect.fn("link.transfer.resume")(function* (
  ctx: LinkContext,
  plans: LinkPlans,
  run: RunContext,
  planRunId: string
) {
  const stored = yield* plans.take(run, planRunId)
  const body = (stored.plan as { readonly body?: unknown }).body as
    | { readonly range?: TransferRange; readonly approveAccounts?: ReadonlyArray<number> }
    | undefined
  const range = body?.range
  if (range === undefined || typeof range.from !== "string" || typeof range.to !== "string") {
    return yield* Effect.fail(
      LinkError.of(
        new LinkInvalidInputError({
          record: "StoredPlan",
          field: "plan.body.range",
          message: `the stored plan of run ${planRunId} has no transfer range`
        })
      )
    )
  }
  return yield* transferInRun(ctx, plans, run, range, body?.approveAccounts, planRunId)
})

/** Logs, counts and summarises a payment sync in its run. */
const reportPayments = (run: RunContext, report: PaymentSyncReport): void => {
  for (const outcome of report.invoices) {
    if (outcome.status === "failed") {
      run.log.error(`payment of ${outcome.number} failed`, { reason: outcome.failure })
    } else {
      run.log.info(`invoice ${outcome.number}: ${outcome.status}`)
    }
  }
  const counts = report.counts
  run.count("done", counts.paid + counts["partly-paid"])
  run.count("skipped", counts["already-recorded"] + counts.open + counts.skipped + counts["not-found"])
  run.count("failed", counts.failed)
  run.summarize(
    `Recorded ${counts.paid + counts["partly-paid"]} payments in ConnectWise (${counts["partly-paid"]} partial); ${counts.open} still open, ${counts["already-recorded"]} recorded before, ${counts.failed} failed.`
  )
}

/**
 * Flow B of a link as Effects: preview and run a transfer, sync payments back; runs are logged and
 * mailed, and cancelling one interrupts it (the request in flight is aborted). The promise API is
 * derived from these.
 */
export const transferEffects = (ctx: LinkContext) => {
  const plans = makeLinkPlans(ctx)
  return {
    preview: Effect.fn("link.transfer.preview")(function* (range: TransferRange) {
      return yield* previewTransfer(ctx.transferDeps(), range)
    }),
    run: Effect.fn("link.transfer.run")(function* (
      range: TransferRange,
      runOptions?: LinkRunOptions & { readonly approveAccounts?: ReadonlyArray<number> }
    ) {
      // A run that died part-way left its plan open: resume or abandon it first.
      yield* plans.refuseIfUnfinished()
      const approveAccounts = runOptions?.approveAccounts
      return yield* ctx.runEffect(Jobs.transfer, { range }, runOptions, (run) =>
        Effect.gen(function* () {
          const body = { range, ...(approveAccounts === undefined ? {} : { approveAccounts: [...approveAccounts] }) }
          yield* plans.save(run, { details: { range }, body: body as unknown as Schema.Json })
          return yield* transferInRun(ctx, plans, run, range, approveAccounts, run.runId)
        })
      )
    }),
    syncPayments: Effect.fn("link.transfer.syncPayments")(function* (runOptions?: LinkRunOptions) {
      return yield* ctx.runEffect(Jobs.syncPayments, {}, runOptions, (run) =>
        syncPayments(ctx.transferDeps(run.log), {
          runId: run.runId,
          onProgress: (event) => run.progress(event),
          stop: run.signal
        }).pipe(Effect.tap((report) => Effect.sync(() => reportPayments(run, report))))
      )
    })
  }
}

/** Flow B of a link: the promise face of `transferEffects`. */
export const makeTransfer = (ctx: LinkContext): LinkApi["transfer"] => promiseFace("transfer", transferEffects(ctx))
