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
// The failure reason classes stay module-local until the link package has one error class (their
// names overlap with Flow A's); callers match on `failure._tag`.
export {
  type ExactInvoiceFound,
  type TransferDeps,
  TransferError,
  TransferFailure,
  type TransferInputs,
  type TransferLogger,
  type TransferProgress,
  type TransferRange
} from "./TransferTypes.ts"
