import { RememberMapping, type TargetRef } from "../../ChangePlan.ts"
import { rememberMappingKey } from "../../IdempotencyKeys.ts"
import type { Mapping } from "../../Mapping.ts"
import type { RowPlanning } from "./RowPlanning.ts"

/** Remembers how one side of the row is linked, so next month the same lines link themselves. */
export const planRememberMapping = (
  planning: RowPlanning,
  kind: Mapping["kind"],
  sourceKey: string,
  productKey: string | undefined,
  target: TargetRef,
  method: Mapping["method"]
): void => {
  const { row, linkId, decisions, effectiveDate } = planning
  planning.add(
    new RememberMapping({
      idempotencyKey: rememberMappingKey(linkId, row.period, kind, sourceKey, productKey, target),
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
    })
  )
}
