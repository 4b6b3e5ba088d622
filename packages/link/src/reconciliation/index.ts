/**
 * Flow A, monthly reconciliation: invoice sources, the ConnectWise snapshot, loading a month,
 * applying a plan and creating what is missing.
 *
 * @module
 */
export * from "./Apply.ts"
export * from "./Create.ts"
export { csvSource, guessDelimiter, parseCsv, readCsvNumber } from "./Csv.ts"
export { exactPurchaseSource } from "./ExactPurchase.ts"
export { exactSalesSource } from "./ExactSales.ts"
export * from "./InvoiceSource.ts"
export * from "./LoadMonth.ts"
export * from "./Snapshot.ts"
export * from "./Source.ts"
