import type { Existing } from "../../ChangePlan.ts"
import type { Decisions, RowDecision } from "../../Decisions.ts"
import type { KeySource } from "../../IdempotencyKeys.ts"
import type { ChangeKind } from "../../LinkSettings.ts"
import type { ReconciliationRow } from "../../ReconciliationRow.ts"
import type { Settings } from "../settings.ts"
import type { MakeOperation, PlanBuilder } from "./PlanBuilder.ts"

/** What every row planner works with: one row, its decision, and where its operations go. */
export interface RowPlanning {
  readonly row: ReconciliationRow
  readonly decision: RowDecision | undefined
  readonly decisions: Decisions
  readonly settings: Settings
  readonly linkId: string
  /** The date the row's changes take effect. */
  readonly effectiveDate: string
  /** The reference to an existing ConnectWise record. */
  readonly existing: (id: number) => Existing
  /** The idempotency key of a source (hashed once per plan). */
  readonly key: (source: KeySource) => string
  /** Serves the row with the operation of this key, built by `make` unless an earlier row built it. */
  readonly add: (key: string, make: MakeOperation) => void
  readonly skip: (reason: string) => void
}

export const rowPlanning = (
  row: ReconciliationRow,
  decisions: Decisions,
  settings: Settings,
  effectiveDate: string,
  builder: PlanBuilder
): RowPlanning => ({
  row,
  decision: decisions.rows[row.key],
  decisions,
  settings,
  linkId: decisions.linkId,
  effectiveDate,
  existing: builder.existing,
  key: builder.key,
  add: (key, make) => builder.add(key, row.key, make),
  skip: (reason) => builder.skip(row.key, reason)
})

/** Whether a change of this kind may be planned for the row: approved on it, or by the settings. */
export const approves = (planning: RowPlanning, kind: ChangeKind): boolean => {
  const { decision, settings } = planning
  return (
    settings.autoApprove.has(kind) ||
    decision?.approve === "all" ||
    (Array.isArray(decision?.approve) && decision.approve.includes(kind))
  )
}

/** Whether the user approved anything at all on the row (so a row that cannot be planned says why). */
export const approvedAnything = (planning: RowPlanning): boolean => planning.decision?.approve !== undefined
