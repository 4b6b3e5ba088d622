/**
 * Flow B: ConnectWise invoices → Exact Online sales invoices and credit notes, and payments back.
 *
 * @since 0.1.0
 */
export { loadTransferInputs } from "./Load.ts"
export {
  type PaymentSyncOutcome,
  type PaymentSyncReport,
  syncPayments,
  syncPaymentsEffect
} from "./Payments.ts"
export {
  type InvoiceTransferOutcome,
  previewTransfer,
  previewTransferEffect,
  type RunTransferOptions,
  runTransfer,
  runTransferEffect,
  type TransferReport
} from "./Transfer.ts"
export * from "./TransferTypes.ts"
