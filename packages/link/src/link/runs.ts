import type { LinkApi } from "../Link.ts"
import { InvalidInput, LinkError } from "../LinkError.ts"
import { makeRuns } from "../RunHistory.ts"
import { Jobs } from "../Runner.ts"
import type { LinkContext } from "./context.ts"

/** The link's run history: its runs, newest first, and each run's log. */
export const makeRunHistory = (ctx: LinkContext): LinkApi["runs"] => {
  const history = makeRuns(ctx.options.storage.runs)
  return {
    list: (listOptions) => history.list(ctx.linkId, listOptions),
    get: (runId) => history.get(ctx.linkId, runId),
    log: (runId) => history.log(ctx.linkId, runId)
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
  return async (job, runOptions) => {
    switch (job) {
      case Jobs.apply: {
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
          new InvalidInput({
            record: "job",
            field: "job",
            message: `unknown job ${JSON.stringify(job)} (${Object.values(Jobs).join(", ")})`
          })
        )
    }
  }
}
