/**
 * Flow B, ConnectWise invoices → Exact Online sales invoices and credit notes, and payments back:
 * the report shapes a host reads. The engines are wired by `createLink` and stay inside the package.
 *
 * @since 0.1.0
 */
export type { PaymentSyncOutcome, PaymentSyncReport } from "./Payments.ts"
export { StoredTransferReport, toStoredTransferReport } from "./StoredTransferReport.ts"
export type { InvoiceTransferOutcome, TransferReport } from "./Transfer.ts"
export type { TransferFailure, TransferProgress, TransferRange } from "./TransferTypes.ts"
