/** The truth's changes and a plan's, as comparable strings: shared by the answer-key and README tests. */
import type { ChangePlan } from "@psa-ledger/reconcile-core"
import type { World } from "@psa-ledger/sandbox"
import { BigDecimal } from "effect"

const norm = (text: string) => BigDecimal.format(BigDecimal.normalize(BigDecimal.fromStringUnsafe(text)))
const dec = (value: BigDecimal.BigDecimal) => BigDecimal.format(BigDecimal.normalize(value))

/**
 * The ConnectWise changes the truth calls for in the month, as comparable strings. A
 * `duplicateAdditions` calls for none: which of the additions is right is a person's call.
 */
export const truthChanges = (world: World): Set<string> => {
  const month = world.truth.months.at(-1)!
  const itemCode = new Map(world.truth.links.items.map((item) => [item.itemId, item.itemCode]))
  const expected = new Set<string>()
  for (const d of month.deviations) {
    if (d.kind === "quantityOff") expected.add(`qty:${d.additionId}:${norm(d.invoiceQuantity)}`)
    if (d.kind === "unitCostOff") expected.add(`cost:${d.additionId}:${norm(d.invoiceUnitCost)}`)
    if (d.kind === "additionNotInvoiced" && d.proposal === "cancel") expected.add(`cancel:${d.additionId}`)
    if (d.kind === "additionMissing" && d.companyId !== null) {
      const agreement = d.agreementId ?? `new:${d.companyId}`
      const product = d.catalogItemId ?? `new:${itemCode.get(d.itemId)}`
      if (d.agreementId === null) expected.add(`createAgreement:${d.companyId}`)
      if (d.catalogItemId === null) expected.add(`createProduct:${itemCode.get(d.itemId)}`)
      expected.add(`add:${agreement}:${product}:${norm(d.invoiceQuantity)}:${norm(d.invoiceUnitCost)}`)
    }
  }
  return expected
}

/** A plan's ConnectWise operations as the same strings. */
export const planChanges = (plan: ChangePlan): Array<string> => {
  const byKey = new Map(plan.operations.map((op) => [op.idempotencyKey, op]))
  const ref = (target: { _tag: "Existing"; id: number } | { _tag: "Created"; opKey: string }) => {
    if (target._tag === "Existing") return String(target.id)
    const created = byKey.get(target.opKey)
    return created?._tag === "CreateAgreement"
      ? `new:${created.companyId}`
      : created?._tag === "CreateProduct"
        ? `new:${created.identifier}`
        : `?${target.opKey}`
  }
  return plan.operations.flatMap((op) => {
    switch (op._tag) {
      case "UpdateAdditionQuantity":
        return [`qty:${op.additionId}:${dec(op.to)}`]
      case "UpdateAdditionUnitCost":
        return [`cost:${op.additionId}:${dec(op.to)}`]
      case "UpdateAdditionUnitPrice":
        return [`price:${op.additionId}:${dec(op.to)}`]
      case "CancelAddition":
        return [`cancel:${op.additionId}`]
      case "CreateAgreement":
        return [`createAgreement:${op.companyId}`]
      case "CreateProduct":
        return [`createProduct:${op.identifier}`]
      case "AddAddition":
        return [`add:${ref(op.agreement)}:${ref(op.product)}:${dec(op.quantity)}:${dec(op.unitCost)}`]
      case "RememberMapping":
        return []
    }
    return []
  })
}
