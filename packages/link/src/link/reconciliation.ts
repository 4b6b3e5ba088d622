import { ChangePlan, decideAll, planConfirmed, summary } from "@psa-ledger/reconcile-core"
import { Effect, Schema } from "effect"
import { fromPromise, promiseFace, runLink } from "../internal/bridge.ts"
import type { DecisionsInput, LinkApi, LinkRunOptions, ReconciliationPlan } from "../Link.ts"
import { LinkError, LinkInvalidInputError } from "../LinkError.ts"
import { type ProgressListener, safeListener } from "../Progress.ts"
import { Jobs, type RunContext } from "../Runner.ts"
import { applyPlan } from "../reconciliation/Apply.ts"
import type { InvoiceMonth } from "../reconciliation/InvoiceSource.ts"
import { type LoadedMonth, loadMonth } from "../reconciliation/LoadMonth.ts"
import { toStoredApplyReport } from "../reconciliation/StoredApplyReport.ts"
import type { LinkContext } from "./context.ts"
import { type LinkPlans, makeLinkPlans } from "./plans.ts"

const encodePlan = Schema.encodeSync(ChangePlan)
const decodePlan = Schema.decodeUnknownSync(ChangePlan)

/**
 * Applies `changes` in the run `run` and logs, counts and summarises the outcome. `planRunId` is the
 * run whose stored plan this is (this run's own, or the one a resume finishes).
 */
const applyInRun = Effect.fn("link.reconciliation.applyInRun")(function* (
  ctx: LinkContext,
  plans: LinkPlans,
  run: RunContext,
  changes: ChangePlan,
  month: string | undefined,
  planRunId: string
) {
  const { linkId, options } = ctx
  const report = yield* applyPlan(
    {
      linkId,
      connectwise: options.connectwise,
      mappings: options.storage.mappings,
      journal: options.storage.journal,
      now: ctx.clock,
      agreementContact: options.agreementContact,
      leaseMs: options.leaseMs
    },
    changes,
    {
      runId: run.runId,
      ...(planRunId === run.runId ? {} : { claimAs: planRunId }),
      onProgress: (event) => run.progress(event),
      // A cancel stops before the next operation and keeps the report (see `CANCEL_GRACE_MS`).
      signal: run.signal,
      concurrency: options.concurrency
    }
  )
  // The typed report stays with the run: what each operation did is read from it, not from the log.
  run.keepResult(toStoredApplyReport(report))
  for (const operation of report.operations) {
    if (operation.status === "failed") {
      run.log.error(`${operation.op} failed`, { key: operation.key, reason: operation.reason })
    } else if (operation.status === "skipped") {
      run.log.info(`${operation.op} skipped: ${operation.reason.message}`, { key: operation.key })
    } else {
      run.log.info(`${operation.op} done${operation.recovered ? " (found written by an earlier run)" : ""}`, {
        key: operation.key,
        result: operation.result
      })
    }
  }
  // Every operation was tried (done, skipped or failed with its reason): the plan is finished.
  yield* plans.finish(run, planRunId)
  run.count("done", report.counts.done)
  run.count("skipped", report.counts.skipped)
  run.count("failed", report.counts.failed)
  run.summarize(
    `Applied ${report.counts.done} of ${changes.operations.length} changes${month === undefined ? "" : ` for ${month}`}${planRunId === run.runId ? "" : ` (resuming run ${planRunId})`}; ${report.counts.skipped} skipped, ${report.counts.failed} failed.`
  )
  return report
})

/** Resumes the stored apply plan of `planRunId` in the run `run`. */
export const resumeApply = Effect.fn("link.reconciliation.resume")(function* (
  ctx: LinkContext,
  plans: LinkPlans,
  run: RunContext,
  planRunId: string
) {
  const stored = yield* plans.take(run, planRunId)
  const body = stored.plan as { readonly body?: unknown; readonly details?: { readonly month?: unknown } }
  const changes = yield* Effect.try({
    try: () => decodePlan(body.body),
    catch: (error) =>
      LinkError.of(
        new LinkInvalidInputError({
          record: "StoredPlan",
          field: "plan",
          message: `the stored plan of run ${planRunId} is not a change plan this release reads: ${error instanceof Error ? error.message : String(error)}`
        })
      )
  })
  const month = typeof body.details?.month === "string" ? body.details.month : undefined
  return yield* applyInRun(ctx, plans, run, changes, month, planRunId)
})

/**
 * Flow A's Effects: the source's months, a month's load, and the apply of a plan as a run (logged,
 * mailed; cancelling it stops before the next operation and keeps the report). The promise API is
 * derived from these.
 */
export const reconciliationEffects = (ctx: LinkContext) => {
  const { linkId, options } = ctx
  const { connectwise, storage, settings } = options
  const plans = makeLinkPlans(ctx)
  return {
    months: Effect.fn("link.reconciliation.months")(function* () {
      return yield* fromPromise("reconciliation.months", (signal) => ctx.source().months({ signal }))
    }),
    load: Effect.fn("link.reconciliation.load")(function* (
      month: InvoiceMonth,
      loadOptions: { readonly onProgress?: ProgressListener | undefined } = {}
    ) {
      return yield* loadMonth(
        {
          linkId,
          source: ctx.source(),
          connectwise,
          mappings: storage.mappings,
          exclusions: storage.exclusions,
          settings,
          concurrency: options.concurrency
        },
        month,
        { onProgress: safeListener(loadOptions.onProgress) }
      )
    }),
    apply: Effect.fn("link.reconciliation.apply")(function* (
      input: ReconciliationPlan | ChangePlan,
      runOptions?: LinkRunOptions
    ) {
      const changes = "plan" in input ? input.plan : input
      const month = "plan" in input ? input.month : undefined
      // A run that died part-way left its plan open: resume or abandon it first.
      yield* plans.refuseIfUnfinished()
      const details = { ...(month === undefined ? {} : { month }), operations: changes.operations.length }
      return yield* ctx.runEffect(Jobs.apply, details, runOptions, (run) =>
        Effect.gen(function* () {
          run.log.info("applying the plan", { month: month ?? null, operations: changes.operations.length })
          // Stored before the first write, so a run killed part-way is resumed with these very operations.
          yield* plans.save(run, { details, body: encodePlan(changes) as Schema.Json })
          return yield* applyInRun(ctx, plans, run, changes, month, run.runId)
        })
      )
    })
  }
}

/**
 * Plans the approved changes of a loaded month for the link; confirmed suggestions are resolved
 * again first, so their agreements link. Decisions of another link are refused.
 */
export const planMonth = (
  ctx: LinkContext,
  grid: LoadedMonth,
  input: DecisionsInput,
  by?: string | undefined
): ReconciliationPlan => {
  const decisions = ctx.decisionsOf(input, by)
  if (decisions.linkId !== ctx.linkId) {
    throw LinkError.of(
      new LinkInvalidInputError({
        record: "Decisions",
        field: "linkId",
        message: `the decisions are for link ${decisions.linkId}, not ${ctx.linkId}`
      })
    )
  }
  // A confirmed suggestion changes what else resolves (the agreement needs the company), and
  // is remembered whether it was confirmed here or through mappings.confirm.
  const { plan: changes, rows } = planConfirmed(grid, decisions, ctx.options.settings, grid.diffOptions)
  return { month: grid.month, plan: changes, rows: [...rows], summary: summary(changes) }
}

/** Flow A of a link: the months, the grid, the decisions, the plan and its apply as a run. */
export const makeReconciliation = (ctx: LinkContext): LinkApi["reconciliation"] => {
  const effects = reconciliationEffects(ctx)
  const { months, apply } = promiseFace("reconciliation", effects)
  return {
    months,
    // The caller's signal interrupts the load, aborting its requests in flight.
    load: (month, loadOptions = {}) =>
      runLink("reconciliation.load", effects.load(month, loadOptions), loadOptions.signal),
    decideAll: (grid, decideOptions = {}) =>
      // The safe rule: what links by itself is linked already; only named rows confirm a weaker suggestion.
      decideAll(grid.rows, {
        confirmRows: decideOptions.rows,
        createMissing: decideOptions.createMissing,
        agreementTypeId: decideOptions.agreementTypeId
      }),
    plan: (grid, input, planOptions = {}) => planMonth(ctx, grid, input, planOptions.by),
    apply
  }
}
