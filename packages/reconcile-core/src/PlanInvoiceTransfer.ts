import { planInvoice, type TransferPlanning, termsOfInvoice } from "./internal/transfer/invoice.ts"
import { transferIndexOf } from "./internal/transfer/lookups.ts"
import type { LinkSettings } from "./LinkSettings.ts"
import type { Mapping } from "./Mapping.ts"
import type { TransferRecord } from "./ports/TransferLedger.ts"
import { type TransferInvoice, TransferPlan, type TransferSnapshot } from "./Transfer.ts"

/**
 * Plans the transfer of ConnectWise invoices to Exact Online: an account per unknown customer,
 * a sales invoice (credit memo → credit note, with negative quantities) with `YourRef` = the
 * ConnectWise number, and processing. An invoice in the ledger, or found in Exact by `YourRef`,
 * is skipped (or only processed, when it was created but not processed); one with an unmapped
 * tax code, item or account is blocked with the reasons. Linear in invoices and lines.
 *
 * Lookups: accounts by customer mapping (Exact key → company id) then by code = company
 * identifier; items by product mapping then by code = catalog identifier; VAT codes through
 * `settings.transfer.vatCodes`.
 *
 * @example
 * ```ts
 * import { planInvoiceTransfer } from "@psa-ledger/reconcile-core"
 *
 * const transfer = planInvoiceTransfer(invoices, snapshot, mappings, ledgerRecords, settings)
 * transfer.blocked // [{ number: "INV-7", reasons: ["tax code HIGH has no Exact VAT code"] }]
 * ```
 *
 * @since 0.1.0
 */
export const planInvoiceTransfer = (
  invoices: ReadonlyArray<TransferInvoice>,
  snapshot: TransferSnapshot,
  mappings: ReadonlyArray<Mapping>,
  ledger: ReadonlyMap<number, TransferRecord> | ReadonlyArray<TransferRecord>,
  settings: LinkSettings,
  options: {
    /** ConnectWise companies whose new Exact account a person approved (with `createAccounts: "ask"`). */
    readonly approvedCompanies?: ReadonlyArray<number>
  } = {}
): TransferPlan => {
  const records: ReadonlyMap<number, TransferRecord> =
    ledger instanceof Map
      ? ledger
      : new Map((ledger as ReadonlyArray<TransferRecord>).map((r) => [r.connectwiseInvoiceId, r]))
  const index = transferIndexOf(snapshot, mappings)
  const planning: TransferPlanning = {
    index,
    transfer: settings.transfer,
    journals: snapshot.journals,
    accountsToCreate: new Map(),
    entryNumbers: new Map(),
    approvedCompanies: new Set(options.approvedCompanies ?? []),
    divisionCurrency: snapshot.divisionCurrency,
    termsOf: termsOfInvoice(index, settings.transfer),
    operations: [],
    skipped: [],
    blocked: []
  }
  for (const invoice of [...invoices].sort((a, b) => a.id - b.id)) {
    planInvoice(planning, invoice, records.get(invoice.id))
  }
  return new TransferPlan({
    linkId: snapshot.linkId,
    // Accounts first: the invoices that need them depend on their creation.
    operations: [...planning.accountsToCreate.values(), ...planning.operations],
    skipped: planning.skipped,
    blocked: planning.blocked
  })
}
