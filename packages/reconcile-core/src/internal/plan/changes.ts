import type { Deviation } from "../../Deviation.ts"
import type { PsaAddition } from "../../PsaSnapshot.ts"
import {
  type AdditionTargets,
  type NewQuantity,
  planAddAddition,
  planPriceUpdates,
  planQuantityUpdate,
  planReplacement,
  type Replacement
} from "./additions.ts"
import { approvedAnything, approves, type RowPlanning } from "./RowPlanning.ts"

const relevantTags = new Set<Deviation["_tag"]>([
  "QuantityDiffers",
  "UnitCostDiffers",
  "UnitPriceDiffers",
  "AdditionMissing"
])

/**
 * The approved changes to a linked row's additions. Quantities come first so that price updates
 * are weighed with the new quantities; a row whose links changed since `diff` plans nothing.
 */
export const planAdditionChanges = (planning: RowPlanning, targets: AdditionTargets): void => {
  const agreementId = targets.agreement._tag === "Existing" ? targets.agreement.id : undefined
  const productId = targets.product._tag === "Existing" ? targets.product.id : undefined
  const stale = (deviation: Deviation) =>
    "agreementId" in deviation &&
    "productId" in deviation &&
    (deviation.agreementId !== agreementId || deviation.productId !== productId)
  const relevant = planning.row.deviations.filter((deviation) => relevantTags.has(deviation._tag))
  if (relevant.some(stale)) {
    if (approvedAnything(planning)) planning.skip("the row's link changed since diff: run diff again before planning")
    return
  }
  if (planning.settings.datedChanges === "cancel-and-add") {
    planDatedChanges(planning, relevant, targets)
    return
  }
  // A row has one quantity difference at most: the addition it updates, and its new quantity.
  let newQuantity: NewQuantity | undefined
  for (const deviation of relevant) {
    if (deviation._tag === "AdditionMissing" && approves(planning, "addAddition")) {
      planAddAddition(planning, deviation, targets)
    } else if (deviation._tag === "QuantityDiffers" && approves(planning, "updateQuantity")) {
      newQuantity = planQuantityUpdate(planning, deviation) ?? newQuantity
    }
  }
  for (const deviation of relevant) {
    if (deviation._tag === "UnitCostDiffers" && approves(planning, "updateUnitCost")) {
      planPriceUpdates(planning, deviation, newQuantity)
    } else if (deviation._tag === "UnitPriceDiffers" && approves(planning, "updateUnitPrice")) {
      planPriceUpdates(planning, deviation, newQuantity)
    }
  }
}

// Dated changes: a missing addition is added as usual; a changed one is replaced (one pair per addition).
const planDatedChanges = (
  planning: RowPlanning,
  relevant: ReadonlyArray<Deviation>,
  targets: AdditionTargets
): void => {
  const changes = new Map<number, { addition: PsaAddition; change: Replacement }>()
  const change = (addition: PsaAddition, values: Replacement) => {
    const entry = changes.get(addition.id) ?? { addition, change: {} }
    changes.set(addition.id, { addition, change: { ...entry.change, ...values } })
  }
  for (const deviation of relevant) {
    if (deviation._tag === "AdditionMissing" && approves(planning, "addAddition")) {
      planAddAddition(planning, deviation, targets)
    } else if (deviation._tag === "QuantityDiffers" && approves(planning, "updateQuantity")) {
      const [only] = deviation.additions
      if (only !== undefined && deviation.additions.length === 1) change(only, { quantity: deviation.invoiced })
    } else if (deviation._tag === "UnitCostDiffers" && approves(planning, "updateUnitCost")) {
      for (const addition of deviation.additions) change(addition, { unitCost: deviation.invoiced })
    } else if (deviation._tag === "UnitPriceDiffers" && approves(planning, "updateUnitPrice")) {
      for (const addition of deviation.additions) change(addition, { unitPrice: deviation.invoiced })
    }
  }
  for (const { addition, change: values } of changes.values()) planReplacement(planning, addition, values)
}
