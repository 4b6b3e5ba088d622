import { addDays, type Period } from "./Calendar.ts"
import type { ChangePlan, RememberMapping } from "./ChangePlan.ts"
import { toMapping } from "./ChangePlan.ts"
import { Decisions, RowDecision } from "./Decisions.ts"
import { type DiffOptions, diff } from "./Diff.ts"
import type { GridRow } from "./GridRow.ts"
import type { InvoiceLine } from "./InvoiceLine.ts"
import { planCancellations } from "./internal/plan/cancellations.ts"
import { planInvoiceRow } from "./internal/plan/invoiceRow.ts"
import { makePlanBuilder } from "./internal/plan/PlanBuilder.ts"
import { rowPlanning } from "./internal/plan/RowPlanning.ts"
import { agreementChoicesOf } from "./internal/plan/targets.ts"
import { settingsOf } from "./internal/settings.ts"
import type { LinkSettings } from "./LinkSettings.ts"
import type { Mapping } from "./Mapping.ts"
import type { PsaSnapshot } from "./PsaSnapshot.ts"
import { resolve } from "./Resolve.ts"

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

/**
 * What `planConfirmed` re-resolves with: the month's lines, the snapshot, the remembered mappings
 * and the rows as diffed (a loaded grid has all four).
 *
 * @since 0.1.0
 */
export interface PlanInput {
  readonly rows: ReadonlyArray<GridRow>
  readonly lines: ReadonlyArray<InvoiceLine>
  readonly snapshot: PsaSnapshot
  readonly mappings: ReadonlyArray<Mapping>
}

/**
 * Plans decisions that confirm suggestions or choose targets: the rows are resolved and diffed
 * again with the links the decisions make (a confirmed company decides the agreement, and so the
 * changes), and every link the decisions confirm is remembered (`RememberMapping`), so next month
 * the same lines link themselves.
 *
 * @example
 * ```ts
 * import { planConfirmed } from "@psa-ledger/reconcile-core"
 *
 * const changes = planConfirmed({ rows, lines, snapshot, mappings }, decisions, settings)
 * ```
 *
 * @since 0.1.0
 */
export const planConfirmed = (
  input: PlanInput,
  decisions: Decisions,
  settings?: LinkSettings,
  diffOptions?: DiffOptions
): { readonly plan: ChangePlan; readonly rows: ReadonlyArray<GridRow> } => {
  const remembering = plan(
    input.rows,
    new Decisions({ ...decisions, rows: onlyChoices(decisions.rows) }),
    settings
  ).operations.filter((op): op is RememberMapping => op._tag === "RememberMapping")
  const pending = remembering.flatMap((op) => {
    const mapping = toMapping(op)
    return mapping === undefined ? [] : [mapping]
  })
  const creating = new Map<string, { product: boolean; agreement: boolean }>()
  for (const [key, decision] of Object.entries(decisions.rows)) {
    const product = decision.product?._tag === "CreateTarget"
    const agreement = decision.agreement?._tag === "CreateTarget"
    if (decision.exclude !== true && (product || agreement)) creating.set(key, { product, agreement })
  }
  if (pending.length === 0 && creating.size === 0) {
    return { plan: plan(input.rows, decisions, settings), rows: input.rows }
  }
  const rows = diff(
    pending.length === 0 ? input.rows : resolve(input.lines, input.snapshot, [...input.mappings, ...pending], settings),
    input.snapshot,
    settings,
    {
      ...diffOptions,
      // The window's earlier months link through the same confirmations.
      ...(diffOptions?.earlierRows === undefined || pending.length === 0
        ? {}
        : {
            earlierRows: resolve(
              diffOptions.earlierRows.flatMap((row) => row.lines),
              input.snapshot,
              [...input.mappings, ...pending],
              settings
            )
          }),
      creating
    }
  )
  const planned = plan(rows, decisions, settings)
  // The re-resolved rows show the pending links as remembered already: keep remembering them.
  const builder = makePlanBuilder(decisions.linkId)
  for (const op of planned.operations) for (const rowKey of op.rowKeys) builder.addOperation(op, rowKey)
  for (const op of remembering) {
    if (op.target._tag !== "Existing") continue
    for (const rowKey of op.rowKeys) builder.addOperation(op, rowKey)
  }
  for (const skipped of planned.skipped) builder.skip(skipped.rowKey, skipped.reason)
  return { plan: builder.build(), rows }
}

// The decisions' target choices without their approvals: remembering links needs no approval.
const onlyChoices = (rows: Decisions["rows"]): Decisions["rows"] => {
  const result: Record<string, RowDecision> = {}
  for (const [key, decision] of Object.entries(rows)) {
    const { approve: _approve, ...rest } = decision
    result[key] = new RowDecision(rest)
  }
  return result
}
