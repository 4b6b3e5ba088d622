import { addDays, type Period } from "./Calendar.ts"
import type { ChangePlan, RememberMapping } from "./ChangePlan.ts"
import { toMapping } from "./ChangePlan.ts"
import { Decisions, RowDecision } from "./Decisions.ts"
import type { Deviation } from "./Deviation.ts"
import { type DiffOptions, diff } from "./Diff.ts"
import { type Exclusion, excludedRows } from "./Exclusion.ts"
import type { InvoiceLine } from "./InvoiceLine.ts"
import { readsFor } from "./internal/lines.ts"
import { planCancellations } from "./internal/plan/cancellations.ts"
import { planInvoiceRow } from "./internal/plan/invoiceRow.ts"
import { makePlanBuilder } from "./internal/plan/PlanBuilder.ts"
import { rowPlanning } from "./internal/plan/RowPlanning.ts"
import { agreementChoicesOf } from "./internal/plan/targets.ts"
import { type Settings, settingsOf } from "./internal/settings.ts"
import type { ChangeKind, LinkSettings } from "./LinkSettings.ts"
import type { Mapping } from "./Mapping.ts"
import type { PsaSnapshot } from "./PsaSnapshot.ts"
import type { ReconciliationRow } from "./ReconciliationRow.ts"
import { linkedId } from "./Resolution.ts"
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

// `effectiveDateOf` for a plan's rows without a date of their own: the rule read once, the day
// after a period's end computed once per end date.
const effectiveDates = (rule: Settings["effectiveDate"]): ((period: Period) => string) => {
  if (rule === "period-start") return (period) => period.start
  if (rule === "period-end") return (period) => period.end
  let end = ""
  let after = ""
  return (period) => {
    if (period.end !== end) {
      end = period.end
      after = addDays(end, 1)
    }
    return after
  }
}

/**
 * Turns approved decisions on diffed rows into a `ChangePlan`. Nothing unapproved enters it:
 * each change kind needs the row's approval (or the settings' `autoApprove`), an excluded row
 * (by its decision, or covered by one of the link's remembered `exclusions`) yields nothing, and a
 * row whose targets changed since `diff` is skipped with a reason.
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
export const plan = (
  rows: ReadonlyArray<ReconciliationRow>,
  decisions: Decisions,
  settings?: LinkSettings,
  exclusions?: ReadonlyArray<Exclusion>
): ChangePlan => {
  const resolvedSettings = settingsOf(settings)
  const builder = makePlanBuilder(decisions.linkId)
  const excluded = excludedRows(rows, exclusions)
  // Read over all rows only when a row remembers its agreement (most rows' agreement is inferred).
  let choices: ReturnType<typeof agreementChoicesOf> | undefined
  const agreementChoices = () => {
    choices ??= agreementChoicesOf(rows, decisions, excluded)
    return choices
  }
  const dateOf = effectiveDates(resolvedSettings.effectiveDate)
  // What diff or resolve read of each row's lines, so a row need not read them again.
  const kept = readsFor(rows, resolvedSettings)
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as ReconciliationRow
    const decision = decisions.rows[row.key]
    if (decision?.exclude === true || (excluded.size > 0 && excluded.has(row.key))) continue
    const effectiveDate = decision?.effectiveDate ?? dateOf(row.period)
    const planning = rowPlanning(row, decision, decisions, resolvedSettings, effectiveDate, builder)
    if (row.origin === "connectwise") planCancellations(planning)
    else planInvoiceRow(planning, agreementChoices, kept(row, i))
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
  rows: ReadonlyArray<ReconciliationRow>,
  decisions: Decisions,
  settings?: LinkSettings,
  exclusions?: ReadonlyArray<Exclusion>
): Array<Mapping> =>
  plan(
    rows,
    new Decisions({ ...decisions, rows: onlyChoices(decisions.rows) }),
    settings,
    exclusions
  ).operations.flatMap((op) => {
    if (op._tag !== "RememberMapping") return []
    const mapping = toMapping(op)
    return mapping === undefined ? [] : [mapping]
  })

/**
 * What `planConfirmed` re-resolves with: the month's lines, the snapshot, the remembered mappings
 * and the rows as diffed (a loaded grid has all four), and the link's remembered exclusions.
 *
 * @since 0.1.0
 */
export interface PlanInput {
  readonly rows: ReadonlyArray<ReconciliationRow>
  readonly lines: ReadonlyArray<InvoiceLine>
  readonly snapshot: PsaSnapshot
  readonly mappings: ReadonlyArray<Mapping>
  /** The link's remembered exclusions: rows they cover plan nothing. */
  readonly exclusions?: ReadonlyArray<Exclusion> | undefined
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
): { readonly plan: ChangePlan; readonly rows: ReadonlyArray<ReconciliationRow> } => {
  const exclusions = input.exclusions
  const remembering = plan(
    input.rows,
    new Decisions({ ...decisions, rows: onlyChoices(decisions.rows) }),
    settings,
    exclusions
  ).operations.filter((op): op is RememberMapping => op._tag === "RememberMapping")
  const pending = remembering.flatMap((op) => {
    const mapping = toMapping(op)
    return mapping === undefined ? [] : [mapping]
  })
  const excludedKeys = excludedRows(input.rows, exclusions)
  const creating = new Map<string, { product: boolean; agreement: boolean }>()
  for (const [key, decision] of Object.entries(decisions.rows)) {
    const product = decision.product?._tag === "CreateTarget"
    const agreement = decision.agreement?._tag === "CreateTarget"
    if (decision.exclude !== true && !excludedKeys.has(key) && (product || agreement)) {
      creating.set(key, { product, agreement })
    }
  }
  if (pending.length === 0 && creating.size === 0) {
    return { plan: plan(input.rows, decisions, settings, exclusions), rows: input.rows }
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
  const planned = plan(rows, decisions, settings, exclusions)
  // The re-resolved rows show the pending links as remembered already: keep remembering them.
  const builder = makePlanBuilder(decisions.linkId)
  for (const op of planned.operations) for (const rowKey of op.rowKeys) builder.addOperation(op, rowKey)
  for (const op of remembering) {
    if (op.target._tag !== "Existing") continue
    for (const rowKey of op.rowKeys) builder.addOperation(op, rowKey)
  }
  for (const skipped of planned.skipped) builder.skip(skipped.rowKey, skipped.reason)
  for (const { rowKey, reason } of droppedChanges(input.rows, rows, planned, decisions, settings, exclusions)) {
    builder.skip(rowKey, reason)
  }
  return { plan: builder.build(), rows }
}

// The change a deviation proposes, by the approval it needs.
const changeKindOf: Partial<Record<Deviation["_tag"], ChangeKind>> = {
  QuantityDiffers: "updateQuantity",
  UnitCostDiffers: "updateUnitCost",
  UnitPriceDiffers: "updateUnitPrice",
  AdditionMissing: "addAddition",
  AdditionNotInvoiced: "cancelAddition"
}

const describedChange: Record<string, string> = {
  updateQuantity: "quantity change",
  updateUnitCost: "unit cost change",
  updateUnitPrice: "unit price change",
  addAddition: "new addition",
  cancelAddition: "cancellation"
}

/**
 * The approved changes of the rows as the person saw them that the rows derived again with the
 * confirmed links no longer carry, and that no operation serves: each is reported on its row with
 * the reason (never silently dropped). A typical case: confirming a customer links its row to the
 * agreement and product of another row, the two are summed, and the differences move to the
 * group's first row.
 */
const droppedChanges = (
  before: ReadonlyArray<ReconciliationRow>,
  after: ReadonlyArray<ReconciliationRow>,
  planned: ChangePlan,
  decisions: Decisions,
  settings: LinkSettings | undefined,
  exclusions: ReadonlyArray<Exclusion> | undefined
): Array<{ readonly rowKey: string; readonly reason: string }> => {
  const autoApprove = settingsOf(settings).autoApprove
  const excluded = new Set([...excludedRows(before, exclusions).keys(), ...excludedRows(after, exclusions).keys()])
  const approved = (row: ReconciliationRow): Array<ChangeKind> => {
    const decision = decisions.rows[row.key]
    if (decision?.exclude === true || excluded.has(row.key)) return []
    const kinds = new Set<ChangeKind>()
    for (const deviation of row.deviations) {
      const kind = changeKindOf[deviation._tag]
      if (kind === undefined) continue
      if (
        autoApprove.has(kind) ||
        decision?.approve === "all" ||
        (Array.isArray(decision?.approve) && decision.approve.includes(kind))
      ) {
        kinds.add(kind)
      }
    }
    return [...kinds]
  }
  const reported = new Set(planned.skipped.map((skipped) => skipped.rowKey))
  // Which rows an operation of each change kind serves.
  const servedBy = new Map<ChangeKind, Set<string>>()
  for (const op of planned.operations) {
    for (const kind of kindsOfOperation(op)) {
      const rows = servedBy.get(kind) ?? new Set<string>()
      for (const rowKey of op.rowKeys) rows.add(rowKey)
      servedBy.set(kind, rows)
    }
  }
  const now = new Map(after.map((row) => [row.key, row]))
  const dropped: Array<{ readonly rowKey: string; readonly reason: string }> = []
  for (const row of before) {
    // A row with an operation of its own has its changes, derived again, planned.
    if (reported.has(row.key) || [...servedBy.values()].some((rows) => rows.has(row.key))) continue
    const derived = now.get(row.key)
    const still = new Set(derived === undefined ? [] : approved(derived))
    const summedWith = derived === undefined ? undefined : groupHead(derived, after)
    // A change is lost when the row derived again no longer carries it and no operation makes it
    // for the row it is now summed with.
    const lost = approved(row).filter(
      (kind) => !still.has(kind) && (summedWith === undefined || servedBy.get(kind)?.has(summedWith) !== true)
    )
    if (lost.length === 0) continue
    const what = lost.map((kind) => describedChange[kind]).join(", ")
    dropped.push({
      rowKey: row.key,
      reason:
        derived === undefined && row.origin === "connectwise"
          ? `the approved ${what} no longer holds: with the links confirmed in this plan the invoice carries this addition's product, so the row was derived again; review it before planning`
          : summedWith === undefined
            ? `the approved ${what} no longer hold${lost.length === 1 ? "s" : ""} once the links confirmed in this plan are applied: the row was derived again, review it before planning`
            : `the approved ${what} ${lost.length === 1 ? "is" : "are"} now shown on row ${summedWith}: a link confirmed in this plan sums both rows (same agreement and product), so the differences were derived again and are not planned from this row: review them there`
    })
  }
  return dropped
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

// The change kinds an operation makes (a dated change's replacing addition makes the values it carries).
const kindsOfOperation = (op: ChangePlan["operations"][number]): ReadonlyArray<ChangeKind> => {
  switch (op._tag) {
    case "UpdateAdditionQuantity":
      return ["updateQuantity"]
    case "UpdateAdditionUnitCost":
      return ["updateUnitCost"]
    case "UpdateAdditionUnitPrice":
      return ["updateUnitPrice"]
    case "AddAddition":
      return op.replaces === undefined ? ["addAddition"] : ["updateQuantity", "updateUnitCost", "updateUnitPrice"]
    case "CancelAddition":
      return op.replacedBy === undefined ? ["cancelAddition"] : []
    default:
      return []
  }
}

// The row a summed row's differences are shown on: the first row linked to the same agreement and product.
const groupHead = (row: ReconciliationRow, rows: ReadonlyArray<ReconciliationRow>): string | undefined => {
  if (row.origin !== "invoice" || !row.notices.some((notice) => notice.code === "combined-rows")) return undefined
  const agreementId = linkedId(row.agreementResolution)
  const productId = linkedId(row.productResolution)
  if (agreementId === undefined || productId === undefined) return undefined
  const head = rows.find(
    (other) =>
      other.origin === "invoice" &&
      linkedId(other.customerResolution) !== undefined &&
      !other.deviations.some((deviation) => deviation._tag === "InvalidLine") &&
      linkedId(other.agreementResolution) === agreementId &&
      linkedId(other.productResolution) === productId
  )
  return head === undefined || head.key === row.key ? undefined : head.key
}
