import { RememberMapping, type TargetRef } from "../../ChangePlan.ts"
import { rememberMappingSource } from "../../IdempotencyKeys.ts"
import type { Mapping } from "../../Mapping.ts"
import { StorageLimits } from "../../ports/StorageLimits.ts"
import { EMPTY } from "../lines.ts"
import { rememberMapping } from "../shapes.ts"
import type { RowPlanning } from "./RowPlanning.ts"

// The one check of a RememberMapping's fields that the row's values could fail: its keys are
// stored, so they are `Key`s (not empty, at most StorageLimits.key long). Everything else comes
// from validated decisions or from the code.
const isStorableKey = (key: string | undefined) =>
  key === undefined || (key.length >= 1 && key.length <= StorageLimits.key)

// The same target, as the key text names it (`refText` in IdempotencyKeys.ts).
const sameTarget = (a: TargetRef, b: TargetRef) =>
  a._tag === "Existing" ? b._tag === "Existing" && a.id === b.id : b._tag === "Created" && a.opKey === b.opKey

/**
 * Remembers how one side of the row is linked, so next month the same lines link themselves. Most
 * rows remember what an earlier row of the same customer or product already did: they find that
 * operation by what its key is made of and join it, without building a key text, hashing it or
 * making an operation. A `RememberMapping` is a stored record with length limits: one whose keys
 * would break them is built with its constructor, which refuses it (as it always has).
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
  const { start, end } = row.period
  // The key text has `productKey ?? ""`: an absent and an empty product key are the same source.
  const product = productKey ?? ""
  let known = planning.remembered.get(sourceKey)
  if (known !== undefined) {
    for (const entry of known) {
      if (
        entry.kind === kind &&
        entry.productKey === product &&
        entry.start === start &&
        entry.end === end &&
        sameTarget(entry.target, target)
      ) {
        planning.join(entry.entry)
        return
      }
    }
  } else {
    known = []
    planning.remembered.set(sourceKey, known)
  }
  const idempotencyKey = planning.key(rememberMappingSource(linkId, row.period, kind, sourceKey, productKey, target))
  const entry = planning.add(idempotencyKey, (rowKeys) => {
    const fields = {
      idempotencyKey,
      dependsOn: target._tag === "Created" ? [target.opKey] : EMPTY,
      rowKeys,
      effectiveDate,
      kind,
      sourceKey,
      ...(productKey === undefined ? {} : { productKey }),
      target,
      method,
      decidedBy: decisions.decidedBy,
      decidedAt: decisions.decidedAt
    }
    return isStorableKey(sourceKey) && isStorableKey(productKey) ? rememberMapping(fields) : new RememberMapping(fields)
  })
  known.push({ kind, productKey: product, start, end, target, entry })
}
