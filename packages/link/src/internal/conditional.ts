/**
 * Conditional writes: just before an operation changes a ConnectWise addition, the addition is read
 * again. The write goes ahead only when ConnectWise still holds the value the plan was made from; a
 * plan saved today and applied next week never overwrites someone's later edit. An addition that
 * already holds the planned value (a write of an earlier run that crashed before journaling it) is
 * reported written, not written again.
 */
import type { ConnectWiseClient } from "@psa-ledger/connectwise-client"
import type { PlanOperation } from "@psa-ledger/reconcile-core"
import { BigDecimal } from "effect"
import { LinkStaleError } from "../LinkError.ts"

/** What the target holds: the plan's value (`Current`), the planned one already (`Written`), or someone else's (`Stale`). */
export type TargetCheck =
  | { readonly _tag: "Current" }
  | { readonly _tag: "Written"; readonly id: number }
  | LinkStaleError

type Checked = Extract<
  PlanOperation,
  { readonly _tag: "UpdateAdditionQuantity" | "UpdateAdditionUnitCost" | "UpdateAdditionUnitPrice" | "CancelAddition" }
>

const isChecked = (op: PlanOperation): op is Checked =>
  op._tag === "UpdateAdditionQuantity" ||
  op._tag === "UpdateAdditionUnitCost" ||
  op._tag === "UpdateAdditionUnitPrice" ||
  op._tag === "CancelAddition"

const text = (value: BigDecimal.BigDecimal | string | null | undefined): string =>
  value === undefined || value === null ? "none" : typeof value === "string" ? value : BigDecimal.format(value)

const same = (a: BigDecimal.BigDecimal | null | undefined, b: BigDecimal.BigDecimal) =>
  a !== undefined && a !== null && BigDecimal.equals(a, b)

const FIELDS = {
  UpdateAdditionQuantity: "quantity",
  UpdateAdditionUnitCost: "unitCost",
  UpdateAdditionUnitPrice: "unitPrice"
} as const

/**
 * Reads the operation's target again and says whether the write may go ahead. Operations that
 * create records (their look-up before retry guards them) or remember mappings are always `Current`.
 */
export const checkTarget = async (
  connectwise: ConnectWiseClient,
  op: PlanOperation,
  signal?: AbortSignal
): Promise<TargetCheck> => {
  if (!isChecked(op)) return { _tag: "Current" }
  const addition = await connectwise.get(
    "/finance/agreements/{parentId}/additions/{id}",
    { parentId: op.agreementId, id: op.additionId },
    signal === undefined ? {} : { signal }
  )
  const record = `addition ${op.additionId} of agreement ${op.agreementId}`
  const stale = (field: string, expected: string, found: string) =>
    new LinkStaleError({
      record,
      field,
      expected,
      found,
      message: `${record} changed since the plan was made: ${field} is ${found}, the plan expected ${expected}`
    })
  if (op._tag === "CancelAddition") {
    const cancelled = addition.cancelledDate ?? undefined
    if (cancelled !== undefined && cancelled.slice(0, 10) === op.effectiveDate)
      return { _tag: "Written", id: op.additionId }
    if (cancelled !== undefined) return stale("cancelledDate", "none", cancelled.slice(0, 10))
    if (!same(addition.quantity, op.quantity)) return stale("quantity", text(op.quantity), text(addition.quantity))
    return { _tag: "Current" }
  }
  const field = FIELDS[op._tag]
  const found = addition[field]
  if (same(found, op.from)) return { _tag: "Current" }
  if (same(found, op.to)) return { _tag: "Written", id: op.additionId }
  return stale(field, text(op.from), text(found))
}
