import { conditions } from "@psa-ledger/connectwise-client"
import {
  CreateTarget,
  diff,
  type GridRow,
  pendingMappings,
  plan as planChanges,
  RowDecision,
  resolve,
  summary,
  UseTarget
} from "@psa-ledger/reconcile-core"
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
  const agreementContact =
    options.agreementContact ??
    (async (companyId: number) => {
      // The contact of another agreement of the company; without one ConnectWise refuses the agreement, visibly.
      const agreements = await connectwise.listAll("/finance/agreements", {
        conditions: conditions.eq("company/id", companyId)
      })
      return agreements.find((agreement) => agreement.contact?.id !== undefined)?.contact?.id
    })

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
    decideAll: (grid, decideOptions = {}) => {
      const rows: Record<string, RowDecision> = {}
      for (const row of grid.rows) {
        const choose = (resolution: GridRow["customerResolution"], side: "customer" | "product" | "agreement") => {
          if (resolution._tag === "Suggested" && decideOptions.confirmSuggestions === true && side !== "agreement") {
            const best = resolution.candidates[0]
            return best === undefined ? undefined : new UseTarget({ targetId: best.targetId })
          }
          if (resolution._tag === "Missing" && decideOptions.createMissing === true && side !== "customer") {
            return new CreateTarget({})
          }
          return undefined
        }
        const customer = choose(row.customerResolution, "customer")
        const product = choose(row.productResolution, "product")
        const agreement = choose(row.agreementResolution, "agreement")
        rows[row.key] = new RowDecision({
          approve: "all",
          ...(customer === undefined ? {} : { customer }),
          ...(product === undefined ? {} : { product }),
          ...(agreement === undefined ? {} : { agreement })
        })
      }
      return rows
    },
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
      // A confirmed suggestion changes what else resolves (the agreement needs the company).
      const pending = pendingMappings(grid.rows, decisions, settings)
      const rows =
        pending.length === 0
          ? grid.rows
          : diff(resolve(grid.lines, grid.snapshot, [...grid.mappings, ...pending], settings), grid.snapshot, settings)
      const changes = planChanges(rows, decisions, settings)
      return { month: grid.month, plan: changes, rows, summary: summary(changes) }
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
