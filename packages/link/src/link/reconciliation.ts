import { decideAll, planConfirmed, summary } from "@psa-ledger/reconcile-core"
import type { LinkApi } from "../Link.ts"
import { InvalidInput, LinkError } from "../LinkError.ts"
import { safeListener } from "../Progress.ts"
import { Jobs } from "../Runner.ts"
import { applyPlan } from "../reconciliation/Apply.ts"
import { loadMonth } from "../reconciliation/LoadMonth.ts"
import type { LinkContext } from "./context.ts"
import { promise } from "./promise.ts"

/** Flow A of a link: the months, the grid, the decisions, the plan and its apply as a run. */
export const makeReconciliation = (ctx: LinkContext): LinkApi["reconciliation"] => {
  const { linkId, options } = ctx
  const { connectwise, storage, settings } = options
  // The caller's contact for new agreements; without one Apply uses the company's default, then billing contact.
  const agreementContact = options.agreementContact
  return {
    months: () => promise("reconciliation.months", () => ctx.source().months()),
    load: (month, loadOptions = {}) =>
      promise("reconciliation.load", () =>
        loadMonth(
          {
            linkId,
            source: ctx.source(),
            connectwise,
            mappings: storage.mappings,
            settings,
            concurrency: options.concurrency
          },
          month,
          { onProgress: safeListener(loadOptions.onProgress), signal: loadOptions.signal }
        )
      ),
    decideAll: (grid, decideOptions = {}) =>
      // The safe rule: what links by itself is linked already; only named rows confirm a weaker suggestion.
      decideAll(grid.rows, {
        confirmRows: decideOptions.rows,
        createMissing: decideOptions.createMissing,
        agreementTypeId: decideOptions.agreementTypeId
      }),
    plan: (grid, input, planOptions = {}) => {
      const decisions = ctx.decisionsOf(input, planOptions.by)
      if (decisions.linkId !== linkId) {
        throw LinkError.of(
          new InvalidInput({
            record: "Decisions",
            field: "linkId",
            message: `the decisions are for link ${decisions.linkId}, not ${linkId}`
          })
        )
      }
      // A confirmed suggestion changes what else resolves (the agreement needs the company), and
      // is remembered whether it was confirmed here or through mappings.confirm.
      const { plan: changes, rows } = planConfirmed(grid, decisions, settings, grid.diffOptions)
      return { month: grid.month, plan: changes, rows: [...rows], summary: summary(changes) }
    },
    apply: (input, runOptions) => {
      const changes = "plan" in input ? input.plan : input
      const month = "plan" in input ? input.month : undefined
      return ctx.asRun(
        Jobs.apply,
        { ...(month === undefined ? {} : { month }), operations: changes.operations.length },
        runOptions,
        async (run) => {
          run.log.info("applying the plan", { month: month ?? null, operations: changes.operations.length })
          const report = await applyPlan(
            {
              linkId,
              connectwise,
              mappings: storage.mappings,
              journal: storage.journal,
              now: ctx.clock,
              agreementContact
            },
            changes,
            {
              runId: run.runId,
              onProgress: (event) => run.progress(event),
              signal: run.signal,
              concurrency: options.concurrency
            }
          )
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
          run.count("done", report.counts.done)
          run.count("skipped", report.counts.skipped)
          run.count("failed", report.counts.failed)
          run.summarize(
            `Applied ${report.counts.done} of ${changes.operations.length} changes${month === undefined ? "" : ` for ${month}`}; ${report.counts.skipped} skipped, ${report.counts.failed} failed.`
          )
          return report
        }
      )
    }
  }
}
