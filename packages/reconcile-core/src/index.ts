/**
 * Pure reconciliation domain: mapping resolution, deviation diffing and change plans.
 *
 * @packageDocumentation
 */

/** The npm name of this package, for diagnostics and user agents. */
export const packageName = "@psa-ledger/reconcile-core" as const

export * from "./ApplyToSnapshot.ts"
export * from "./Calendar.ts"
export * from "./ChangePlan.ts"
export * from "./CurrencyCode.ts"
export * from "./Decimal.ts"
export * from "./Decisions.ts"
export * from "./Deviation.ts"
export * from "./Diff.ts"
export * from "./GridRow.ts"
export { salesInvoiceCreateKey, salesInvoiceProcessKey } from "./IdempotencyKeys.ts"
export * from "./InvoiceLine.ts"
export { ChangeKind, LinkSettings, NewAgreementSettings, NewProductSettings, TransferSettings } from "./LinkSettings.ts"
export * from "./Mapping.ts"
export * from "./Plan.ts"
export * from "./PlanInvoiceTransfer.ts"
export * from "./PsaSnapshot.ts"
export * from "./ports/index.ts"
export * from "./Resolution.ts"
export * from "./Resolve.ts"
export * from "./Transfer.ts"
