import { BigDecimal, Schema } from "effect"
import { LocalDate } from "./Calendar.ts"
import { Decimal } from "./Decimal.ts"
import { ZERO } from "./internal/lines.ts"
import { Instant, Key, Label } from "./internal/storageFields.ts"
import { Mapping, MappingKind, MappingMethod } from "./Mapping.ts"

/**
 * A record that exists in ConnectWise.
 *
 * @since 0.1.0
 */
export class Existing extends Schema.TaggedClass<Existing>()("Existing", { id: Schema.Int }) {}

/**
 * A record an earlier operation of the plan creates: its id is that operation's result.
 *
 * @since 0.1.0
 */
export class Created extends Schema.TaggedClass<Created>()("Created", { opKey: Schema.String }) {}

/**
 * Where an operation's target is.
 *
 * @since 0.1.0
 */
export const TargetRef = Schema.Union([Existing, Created])

/** @since 0.1.0 */
export type TargetRef = typeof TargetRef.Type

const common = {
  /** Deterministic from (link, period, target, field, value): applying twice has no second effect. */
  idempotencyKey: Schema.String,
  /** Keys of operations that must be done first (their results give this one's ids). */
  dependsOn: Schema.Array(Schema.String),
  /** The grid rows this operation serves. */
  rowKeys: Schema.Array(Schema.String),
  effectiveDate: LocalDate
}

const impact = {
  currency: Schema.String,
  /** The change in monthly cost (quantity × unit cost) this operation causes. */
  costImpact: Decimal,
  /** The change in monthly price; absent when the price is ConnectWise's catalog default. */
  priceImpact: Schema.optional(Decimal)
}

/**
 * Create a catalog item.
 *
 * @since 0.1.0
 */
export class CreateProduct extends Schema.TaggedClass<CreateProduct>()("CreateProduct", {
  ...common,
  identifier: Schema.String,
  description: Schema.String,
  cost: Decimal,
  price: Schema.optional(Decimal),
  subcategoryId: Schema.optional(Schema.Int),
  typeId: Schema.optional(Schema.Int),
  productClass: Schema.optional(Schema.String),
  taxable: Schema.optional(Schema.Boolean)
}) {}

/**
 * Create an agreement for a company.
 *
 * @since 0.1.0
 */
export class CreateAgreement extends Schema.TaggedClass<CreateAgreement>()("CreateAgreement", {
  ...common,
  companyId: Schema.Int,
  name: Schema.String,
  typeId: Schema.Int,
  startDate: LocalDate,
  currency: Schema.String,
  billingCycleId: Schema.optional(Schema.Int),
  billingTermsId: Schema.optional(Schema.Int),
  prorate: Schema.optional(Schema.Boolean)
}) {}

/**
 * Add an addition of a product to an agreement.
 *
 * @since 0.1.0
 */
export class AddAddition extends Schema.TaggedClass<AddAddition>()("AddAddition", {
  ...common,
  ...impact,
  agreement: TargetRef,
  product: TargetRef,
  quantity: Decimal,
  unitCost: Decimal,
  /** Absent: ConnectWise takes the catalog price. */
  unitPrice: Schema.optional(Decimal),
  billCustomer: Schema.Literals(["Billable", "DoNotBill", "NoCharge"]),
  /** The addition this one replaces from `effectiveDate` (a dated change); it is cancelled the day before. */
  replaces: Schema.optional(Schema.Int)
}) {}

const update = (to: typeof Decimal) => ({
  ...common,
  ...impact,
  /**
   * When the change holds in ConnectWise: `immediately` — the addition is patched in place and a
   * patch carries no date, so `effectiveDate` is the date the plan was meant for, not one
   * ConnectWise records (use `datedChanges: "cancel-and-add"` for a dated change).
   */
  takesEffect: Schema.Literals(["immediately"]),
  agreementId: Schema.Int,
  additionId: Schema.Int,
  productId: Schema.Int,
  from: to,
  to
})

/**
 * Change an addition's quantity.
 *
 * @since 0.1.0
 */
export class UpdateAdditionQuantity extends Schema.TaggedClass<UpdateAdditionQuantity>()(
  "UpdateAdditionQuantity",
  update(Decimal)
) {}

/**
 * Change an addition's unit cost.
 *
 * @since 0.1.0
 */
export class UpdateAdditionUnitCost extends Schema.TaggedClass<UpdateAdditionUnitCost>()(
  "UpdateAdditionUnitCost",
  update(Decimal)
) {}

/**
 * Change an addition's unit price.
 *
 * @since 0.1.0
 */
export class UpdateAdditionUnitPrice extends Schema.TaggedClass<UpdateAdditionUnitPrice>()(
  "UpdateAdditionUnitPrice",
  update(Decimal)
) {}

/**
 * Cancel an addition as of `effectiveDate` (its cancel date): it is dated, not deleted. With
 * `replacedBy`, it is the first half of a dated change: the `AddAddition` with that key (which
 * depends on this one) starts the day after with the new values.
 *
 * @since 0.1.0
 */
export class CancelAddition extends Schema.TaggedClass<CancelAddition>()("CancelAddition", {
  ...common,
  ...impact,
  agreementId: Schema.Int,
  additionId: Schema.Int,
  productId: Schema.Int,
  /** The addition's quantity, which stops billing. */
  quantity: Decimal,
  replacedBy: Schema.optional(Schema.String)
}) {}

/**
 * Persist a mapping so next month the same lines link themselves (through `MappingStore`).
 *
 * @since 0.1.0
 */
export class RememberMapping extends Schema.TaggedClass<RememberMapping>()("RememberMapping", {
  ...common,
  kind: MappingKind,
  sourceKey: Key,
  productKey: Schema.optional(Key),
  target: TargetRef,
  method: MappingMethod,
  decidedBy: Label,
  decidedAt: Instant
}) {}

/**
 * One typed operation of a change plan.
 *
 * @since 0.1.0
 */
export const PlanOperation = Schema.Union([
  CreateProduct,
  CreateAgreement,
  AddAddition,
  UpdateAdditionQuantity,
  UpdateAdditionUnitCost,
  UpdateAdditionUnitPrice,
  CancelAddition,
  RememberMapping
])

/** @since 0.1.0 */
export type PlanOperation = typeof PlanOperation.Type

/**
 * A row the user approved changes for that could not be planned, and why.
 *
 * @since 0.1.0
 */
export class SkippedRow extends Schema.Class<SkippedRow>("SkippedRow")({
  rowKey: Schema.String,
  reason: Schema.String
}) {}

/**
 * An ordered list of approved operations, with dependencies and idempotency keys; JSON both ways.
 *
 * @since 0.1.0
 */
export class ChangePlan extends Schema.Class<ChangePlan>("ChangePlan")({
  linkId: Schema.String,
  operations: Schema.Array(PlanOperation),
  skipped: Schema.Array(SkippedRow)
}) {}

/**
 * Per-currency monthly impact of a plan.
 *
 * @since 0.1.0
 */
export class CurrencyImpact extends Schema.Class<CurrencyImpact>("CurrencyImpact")({
  currency: Schema.String,
  cost: Decimal,
  price: Decimal
}) {}

/**
 * What a plan does, in numbers: operations per kind, the monthly cost and price impact per
 * currency, how many additions take the catalog price (not in `price`), and skipped rows.
 *
 * @since 0.1.0
 */
export class PlanSummary extends Schema.Class<PlanSummary>("PlanSummary")({
  counts: Schema.Record(Schema.String, Schema.Int),
  impact: Schema.Array(CurrencyImpact),
  catalogPricedAdditions: Schema.Int,
  skipped: Schema.Int
}) {}

/**
 * Counts per operation kind and the monthly cost and price impact per currency of a plan.
 *
 * @since 0.1.0
 */
export const summary = (changePlan: ChangePlan): PlanSummary => {
  const counts: Record<string, number> = {}
  const impact = new Map<string, { cost: BigDecimal.BigDecimal; price: BigDecimal.BigDecimal }>()
  let catalogPricedAdditions = 0
  for (const op of changePlan.operations) {
    counts[op._tag] = (counts[op._tag] ?? 0) + 1
    if (!("costImpact" in op)) continue
    const entry = impact.get(op.currency) ?? { cost: ZERO, price: ZERO }
    entry.cost = BigDecimal.sum(entry.cost, op.costImpact)
    if (op.priceImpact === undefined) catalogPricedAdditions++
    else entry.price = BigDecimal.sum(entry.price, op.priceImpact)
    impact.set(op.currency, entry)
  }
  return new PlanSummary({
    counts,
    impact: [...impact.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([currency, { cost, price }]) => new CurrencyImpact({ currency, cost, price })),
    catalogPricedAdditions,
    skipped: changePlan.skipped.length
  })
}

/**
 * The `Mapping` a `RememberMapping` operation persists, given the ids its dependencies created
 * (by operation key); `undefined` while a created target's id is unknown.
 *
 * @since 0.1.0
 */
export const toMapping = (op: RememberMapping, createdIds?: ReadonlyMap<string, number>): Mapping | undefined => {
  const targetId = op.target._tag === "Existing" ? op.target.id : createdIds?.get(op.target.opKey)
  if (targetId === undefined) return undefined
  return new Mapping({
    kind: op.kind,
    sourceKey: op.sourceKey,
    ...(op.productKey === undefined ? {} : { productKey: op.productKey }),
    targetId,
    method: op.method,
    decidedBy: op.decidedBy,
    decidedAt: op.decidedAt
  })
}
