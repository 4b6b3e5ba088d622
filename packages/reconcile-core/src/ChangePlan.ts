import { BigDecimal, Schema } from "effect"
import { Decisions, RowDecision, type TargetChoice } from "./Decisions.ts"
import type { Deviation } from "./Deviation.ts"
import type { GridRow } from "./GridRow.ts"
import { decimalKey, ZERO } from "./internal/lines.ts"
import { sha256Hex } from "./internal/sha256.ts"
import { type ChangeKind, type LinkSettings, type Settings, settingsOf } from "./LinkSettings.ts"
import { Mapping, MappingKind, MappingMethod } from "./Mapping.ts"
import type { PsaAddition } from "./PsaSnapshot.ts"
import { Instant, Key, Label } from "./ports/StorageCodec.ts"
import { linkedId, type Resolution } from "./Resolution.ts"
import { addDays, Decimal, LocalDate, type Period } from "./Values.ts"

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
  billCustomer: Schema.Literals(["Billable", "DoNotBill", "NoCharge"])
}) {}

const update = (to: typeof Decimal) => ({
  ...common,
  ...impact,
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
 * Cancel an addition as of `effectiveDate` (its cancel date): it is dated, not deleted.
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
  quantity: Decimal
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

const order: ReadonlyArray<PlanOperation["_tag"]> = [
  "CreateProduct",
  "CreateAgreement",
  "AddAddition",
  "UpdateAdditionQuantity",
  "UpdateAdditionUnitCost",
  "UpdateAdditionUnitPrice",
  "CancelAddition",
  "RememberMapping"
]

/**
 * The deterministic idempotency key of an operation: a SHA-256 of its link, period, target,
 * field and value, prefixed by its kind for readability.
 *
 * @since 0.1.0
 */
export const idempotencyKey = (
  tag: string,
  linkId: string,
  period: { readonly start: string; readonly end: string },
  target: ReadonlyArray<string | number>,
  field: string,
  value: string
): string => `${tag}:${sha256Hex(JSON.stringify([linkId, period.start, period.end, tag, target, field, value]))}`

const refText = (ref: TargetRef) => (ref._tag === "Existing" ? `id:${ref.id}` : `op:${ref.opKey}`)

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

type Side = "customer" | "product" | "agreement"

interface Target {
  readonly ref: TargetRef | "create" | undefined
  /** How to remember it, when it should be remembered. */
  readonly remember: Mapping["method"] | undefined
}

const targetOf = (resolution: Resolution, choice: TargetChoice | undefined, side: Side): Target => {
  if (choice?._tag === "UseTarget") {
    const suggested =
      (resolution._tag === "Suggested" && resolution.candidates.some((c) => c.targetId === choice.targetId)) ||
      (resolution._tag === "Ambiguous" && resolution.candidateIds.includes(choice.targetId))
    const sameAsMapped = resolution._tag === "Mapped" && resolution.targetId === choice.targetId
    return {
      ref: new Existing({ id: choice.targetId }),
      remember: sameAsMapped ? undefined : suggested ? "confirmed-suggestion" : "manual"
    }
  }
  if (choice?._tag === "CreateTarget") return { ref: side === "customer" ? undefined : "create", remember: "manual" }
  const id = linkedId(resolution)
  if (id === undefined) return { ref: undefined, remember: undefined }
  // Agreements inferred from the data are re-inferred each month rather than frozen.
  const remember =
    resolution._tag === "Matched" && (resolution.on === "carries-product" || resolution.on === "only-agreement-of-type")
      ? undefined
      : resolution._tag === "Matched"
        ? "exact-identifier"
        : resolution._tag === "Suggested"
          ? "auto-accepted"
          : undefined
  return { ref: new Existing({ id }), remember }
}

const approves = (decision: RowDecision | undefined, settings: Settings, kind: ChangeKind): boolean =>
  settings.autoApprove.has(kind) ||
  decision?.approve === "all" ||
  (Array.isArray(decision?.approve) && decision.approve.includes(kind))

const mul = BigDecimal.multiply
const sub = BigDecimal.subtract

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
  const s = settingsOf(settings)
  const linkId = decisions.linkId
  const operations = new Map<string, PlanOperation>()
  const rowKeysOf = new Map<string, Set<string>>()
  const skipped: Array<SkippedRow> = []
  const add = (op: PlanOperation, rowKey: string) => {
    if (!operations.has(op.idempotencyKey)) operations.set(op.idempotencyKey, op)
    let keys = rowKeysOf.get(op.idempotencyKey)
    if (keys === undefined) {
      keys = new Set()
      rowKeysOf.set(op.idempotencyKey, keys)
    }
    keys.add(rowKey)
  }
  const remember = (
    row: GridRow,
    kind: Mapping["kind"],
    sourceKey: string,
    productKey: string | undefined,
    target: TargetRef,
    method: Mapping["method"],
    effectiveDate: string
  ) => {
    add(
      new RememberMapping({
        idempotencyKey: idempotencyKey(
          "RememberMapping",
          linkId,
          row.period,
          [kind, sourceKey, productKey ?? ""],
          "target",
          refText(target)
        ),
        dependsOn: target._tag === "Created" ? [target.opKey] : [],
        rowKeys: [],
        effectiveDate,
        kind,
        sourceKey,
        ...(productKey === undefined ? {} : { productKey }),
        target,
        method,
        decidedBy: decisions.decidedBy,
        decidedAt: decisions.decidedAt
      }),
      row.key
    )
  }
  // An agreement chosen for a customer applies to all its products unless its rows chose differently.
  const agreementChoices = new Map<string, Set<string>>()
  for (const row of rows) {
    const choice = decisions.rows[row.key]?.agreement
    if (row.origin !== "invoice" || choice === undefined || decisions.rows[row.key]?.exclude === true) continue
    const set = agreementChoices.get(row.customer.key) ?? new Set()
    set.add(choice._tag === "UseTarget" ? `id:${choice.targetId}` : "create")
    agreementChoices.set(row.customer.key, set)
  }

  for (const row of rows) {
    const decision = decisions.rows[row.key]
    if (decision?.exclude === true) continue
    const effectiveDate = effectiveDateOf(row.period, settings, decision)
    const skip = (reason: string) => skipped.push(new SkippedRow({ rowKey: row.key, reason }))
    const customer = targetOf(row.customerResolution, decision?.customer, "customer")
    const product = targetOf(row.productResolution, decision?.product, "product")
    const agreement = targetOf(row.agreementResolution, decision?.agreement, "agreement")
    if (row.origin === "connectwise") {
      for (const deviation of row.deviations) {
        if (deviation._tag !== "AdditionNotInvoiced" || !approves(decision, s, "cancelAddition")) continue
        const a = deviation.addition
        add(
          new CancelAddition({
            idempotencyKey: idempotencyKey(
              "CancelAddition",
              linkId,
              row.period,
              [a.id],
              "cancelledDate",
              effectiveDate
            ),
            dependsOn: [],
            rowKeys: [],
            effectiveDate,
            currency: row.currency,
            costImpact: BigDecimal.negate(mul(a.quantity, a.unitCost)),
            priceImpact: BigDecimal.negate(mul(a.quantity, a.unitPrice)),
            agreementId: a.agreementId,
            additionId: a.id,
            productId: a.productId,
            quantity: a.quantity
          }),
          row.key
        )
      }
      continue
    }
    if (customer.ref === undefined) {
      if (decision !== undefined && decision.approve !== undefined) skip("the customer is not linked to a company")
      continue
    }
    const companyId = (customer.ref as Existing).id
    if (customer.remember !== undefined && row.customer.key !== "") {
      remember(row, "customer", row.customer.key, undefined, customer.ref as Existing, customer.remember, effectiveDate)
    }
    // Products and agreements to create.
    let productRef: TargetRef | undefined = product.ref === "create" ? undefined : product.ref
    const createProduct =
      product.ref === "create" ||
      (product.ref === undefined && row.productResolution._tag === "Missing" && s.autoApprove.has("createProduct"))
    if (createProduct) {
      const create = new CreateProduct({
        idempotencyKey: idempotencyKey(
          "CreateProduct",
          linkId,
          row.period,
          [row.product.key],
          "identifier",
          row.product.code
        ),
        dependsOn: [],
        rowKeys: [],
        effectiveDate,
        identifier: row.product.code,
        description: row.product.description,
        cost: row.unitCost ?? ZERO,
        ...(row.unitPrice === undefined ? {} : { price: row.unitPrice }),
        ...(s.newProduct?.subcategoryId === undefined ? {} : { subcategoryId: s.newProduct.subcategoryId }),
        ...(s.newProduct?.typeId === undefined ? {} : { typeId: s.newProduct.typeId }),
        ...(s.newProduct?.productClass === undefined ? {} : { productClass: s.newProduct.productClass }),
        ...(s.newProduct?.taxable === undefined ? {} : { taxable: s.newProduct.taxable })
      })
      if (row.product.code === "") {
        skip("a product without a code cannot be created")
      } else {
        add(create, row.key)
        productRef = new Created({ opKey: create.idempotencyKey })
      }
    }
    let agreementRef: TargetRef | undefined = agreement.ref === "create" ? undefined : agreement.ref
    const createAgreement =
      agreement.ref === "create" ||
      (agreement.ref === undefined &&
        row.agreementResolution._tag === "Missing" &&
        s.autoApprove.has("createAgreement"))
    if (createAgreement) {
      const template = s.newAgreement
      if (template === undefined) {
        skip("creating an agreement needs newAgreement in the link settings")
      } else if (row.currency === "") {
        skip("creating an agreement needs the lines' currency")
      } else {
        const create = new CreateAgreement({
          idempotencyKey: idempotencyKey(
            "CreateAgreement",
            linkId,
            row.period,
            [companyId, template.typeId],
            "currency",
            row.currency
          ),
          dependsOn: [],
          rowKeys: [],
          effectiveDate,
          companyId,
          name: (template.name ?? "{customer}")
            .replaceAll("{customer}", row.customer.name)
            .replaceAll("{code}", row.customer.code),
          typeId: template.typeId,
          startDate: effectiveDate,
          currency: row.currency,
          ...(template.billingCycleId === undefined ? {} : { billingCycleId: template.billingCycleId }),
          ...(template.billingTermsId === undefined ? {} : { billingTermsId: template.billingTermsId }),
          ...(template.prorate === undefined ? {} : { prorate: template.prorate })
        })
        add(create, row.key)
        agreementRef = new Created({ opKey: create.idempotencyKey })
      }
    }
    if (productRef !== undefined && product.remember !== undefined) {
      remember(row, "product", row.product.key, undefined, productRef, product.remember, effectiveDate)
    }
    if (agreementRef !== undefined && agreement.remember !== undefined) {
      const customerWide = (agreementChoices.get(row.customer.key)?.size ?? 0) <= 1
      remember(
        row,
        "agreement",
        row.customer.key,
        customerWide ? undefined : row.product.key,
        agreementRef,
        agreement.remember,
        effectiveDate
      )
    }
    if (productRef === undefined || agreementRef === undefined) {
      if (decision?.approve !== undefined && row.deviations.length > 0) {
        skip(productRef === undefined ? "the product is not linked" : "the agreement is not linked")
      }
      continue
    }
    planChanges(row, decision, s, linkId, effectiveDate, agreementRef, productRef, add, skip)
  }

  const ops = [...operations.values()].map((op) => {
    const rowKeys = [...(rowKeysOf.get(op.idempotencyKey) ?? [])].sort()
    return { ...op, rowKeys } as PlanOperation
  })
  ops.sort(
    (a, b) =>
      order.indexOf(a._tag) - order.indexOf(b._tag) ||
      ((a.rowKeys[0] ?? "") < (b.rowKeys[0] ?? "") ? -1 : (a.rowKeys[0] ?? "") > (b.rowKeys[0] ?? "") ? 1 : 0) ||
      (a.idempotencyKey < b.idempotencyKey ? -1 : a.idempotencyKey > b.idempotencyKey ? 1 : 0)
  )
  return new ChangePlan({ linkId, operations: ops.map(rebuild), skipped })
}

// Spreading a class instance loses its prototype; rebuild so the plan holds real instances.
const rebuild = (op: PlanOperation): PlanOperation => {
  switch (op._tag) {
    case "CreateProduct":
      return new CreateProduct(op)
    case "CreateAgreement":
      return new CreateAgreement(op)
    case "AddAddition":
      return new AddAddition(op)
    case "UpdateAdditionQuantity":
      return new UpdateAdditionQuantity(op)
    case "UpdateAdditionUnitCost":
      return new UpdateAdditionUnitCost(op)
    case "UpdateAdditionUnitPrice":
      return new UpdateAdditionUnitPrice(op)
    case "CancelAddition":
      return new CancelAddition(op)
    case "RememberMapping":
      return new RememberMapping(op)
  }
}

const planChanges = (
  row: GridRow,
  decision: RowDecision | undefined,
  s: Settings,
  linkId: string,
  effectiveDate: string,
  agreementRef: TargetRef,
  productRef: TargetRef,
  add: (op: PlanOperation, rowKey: string) => void,
  skip: (reason: string) => void
) => {
  const dependsOn = [agreementRef, productRef].flatMap((ref) => (ref._tag === "Created" ? [ref.opKey] : []))
  const agreementId = agreementRef._tag === "Existing" ? agreementRef.id : undefined
  const productId = productRef._tag === "Existing" ? productRef.id : undefined
  const stale = (deviation: Deviation) =>
    "agreementId" in deviation &&
    "productId" in deviation &&
    (deviation.agreementId !== agreementId || deviation.productId !== productId)
  const relevant = row.deviations.filter(
    (deviation) =>
      deviation._tag === "QuantityDiffers" ||
      deviation._tag === "UnitCostDiffers" ||
      deviation._tag === "UnitPriceDiffers" ||
      deviation._tag === "AdditionMissing"
  )
  if (relevant.some(stale)) {
    if (decision?.approve !== undefined) skip("the row's link changed since diff: run diff again before planning")
    return
  }
  const currency = row.currency
  const newQuantity = new Map<number, BigDecimal.BigDecimal>()
  for (const deviation of relevant) {
    switch (deviation._tag) {
      case "AdditionMissing": {
        if (!approves(decision, s, "addAddition")) break
        if (!BigDecimal.isPositive(deviation.quantity)) {
          skip("an addition needs a positive quantity")
          break
        }
        if (row.unitCost === undefined) {
          skip("the lines disagree on the unit cost")
          break
        }
        add(
          new AddAddition({
            idempotencyKey: idempotencyKey(
              "AddAddition",
              linkId,
              row.period,
              [refText(agreementRef), refText(productRef)],
              "quantity",
              decimalKey(deviation.quantity)
            ),
            dependsOn,
            rowKeys: [],
            effectiveDate,
            currency,
            costImpact: mul(deviation.quantity, row.unitCost),
            ...(row.unitPrice === undefined ? {} : { priceImpact: mul(deviation.quantity, row.unitPrice) }),
            agreement: agreementRef,
            product: productRef,
            quantity: deviation.quantity,
            unitCost: row.unitCost,
            ...(row.unitPrice === undefined ? {} : { unitPrice: row.unitPrice }),
            billCustomer: "Billable"
          }),
          row.key
        )
        break
      }
      case "QuantityDiffers": {
        if (!approves(decision, s, "updateQuantity")) break
        const newest = [...deviation.additions].sort(
          (a, b) => ((a.effectiveDate ?? "") < (b.effectiveDate ?? "") ? 1 : -1) || b.id - a.id
        )[0] as PsaAddition
        const chosen =
          decision?.quantityAdditionId === undefined
            ? newest
            : deviation.additions.find((addition) => addition.id === decision.quantityAdditionId)
        if (chosen === undefined) {
          skip(`addition ${decision?.quantityAdditionId} is not among the product's additions`)
          break
        }
        const to = BigDecimal.sum(chosen.quantity, sub(deviation.invoiced, deviation.current))
        if (BigDecimal.isNegative(to)) {
          skip(`addition ${chosen.id} cannot absorb the difference without going negative`)
          break
        }
        newQuantity.set(chosen.id, to)
        const delta = sub(to, chosen.quantity)
        add(
          new UpdateAdditionQuantity({
            idempotencyKey: idempotencyKey(
              "UpdateAdditionQuantity",
              linkId,
              row.period,
              [chosen.id],
              "quantity",
              decimalKey(to)
            ),
            dependsOn: [],
            rowKeys: [],
            effectiveDate,
            currency,
            costImpact: mul(delta, chosen.unitCost),
            priceImpact: mul(delta, chosen.unitPrice),
            agreementId: deviation.agreementId,
            additionId: chosen.id,
            productId: deviation.productId,
            from: chosen.quantity,
            to
          }),
          row.key
        )
        break
      }
      default:
        break
    }
  }
  for (const deviation of relevant) {
    if (deviation._tag !== "UnitCostDiffers" && deviation._tag !== "UnitPriceDiffers") continue
    const isCost = deviation._tag === "UnitCostDiffers"
    if (!approves(decision, s, isCost ? "updateUnitCost" : "updateUnitPrice")) continue
    for (const addition of deviation.additions) {
      const from = isCost ? addition.unitCost : addition.unitPrice
      const quantity = newQuantity.get(addition.id) ?? addition.quantity
      const change = mul(sub(deviation.invoiced, from), quantity)
      const fields = {
        idempotencyKey: idempotencyKey(
          deviation._tag === "UnitCostDiffers" ? "UpdateAdditionUnitCost" : "UpdateAdditionUnitPrice",
          linkId,
          row.period,
          [addition.id],
          isCost ? "unitCost" : "unitPrice",
          decimalKey(deviation.invoiced)
        ),
        dependsOn: [],
        rowKeys: [],
        effectiveDate,
        currency,
        agreementId: deviation.agreementId,
        additionId: addition.id,
        productId: deviation.productId,
        from,
        to: deviation.invoiced
      }
      add(
        isCost
          ? new UpdateAdditionUnitCost({ ...fields, costImpact: change, priceImpact: ZERO })
          : new UpdateAdditionUnitPrice({ ...fields, costImpact: ZERO, priceImpact: change }),
        row.key
      )
    }
  }
}

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

const onlyChoices = (rows: Decisions["rows"]): Decisions["rows"] => {
  const result: Record<string, RowDecision> = {}
  for (const [key, decision] of Object.entries(rows)) {
    const { approve: _approve, ...rest } = decision
    result[key] = new RowDecision(rest)
  }
  return result
}
