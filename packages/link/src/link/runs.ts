import { DateTime, Option } from "effect"
import { promise, runPort } from "../internal/bridge.ts"
import type { LinkApi } from "../Link.ts"
import { LinkBusyError, LinkError, LinkInvalidInputError } from "../LinkError.ts"
import { makeRuns } from "../RunHistory.ts"
import { Jobs } from "../Runner.ts"
import type { LinkContext } from "./context.ts"
import { infoOf, makeLinkPlans } from "./plans.ts"
import { resumeApply } from "./reconciliation.ts"
import { resumeTransfer } from "./transfer.ts"

/**
 * The link's run history: its runs, newest first, each run's log, and the runs a dead process left
 * unfinished, to resume or abandon.
 */
export const makeRunHistory = (ctx: LinkContext): LinkApi["runs"] => {
  const history = makeRuns(ctx.options.storage.runs)
  const plans = makeLinkPlans(ctx)
  const { linkId } = ctx
  return {
    list: (listOptions) => history.list(linkId, listOptions),
    get: (runId) => history.get(linkId, runId),
    log: (runId) => history.log(linkId, runId),
    unfinished: () => promise("runs.unfinished", async () => (await plans.unfinished()).map(infoOf)),
    resume: (runId, runOptions) =>
      promise("runs.resume", async () => {
        const stored = await plans.open(runId)
        const details = { resumes: runId, ...infoOf(stored).details }
        switch (stored.job) {
          case Jobs.apply:
            return ctx.asRun(Jobs.apply, details, runOptions, (run) => resumeApply(ctx, plans, run, runId))
          case Jobs.transfer:
            return ctx.asRun(Jobs.transfer, details, runOptions, (run) => resumeTransfer(ctx, plans, run, runId))
          default:
            throw LinkError.of(
              new LinkInvalidInputError({
                record: "UnfinishedRun",
                field: "job",
                message: `run ${runId} is a ${stored.job} run, which this release cannot resume`
              })
            )
        }
      }),
    abandon: (runId, abandonOptions = {}) =>
      promise("runs.abandon", async () => {
        const store = plans.store
        if (store === undefined) return false
        const at = DateTime.makeUnsafe(ctx.clock())
        const reason = abandonOptions.reason ?? "abandoned by a person, to plan again"
        // A run still at work in another process is not abandoned under its feet.
        const runs = ctx.options.storage.runs
        const leases = ctx.options.storage.leases
        const holder = leases === undefined ? Option.none() : await runPort("RunLeases.holder", leases.holder(linkId))
        if (Option.isSome(holder) && DateTime.toEpochMillis(holder.value.until) > Date.now()) {
          const stored = await runPort("RunPlans.get", store.get(linkId, runId))
          if (Option.isSome(stored) && stored.value.lastRunId === holder.value.runId) {
            throw LinkError.of(
              new LinkBusyError({
                holder: holder.value.runId,
                message: `run ${holder.value.runId} is working on the plan of run ${runId}: it cannot be abandoned while it runs`
              })
            )
          }
        }
        const closed = await runPort(
          "RunPlans.finish",
          store.finish(linkId, runId, { status: "abandoned", at, note: reason })
        )
        if (!closed) return false
        // The run itself, if its process died before the link's lease passed and nobody ran since.
        const found = await runPort("RunStore.get", runs.get(linkId, runId))
        if (Option.isSome(found) && found.value.status === "running") {
          await runPort(
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

const monthStart = (ms: number, offset: number): string => {
  const date = new Date(ms)
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + offset, 1)).toISOString().slice(0, 10)
}

/**
 * Runs a job by name, as a scheduler does: the newest month's unattended apply, the previous
 * calendar month's transfer, or the payment sync.
 */
export const makeJobRunner = (
  ctx: LinkContext,
  reconciliation: LinkApi["reconciliation"],
  transfer: LinkApi["transfer"]
): LinkApi["run"] => {
  const plans = makeLinkPlans(ctx)
  return async (job, runOptions) => {
    switch (job) {
      case Jobs.apply: {
        // Before the month is loaded: a link with an unfinished run refuses new ones (`UnfinishedRun`).
        await plans.refuseIfUnfinished()
        const [latest] = await reconciliation.months()
        if (latest === undefined) {
          return ctx.asRun(Jobs.apply, {}, runOptions, async (run) => {
            run.summarize("The invoice source has no months.")
            return undefined
          })
        }
        const grid = await reconciliation.load(latest, { signal: runOptions.signal })
        // Unattended: nothing but what the settings approve (`autoApprove`, `autoAcceptAbove`).
        const planned = reconciliation.plan(grid, {})
        return reconciliation.apply(planned, runOptions)
      }
      case Jobs.transfer:
        return transfer.run({ from: monthStart(ctx.clock(), -1), to: monthStart(ctx.clock(), 0) }, runOptions)
      case Jobs.syncPayments:
        return transfer.syncPayments(runOptions)
      default:
        throw LinkError.of(
          new LinkInvalidInputError({
            record: "job",
            field: "job",
            message: `unknown job ${JSON.stringify(job)} (${Object.values(Jobs).join(", ")})`
          })
        )
    }
  }
}
