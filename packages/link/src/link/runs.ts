import { DateTime, Effect, Option } from "effect"
import { fromPort, promiseFace, runLink } from "../internal/bridge.ts"
import { orStopped } from "../internal/stop.ts"
import type { LinkApi, LinkRunOptions } from "../Link.ts"
import { LinkBusyError, LinkError, LinkInvalidInputError } from "../LinkError.ts"
import { makeRuns } from "../RunHistory.ts"
import { Jobs } from "../Runner.ts"
import type { ScheduledRunOptions } from "../Scheduling.ts"
import type { LinkContext } from "./context.ts"
import { infoOf, makeLinkPlans } from "./plans.ts"
import { planMonth, reconciliationEffects, resumeApply } from "./reconciliation.ts"
import { resumeTransfer, transferEffects } from "./transfer.ts"

/**
 * The run history's Effects: the runs a dead process left unfinished, resuming one (a new run of
 * its job finishing the same plan) and abandoning one.
 */
export const runHistoryEffects = (ctx: LinkContext) => {
  const plans = makeLinkPlans(ctx)
  const { linkId } = ctx
  return {
    unfinished: Effect.fn("link.runs.unfinished")(function* () {
      return (yield* plans.unfinished()).map(infoOf)
    }),
    resume: Effect.fn("link.runs.resume")(function* (runId: string, runOptions?: LinkRunOptions) {
      const stored = yield* plans.open(runId)
      const details = { resumes: runId, ...infoOf(stored).details }
      switch (stored.job) {
        case Jobs.apply:
          return yield* ctx.runEffect(Jobs.apply, details, runOptions, (run) => resumeApply(ctx, plans, run, runId))
        case Jobs.transfer:
          return yield* ctx.runEffect(Jobs.transfer, details, runOptions, (run) =>
            resumeTransfer(ctx, plans, run, runId)
          )
        default:
          return yield* Effect.fail(
            LinkError.of(
              new LinkInvalidInputError({
                record: "UnfinishedRun",
                field: "job",
                message: `run ${runId} is a ${stored.job} run, which this release cannot resume`
              })
            )
          )
      }
    }),
    abandon: Effect.fn("link.runs.abandon")(function* (
      runId: string,
      abandonOptions: { readonly reason?: string | undefined } = {}
    ) {
      const store = plans.store
      if (store === undefined) return false
      const at = DateTime.makeUnsafe(ctx.clock())
      const reason = abandonOptions.reason ?? "abandoned by a person, to plan again"
      // A run still at work in another process is not abandoned under its feet.
      const runs = ctx.options.storage.runs
      const leases = ctx.options.storage.leases
      const holder = leases === undefined ? Option.none() : yield* fromPort("RunLeases.holder", leases.holder(linkId))
      if (Option.isSome(holder) && DateTime.toEpochMillis(holder.value.until) > Date.now()) {
        const stored = yield* fromPort("RunPlans.get", store.get(linkId, runId))
        if (Option.isSome(stored) && stored.value.lastRunId === holder.value.runId) {
          return yield* Effect.fail(
            LinkError.of(
              new LinkBusyError({
                holder: holder.value.runId,
                message: `run ${holder.value.runId} is working on the plan of run ${runId}: it cannot be abandoned while it runs`
              })
            )
          )
        }
      }
      const closed = yield* fromPort(
        "RunPlans.finish",
        store.finish(linkId, runId, { status: "abandoned", at, note: reason })
      )
      if (!closed) return false
      // The run itself, if its process died before the link's lease passed and nobody ran since.
      const found = yield* fromPort("RunStore.get", runs.get(linkId, runId))
      if (Option.isSome(found) && found.value.status === "running") {
        yield* fromPort(
          "RunStore.update",
          runs.update(linkId, runId, {
            status: "abandoned",
            finishedAt: at,
            summary: `${found.value.job} abandoned: its plan was given up (${reason}).`
          })
        )
      }
      return true
    })
  }
}

/**
 * The link's run history: its runs, newest first, each run's log, and the runs a dead process left
 * unfinished, to resume or abandon (the promise face of `runHistoryEffects`).
 */
export const makeRunHistory = (ctx: LinkContext): LinkApi["runs"] => {
  const history = makeRuns(ctx.options.storage.runs)
  const { linkId } = ctx
  return {
    list: (listOptions) => history.list(linkId, listOptions),
    get: (runId) => history.get(linkId, runId),
    log: (runId) => history.log(linkId, runId),
    ...promiseFace("runs", runHistoryEffects(ctx))
  }
}

const monthStart = (ms: number, offset: number): string => {
  const date = new Date(ms)
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + offset, 1)).toISOString().slice(0, 10)
}

/**
 * Runs a job by name, as a scheduler does: the newest month's unattended apply, the previous
 * calendar month's transfer, or the payment sync.
 */
export const makeJobRunner = (ctx: LinkContext): LinkApi["run"] => {
  const plans = makeLinkPlans(ctx)
  const reconciliation = reconciliationEffects(ctx)
  const transfer = transferEffects(ctx)
  const runNamed = Effect.fn("link.run")(function* (job: string, runOptions: ScheduledRunOptions | LinkRunOptions) {
    switch (job) {
      case Jobs.apply: {
        // Before the month is loaded: a link with an unfinished run refuses new ones (`UnfinishedRun`).
        yield* plans.refuseIfUnfinished()
        const [latest] = yield* reconciliation.months()
        if (latest === undefined) {
          return yield* ctx.runEffect(Jobs.apply, {}, runOptions, (run) =>
            Effect.sync(() => {
              run.summarize("The invoice source has no months.")
              return undefined
            })
          )
        }
        // Before the run starts, a cancel stops the load (its requests aborted).
        const grid = yield* orStopped(runOptions.signal, reconciliation.load(latest))
        // Unattended: nothing but what the settings approve (`autoApprove`, `autoAcceptAbove`).
        const planned = planMonth(ctx, grid, {})
        return yield* reconciliation.apply(planned, runOptions)
      }
      case Jobs.transfer:
        return yield* transfer.run({ from: monthStart(ctx.clock(), -1), to: monthStart(ctx.clock(), 0) }, runOptions)
      case Jobs.syncPayments:
        return yield* transfer.syncPayments(runOptions)
      default:
        return yield* Effect.fail(
          LinkError.of(
            new LinkInvalidInputError({
              record: "job",
              field: "job",
              message: `unknown job ${JSON.stringify(job)} (${Object.values(Jobs).join(", ")})`
            })
          )
        )
    }
  })
  return (job, runOptions) => runLink("run", runNamed(job, runOptions))
}
