import type { LinkApi } from "../Link.ts"
import { Jobs } from "../Runner.ts"
import { syncPayments } from "../transfer/Payments.ts"
import { previewTransfer, runTransfer, type TransferReport } from "../transfer/Transfer.ts"
import type { LinkContext } from "./context.ts"
import { promise } from "./promise.ts"

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

/** Flow B of a link: preview and run a transfer, sync payments back; runs are logged and mailed. */
export const makeTransfer = (ctx: LinkContext): LinkApi["transfer"] => {
  return {
    preview: (range) => promise("transfer.preview", () => previewTransfer(ctx.transferDeps(), range)),
    run: (range, runOptions) =>
      ctx.asRun(Jobs.transfer, { range }, runOptions, async (run) => {
        const report = await runTransfer(ctx.transferDeps(run.log), range, {
          runId: run.runId,
          onProgress: (event) => run.progress(event),
          signal: run.signal,
          approveAccounts: runOptions?.approveAccounts
        })
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
          } else {
            run.log.info(`invoice ${outcome.number} ${outcome.status}`)
            if (outcome.status === "created") for (const warning of outcome.warnings ?? []) run.log.warn(warning)
          }
        }
        const summary = transferSummary(report)
        const counts = report.counts
        run.count("done", counts.created + counts.processed)
        run.count("skipped", counts.alreadyTransferred)
        run.count("blocked", counts.blocked)
        // A blocked invoice waits for a person; it is not a failure.
        run.count("failed", counts.failed)
        run.summarize(summary)
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
        run.count("done", counts.paid + counts["partly-paid"])
        run.count("skipped", counts["already-recorded"] + counts.open + counts.skipped + counts["not-found"])
        run.count("failed", counts.failed)
        run.summarize(
          `Recorded ${counts.paid + counts["partly-paid"]} payments in ConnectWise (${counts["partly-paid"]} partial); ${counts.open} still open, ${counts["already-recorded"]} recorded before, ${counts.failed} failed.`
        )
        return report
      })
  }
}
