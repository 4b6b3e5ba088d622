import { CreateTarget, RowDecision, type TargetChoice, UseTarget } from "./Decisions.ts"
import type { ReconciliationRow } from "./ReconciliationRow.ts"
import type { Resolution } from "./Resolution.ts"

/**
 * Options of `decideAll`.
 *
 * @since 0.1.0
 */
export interface BulkDecisionOptions {
  /**
   * Rows (by key) whose best suggestion on each side a person confirms, whatever its score. No
   * other suggestion is confirmed: those that pass the link's safe rule (`autoAcceptAbove`, unique,
   * clearly ahead, not another customer's certain match) are linked already.
   */
  readonly confirmRows?: Iterable<string> | undefined
  /** Create the missing products and agreements of these rows, or of every row with `true` (default none). */
  readonly createMissing?: boolean | Iterable<string> | undefined
  /** The type of agreements created for rows without `newAgreement.typeId` in the settings. */
  readonly agreementTypeId?: number | undefined
}

/**
 * Bulk decisions for a grid's "approve all": every row's changes approved, and nothing linked that
 * the engine is not sure of. A suggestion below the safe rule is confirmed only on the rows the
 * caller names; rows that need a person (`NeedsCustomer`, `NeedsAgreement`, `Unreadable`…) plan
 * nothing until one acts on them.
 *
 * @example
 * ```ts
 * import { decideAll } from "@psa-ledger/reconcile-core"
 *
 * const rows = decideAll(grid.rows) // approve what links by itself
 * const more = decideAll(grid.rows, { confirmRows: ["acc-1|item-1"], createMissing: ["acc-2|item-9"] })
 * ```
 *
 * @since 0.1.0
 */
export const decideAll = (
  rows: ReadonlyArray<ReconciliationRow>,
  options: BulkDecisionOptions = {}
): Record<string, RowDecision> => {
  const confirm = new Set(options.confirmRows ?? [])
  const createAll = options.createMissing === true
  const create = new Set(typeof options.createMissing === "object" ? options.createMissing : [])
  const decisions: Record<string, RowDecision> = {}
  for (const row of rows) {
    const choose = (resolution: Resolution, side: "customer" | "product" | "agreement"): TargetChoice | undefined => {
      if (confirm.has(row.key)) {
        if (resolution._tag === "Suggested" && resolution.candidates[0] !== undefined && !resolution.autoAccepted) {
          return new UseTarget({ targetId: resolution.candidates[0].targetId })
        }
      }
      if (resolution._tag === "Missing" && side !== "customer" && (createAll || create.has(row.key))) {
        return new CreateTarget(
          side === "agreement" && options.agreementTypeId !== undefined ? { typeId: options.agreementTypeId } : {}
        )
      }
      return undefined
    }
    const customer = choose(row.customerResolution, "customer")
    const product = choose(row.productResolution, "product")
    const agreement = choose(row.agreementResolution, "agreement")
    decisions[row.key] = new RowDecision({
      approve: "all",
      ...(customer === undefined ? {} : { customer }),
      ...(product === undefined ? {} : { product }),
      ...(agreement === undefined ? {} : { agreement })
    })
  }
  return decisions
}
