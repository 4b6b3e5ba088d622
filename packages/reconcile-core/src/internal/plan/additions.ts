import { BigDecimal } from "effect"
import { addDays } from "../../Calendar.ts"
import type { TargetRef } from "../../ChangePlan.ts"
import type { AdditionMissing, QuantityDiffers, UnitCostDiffers, UnitPriceDiffers } from "../../Deviation.ts"
import {
  addAdditionSource,
  cancelAdditionSource,
  replaceAdditionSource,
  updatePriceSource,
  updateQuantitySource
} from "../../IdempotencyKeys.ts"
import type { PsaAddition } from "../../PsaSnapshot.ts"
import { EMPTY, ZERO } from "../lines.ts"
import {
  addAddition,
  cancelAddition,
  updateAdditionQuantity,
  updateAdditionUnitCost,
  updateAdditionUnitPrice
} from "../shapes.ts"
import type { RowPlanning } from "./RowPlanning.ts"

/** Where the row's additions live: the agreement and product, existing or created earlier in the plan. */
export interface AdditionTargets {
  readonly agreement: TargetRef
  readonly product: TargetRef
  /** Keys of the operations that create them. */
  readonly dependsOn: ReadonlyArray<string>
}

/** `AdditionMissing`: add an addition with the invoiced quantity and the lines' common unit cost. */
export const planAddAddition = (planning: RowPlanning, deviation: AdditionMissing, targets: AdditionTargets): void => {
  const { row, linkId, effectiveDate } = planning
  if (!BigDecimal.isPositive(deviation.quantity)) {
    planning.skip("an addition needs a positive quantity")
    return
  }
  if (row.unitCost === undefined) {
    planning.skip("the lines disagree on the unit cost")
    return
  }
  const { unitCost, unitPrice } = row
  const idempotencyKey = planning.ownKey(
    addAdditionSource(linkId, row.period, targets.agreement, targets.product, deviation.quantity)
  )
  planning.addBuilt(
    idempotencyKey,
    addAddition({
      idempotencyKey,
      dependsOn: targets.dependsOn,
      rowKeys: [row.key],
      effectiveDate,
      currency: row.currency,
      costImpact: planning.decimal(BigDecimal.multiply(deviation.quantity, unitCost)),
      ...(unitPrice === undefined
        ? {}
        : { priceImpact: planning.decimal(BigDecimal.multiply(deviation.quantity, unitPrice)) }),
      agreement: targets.agreement,
      product: targets.product,
      quantity: deviation.quantity,
      unitCost,
      ...(unitPrice === undefined ? {} : { unitPrice }),
      billCustomer: "Billable"
    })
  )
}

/** The addition a row's quantity update changes, and its new quantity. */
export interface NewQuantity {
  readonly additionId: number
  readonly quantity: BigDecimal.BigDecimal
}

/**
 * `QuantityDiffers`: one addition (the decision's, else the newest) absorbs the difference.
 * Returns that addition's new quantity, which later price updates are weighed with.
 */
export const planQuantityUpdate = (planning: RowPlanning, deviation: QuantityDiffers): NewQuantity | undefined => {
  const { row, decision, linkId, effectiveDate } = planning
  const newest = (
    deviation.additions.length === 1
      ? deviation.additions[0]
      : [...deviation.additions].sort(
          (a, b) => ((a.effectiveDate ?? "") < (b.effectiveDate ?? "") ? 1 : -1) || b.id - a.id
        )[0]
  ) as PsaAddition
  const chosen =
    decision?.quantityAdditionId === undefined
      ? newest
      : deviation.additions.find((addition) => addition.id === decision.quantityAdditionId)
  if (chosen === undefined) {
    planning.skip(`addition ${decision?.quantityAdditionId} is not among the product's additions`)
    return undefined
  }
  const to = planning.decimal(
    BigDecimal.sum(chosen.quantity, BigDecimal.subtract(deviation.invoiced, deviation.current))
  )
  if (BigDecimal.isNegative(to)) {
    planning.skip(`addition ${chosen.id} cannot absorb the difference without going negative`)
    return undefined
  }
  const delta = BigDecimal.subtract(to, chosen.quantity)
  const idempotencyKey = planning.ownKey(updateQuantitySource(linkId, row.period, chosen.id, to))
  planning.addBuilt(
    idempotencyKey,
    updateAdditionQuantity({
      idempotencyKey,
      dependsOn: EMPTY,
      rowKeys: [row.key],
      effectiveDate,
      currency: row.currency,
      costImpact: planning.decimal(BigDecimal.multiply(delta, chosen.unitCost)),
      priceImpact: planning.decimal(BigDecimal.multiply(delta, chosen.unitPrice)),
      takesEffect: "immediately",
      agreementId: deviation.agreementId,
      additionId: chosen.id,
      productId: deviation.productId,
      from: chosen.quantity,
      to
    })
  )
  return { additionId: chosen.id, quantity: to }
}

/**
 * `UnitCostDiffers` / `UnitPriceDiffers`: set every differing addition to the invoiced value. The
 * impact is weighed with each addition's quantity after this plan's quantity update.
 */
export const planPriceUpdates = (
  planning: RowPlanning,
  deviation: UnitCostDiffers | UnitPriceDiffers,
  newQuantity: NewQuantity | undefined
): void => {
  const { row, linkId, effectiveDate } = planning
  const isCost = deviation._tag === "UnitCostDiffers"
  for (const addition of deviation.additions) {
    const from = isCost ? addition.unitCost : addition.unitPrice
    const quantity = newQuantity?.additionId === addition.id ? newQuantity.quantity : addition.quantity
    const change = planning.decimal(BigDecimal.multiply(BigDecimal.subtract(deviation.invoiced, from), quantity))
    const idempotencyKey = planning.ownKey(
      updatePriceSource(isCost ? "unitCost" : "unitPrice", linkId, row.period, addition.id, deviation.invoiced)
    )
    const fields = {
      idempotencyKey,
      dependsOn: EMPTY,
      rowKeys: [row.key],
      effectiveDate,
      currency: row.currency,
      costImpact: isCost ? change : ZERO,
      priceImpact: isCost ? ZERO : change,
      takesEffect: "immediately" as const,
      agreementId: deviation.agreementId,
      additionId: addition.id,
      productId: deviation.productId,
      from,
      to: deviation.invoiced
    }
    planning.addBuilt(idempotencyKey, isCost ? updateAdditionUnitCost(fields) : updateAdditionUnitPrice(fields))
  }
}

/** The new values of one addition in a dated change; absent fields stay as they are. */
export interface Replacement {
  readonly quantity?: BigDecimal.BigDecimal | undefined
  readonly unitCost?: BigDecimal.BigDecimal | undefined
  readonly unitPrice?: BigDecimal.BigDecimal | undefined
}

/**
 * A dated change (`datedChanges: "cancel-and-add"`): cancel the addition the day before the
 * effective date and add one with the new values from it, the add depending on the cancel.
 */
export const planReplacement = (planning: RowPlanning, addition: PsaAddition, change: Replacement): void => {
  const { row, linkId, effectiveDate } = planning
  const quantity = change.quantity ?? addition.quantity
  const unitCost = change.unitCost ?? addition.unitCost
  const unitPrice = change.unitPrice ?? addition.unitPrice
  const cancelDate = addDays(effectiveDate, -1)
  const addKey = planning.ownKey(replaceAdditionSource(linkId, row.period, addition.id, quantity, unitCost))
  const cancelKey = planning.ownKey(cancelAdditionSource(linkId, row.period, addition.id, cancelDate))
  planning.addBuilt(
    cancelKey,
    cancelAddition({
      idempotencyKey: cancelKey,
      dependsOn: EMPTY,
      rowKeys: [row.key],
      effectiveDate: cancelDate,
      currency: row.currency,
      costImpact: BigDecimal.negate(BigDecimal.multiply(addition.quantity, addition.unitCost)),
      priceImpact: BigDecimal.negate(BigDecimal.multiply(addition.quantity, addition.unitPrice)),
      agreementId: addition.agreementId,
      additionId: addition.id,
      productId: addition.productId,
      quantity: addition.quantity,
      replacedBy: addKey
    })
  )
  planning.addBuilt(
    addKey,
    addAddition({
      idempotencyKey: addKey,
      dependsOn: [cancelKey],
      rowKeys: [row.key],
      effectiveDate,
      currency: row.currency,
      costImpact: BigDecimal.multiply(quantity, unitCost),
      priceImpact: BigDecimal.multiply(quantity, unitPrice),
      agreement: planning.existing(addition.agreementId),
      product: planning.existing(addition.productId),
      quantity,
      unitCost,
      unitPrice,
      billCustomer: addition.billCustomer,
      replaces: addition.id
    })
  )
}
