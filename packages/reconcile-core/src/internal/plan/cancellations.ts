import { BigDecimal } from "effect"
import { cancelAdditionSource } from "../../IdempotencyKeys.ts"
import { EMPTY } from "../lines.ts"
import { cancelAddition } from "../shapes.ts"
import { approves, type RowPlanning } from "./RowPlanning.ts"

/** A `connectwise` row (an addition the invoice no longer carries): cancel it, dated, when approved. */
export const planCancellations = (planning: RowPlanning): void => {
  const { row, linkId, effectiveDate } = planning
  for (const deviation of row.deviations) {
    if (deviation._tag !== "AdditionNotInvoiced" || !approves(planning, "cancelAddition")) continue
    const addition = deviation.addition
    const idempotencyKey = planning.ownKey(cancelAdditionSource(linkId, row.period, addition.id, effectiveDate))
    planning.addBuilt(
      idempotencyKey,
      cancelAddition({
        idempotencyKey,
        dependsOn: EMPTY,
        rowKeys: [row.key],
        effectiveDate,
        currency: row.currency,
        costImpact: planning.decimal(BigDecimal.negate(BigDecimal.multiply(addition.quantity, addition.unitCost))),
        priceImpact: planning.decimal(BigDecimal.negate(BigDecimal.multiply(addition.quantity, addition.unitPrice))),
        agreementId: addition.agreementId,
        additionId: addition.id,
        productId: addition.productId,
        quantity: addition.quantity
      })
    )
  }
}
