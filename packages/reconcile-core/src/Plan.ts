import { addDays, type Period } from "./Calendar.ts"
import type { ChangePlan } from "./ChangePlan.ts"
import { toMapping } from "./ChangePlan.ts"
import { Decisions, RowDecision } from "./Decisions.ts"
import type { GridRow } from "./GridRow.ts"
import { planCancellations } from "./internal/plan/cancellations.ts"
import { planInvoiceRow } from "./internal/plan/invoiceRow.ts"
import { makePlanBuilder } from "./internal/plan/PlanBuilder.ts"
import { rowPlanning } from "./internal/plan/RowPlanning.ts"
import { agreementChoicesOf } from "./internal/plan/targets.ts"
import { type LinkSettings, settingsOf } from "./LinkSettings.ts"
import type { Mapping } from "./Mapping.ts"

/**
 * The effective date of a row's changes: the decision's, else the settings' rule (default: the
 * first day of the period).
 *
 * @since 0.1.0
 */
export const effectiveDateOf = (period: Period, settings?: LinkSettings, decision?: RowDecision): string => {
  if (decision?.effectiveDate !== undefined) return decision.effectiveDate
  const rule = settingsOf(settings).effectiveDate
  return rule === "period-start" ? period.start : rule === "period-end" ? period.end : addDays(period.end, 1)
}

/**
 * Turns approved decisions on diffed rows into a `ChangePlan`. Nothing unapproved enters it:
 * each change kind needs the row's approval (or the settings' `autoApprove`), an excluded row
 * yields nothing, and a row whose targets changed since `diff` is skipped with a reason.
 *
 * @example
 * ```ts
 * import { plan, summary } from "@psa-ledger/reconcile-core"
 *
 * const changes = plan(rows, decisions, settings)
 * summary(changes).impact // [{ currency: "EUR", cost: "+37.40", price: "+51.00" }]
 * ```
 *
 * @since 0.1.0
 */
export const plan = (rows: ReadonlyArray<GridRow>, decisions: Decisions, settings?: LinkSettings): ChangePlan => {
  const resolvedSettings = settingsOf(settings)
  const builder = makePlanBuilder(decisions.linkId)
  const agreementChoices = agreementChoicesOf(rows, decisions)
  for (const row of rows) {
    const decision = decisions.rows[row.key]
    if (decision?.exclude === true) continue
    const effectiveDate = effectiveDateOf(row.period, settings, decision)
    const planning = rowPlanning(row, decisions, resolvedSettings, effectiveDate, builder)
    if (row.origin === "connectwise") planCancellations(planning)
    else planInvoiceRow(planning, agreementChoices)
  }
  return builder.build()
}

/**
 * The mappings the decisions would remember for existing targets, to pass to `resolve` again so
 * the grid reflects confirmed suggestions (the agreement needs the confirmed company) before
 * anything is stored.
 *
 * @since 0.1.0
 */
export const pendingMappings = (
  rows: ReadonlyArray<GridRow>,
  decisions: Decisions,
  settings?: LinkSettings
): Array<Mapping> =>
  plan(rows, new Decisions({ ...decisions, rows: onlyChoices(decisions.rows) }), settings).operations.flatMap((op) => {
    if (op._tag !== "RememberMapping") return []
    const mapping = toMapping(op)
    return mapping === undefined ? [] : [mapping]
  })

// The decisions' target choices without their approvals: remembering links needs no approval.
const onlyChoices = (rows: Decisions["rows"]): Decisions["rows"] => {
  const result: Record<string, RowDecision> = {}
  for (const [key, decision] of Object.entries(rows)) {
    const { approve: _approve, ...rest } = decision
    result[key] = new RowDecision(rest)
  }
  return result
}
