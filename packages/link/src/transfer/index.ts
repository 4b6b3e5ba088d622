/**
 * Flow B: ConnectWise invoices → Exact Online sales invoices and credit notes, and payments back.
 *
 * @since 0.1.0
 */
export * from "./Load.ts"
export * from "./Payments.ts"
export * from "./Transfer.ts"
export * from "./TransferTypes.ts"
