import { RememberMapping, type TargetRef } from "../../ChangePlan.ts"
import { rememberMappingSource } from "../../IdempotencyKeys.ts"
import type { Mapping } from "../../Mapping.ts"
import type { RowPlanning } from "./RowPlanning.ts"

/**
 * Remembers how one side of the row is linked, so next month the same lines link themselves. Most
 * rows remember what an earlier row of the same customer or product already did: they only join
 * that operation. A `RememberMapping` is a stored record with length limits, so it is built with
 * its constructor (validated), once per key.
 */
export const planRememberMapping = (
  planning: RowPlanning,
  kind: Mapping["kind"],
  sourceKey: string,
  productKey: string | undefined,
  target: TargetRef,
  method: Mapping["method"]
): void => {
  const { row, linkId, decisions, effectiveDate } = planning
  const idempotencyKey = planning.key(rememberMappingSource(linkId, row.period, kind, sourceKey, productKey, target))
  planning.add(
    idempotencyKey,
    (rowKeys) =>
      new RememberMapping({
        idempotencyKey,
        dependsOn: target._tag === "Created" ? [target.opKey] : [],
        rowKeys,
        effectiveDate,
        kind,
        sourceKey,
        ...(productKey === undefined ? {} : { productKey }),
        target,
        method,
        decidedBy: decisions.decidedBy,
        decidedAt: decisions.decidedAt
      })
  )
}
