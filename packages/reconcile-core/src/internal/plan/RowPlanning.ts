import type { Existing, PlanOperation } from "../../ChangePlan.ts"
import type { Decisions, RowDecision } from "../../Decisions.ts"
import type { KeySource } from "../../IdempotencyKeys.ts"
import type { ChangeKind } from "../../LinkSettings.ts"
import type { ReconciliationRow } from "../../ReconciliationRow.ts"
import type { Settings } from "../settings.ts"
import type { Entry, MakeOperation, PlanBuilder } from "./PlanBuilder.ts"

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
  /** The plan's one instance of a decimal value (for the values an operation keeps). */
  readonly decimal: PlanBuilder["decimal"]
  /** The idempotency key of a source many rows share (hashed once per plan). */
  readonly key: (source: KeySource) => string
  /** The idempotency key of a source of this row's own change (hashed each time). */
  readonly ownKey: (source: KeySource) => string
  /** The plan's remembered links by source key, to join one without building its key. */
  readonly remembered: PlanBuilder["remembered"]
  /** Serves the row with the operation of this key, built by `make` unless an earlier row built it. */
  add(key: string, make: MakeOperation): Entry
  /** Serves the row with its own operation `op` (serving `[row.key]`), unless an earlier row has this key. */
  addBuilt(key: string, op: PlanOperation): void
  /** Serves the row with an operation already collected. */
  join(entry: Entry): void
  skip(reason: string): void
}

// One per row, with its methods on the prototype: planning a row allocates no closures.
class Planner implements RowPlanning {
  readonly row: ReconciliationRow
  readonly decision: RowDecision | undefined
  readonly decisions: Decisions
  readonly settings: Settings
  readonly effectiveDate: string
  readonly linkId: string
  readonly existing: (id: number) => Existing
  readonly decimal: PlanBuilder["decimal"]
  readonly key: (source: KeySource) => string
  readonly ownKey: (source: KeySource) => string
  readonly remembered: PlanBuilder["remembered"]
  private readonly builder: PlanBuilder
  constructor(
    row: ReconciliationRow,
    decision: RowDecision | undefined,
    decisions: Decisions,
    settings: Settings,
    effectiveDate: string,
    builder: PlanBuilder
  ) {
    this.row = row
    this.decision = decision
    this.decisions = decisions
    this.settings = settings
    this.effectiveDate = effectiveDate
    this.builder = builder
    this.linkId = decisions.linkId
    this.existing = builder.existing
    this.decimal = builder.decimal
    this.key = builder.key
    this.ownKey = builder.ownKey
    this.remembered = builder.remembered
  }
  add(key: string, make: MakeOperation): Entry {
    return this.builder.add(key, this.row.key, make)
  }
  addBuilt(key: string, op: PlanOperation): void {
    this.builder.addBuilt(key, this.row.key, op)
  }
  join(entry: Entry): void {
    this.builder.join(entry, this.row.key)
  }
  skip(reason: string): void {
    this.builder.skip(this.row.key, reason)
  }
}

export const rowPlanning = (
  row: ReconciliationRow,
  decision: RowDecision | undefined,
  decisions: Decisions,
  settings: Settings,
  effectiveDate: string,
  builder: PlanBuilder
): RowPlanning => new Planner(row, decision, decisions, settings, effectiveDate, builder)

/** Whether a change of this kind may be planned for the row: approved on it, or by the settings. */
export const approves = (planning: RowPlanning, kind: ChangeKind): boolean => {
  const { decision, settings } = planning
  // "all" first: the common decision, answered without the settings' set.
  return (
    decision?.approve === "all" ||
    settings.autoApprove.has(kind) ||
    (Array.isArray(decision?.approve) && decision.approve.includes(kind))
  )
}

/** Whether the user approved anything at all on the row (so a row that cannot be planned says why). */
export const approvedAnything = (planning: RowPlanning): boolean => planning.decision?.approve !== undefined
