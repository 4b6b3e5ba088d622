import type { LinkApi } from "../Link.ts"
import { Jobs } from "../Runner.ts"
import { syncPayments } from "../transfer/Payments.ts"
import { previewTransfer, runTransfer } from "../transfer/Transfer.ts"
import type { LinkContext } from "./context.ts"
import { promise } from "./promise.ts"

/** Flow B of a link: preview and run a transfer, sync payments back; runs are logged and mailed. */
export const makeTransfer = (ctx: LinkContext): LinkApi["transfer"] => {
  return {
    preview: (range) => promise("transfer.preview", () => previewTransfer(ctx.transferDeps(), range)),
    run: (range, runOptions) =>
      ctx.asRun(Jobs.transfer, { range }, runOptions, async (run) => {
        const report = await runTransfer(ctx.transferDeps(run.log), range, {
          runId: run.runId,
          onProgress: (event) => run.progress(event),
          signal: run.signal
        })
        for (const outcome of report.invoices) {
          if (outcome.status === "failed") {
            run.log.error(`invoice ${outcome.number} failed at ${outcome.step}`, { reason: outcome.failure })
          } else if (outcome.status === "blocked") {
            run.log.warn(`invoice ${outcome.number} blocked`, { reasons: outcome.reasons })
          } else {
            run.log.info(`invoice ${outcome.number} ${outcome.status}`)
          }
        }
        const counts = report.counts
        run.count("done", counts.created + counts.processed)
        run.count("skipped", counts.skipped)
        run.count("blocked", counts.blocked)
        run.count("failed", counts.failed + counts.blocked)
        run.summarize(
          `Created ${counts.created} Exact invoices, processed ${counts.processed}; ${counts.skipped} already transferred, ${counts.blocked} blocked, ${counts.failed} failed.`
        )
        return report
      }),
    syncPayments: (runOptions) =>
      ctx.asRun(Jobs.syncPayments, {}, runOptions, async (run) => {
        const report = await syncPayments(ctx.transferDeps(run.log), {
          onProgress: (event) => run.progress(event),
          signal: run.signal
        })
        for (const outcome of report.invoices) {
          if (outcome.status === "failed") {
            run.log.error(`payment of ${outcome.number} failed`, { reason: outcome.failure })
          } else {
            run.log.info(`invoice ${outcome.number}: ${outcome.status}`)
          }
        }
        const counts = report.counts
        run.count("done", counts.paid)
        run.count("skipped", counts["already-recorded"] + counts.open + counts.skipped + counts["not-found"])
        run.count("failed", counts.failed)
        run.summarize(
          `Recorded ${counts.paid} payments in ConnectWise; ${counts.open} still open, ${counts["already-recorded"]} recorded before, ${counts.failed} failed.`
        )
        return report
      })
  }
}
