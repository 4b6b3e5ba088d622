/**
 * Flow A, monthly reconciliation: what of it a host names — the invoice-source settings, the grid,
 * the apply report and the data of new products and agreements. The engines (`loadMonth`,
 * `applyPlan`, the sources) are wired by `createLink` and stay inside the package.
 *
 * @module
 */
export type { ApplyFailure, ApplyReport, ApplySkip, OperationReport } from "./Apply.ts"
export type { NewAgreementData, NewProductData } from "./Create.ts"
export { type CsvInput, previewCsv } from "./Csv.ts"
export {
  CsvColumns,
  CsvSourceSettings,
  type InvoiceMonth,
  type InvoiceSource,
  InvoiceSourceSettings,
  type OnProgress,
  PurchaseCustomerAttribute,
  PurchaseSourceSettings,
  type ReconciliationProgress,
  SalesSourceSettings
} from "./InvoiceSource.ts"
export type { ExcludedLine, LoadedMonth } from "./LoadMonth.ts"
export { StoredApplyReport, StoredOperationReason, toStoredApplyReport } from "./StoredApplyReport.ts"
