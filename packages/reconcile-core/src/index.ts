/**
 * Pure reconciliation domain: mapping resolution, deviation diffing and change plans.
 *
 * @packageDocumentation
 */

/** The npm name of this package, for diagnostics and user agents. */
export const packageName = "@psa-ledger/reconcile-core" as const

export * from "./Mapping.ts"
export * from "./ports/index.ts"
