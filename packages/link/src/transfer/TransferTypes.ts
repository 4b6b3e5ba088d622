import type { ConnectWiseClient } from "@psa-ledger/connectwise-client"
import type { ExactClient } from "@psa-ledger/exact-client"
import type {
  Blocked,
  LinkSettings,
  Mapping,
  MappingStore,
  PlanJournal,
  TransferInvoice,
  TransferLedger,
  TransferRecord,
  TransferSnapshot
} from "@psa-ledger/reconcile-core"
import type { LinkErrorReason } from "../LinkError.ts"

/**
 * A structured logger for the transfer; hosts pass the link's run logger.
 *
 * @since 0.1.0
 */
export interface TransferLogger {
  readonly info: (message: string, fields?: Record<string, unknown>) => void
  readonly warn: (message: string, fields?: Record<string, unknown>) => void
  readonly error: (message: string, fields?: Record<string, unknown>) => void
}

/**
 * What flow B needs, passed explicitly: the two clients, the three storage ports of the link and
 * its settings. `createLink` builds it once per link.
 *
 * @since 0.1.0
 */
export interface TransferDeps {
  readonly linkId: string
  readonly exact: ExactClient
  readonly connectwise: ConnectWiseClient
  readonly ledger: TransferLedger["Service"]
  readonly journal: PlanJournal["Service"]
  readonly mappings: MappingStore["Service"]
  readonly settings: LinkSettings
  /** The clock stamping ledger and journal entries; default the system clock. */
  readonly now?: () => Date
  readonly logger?: TransferLogger
  /** Who the mappings the transfer remembers (created accounts) are attributed to. Default `psa-ledger transfer`. */
  readonly actor?: string
  /** How long the transfer's journal claims live without a heartbeat (default a minute). */
  readonly leaseMs?: number | undefined
}

/**
 * Which ConnectWise invoices to transfer: a date range (`from` inclusive, `to` exclusive, both
 * `YYYY-MM-DD`), or the unposted invoices of ConnectWise's accounting interface.
 *
 * @since 0.1.0
 */
export type TransferRange =
  | { readonly from: string; readonly to: string }
  | { readonly unposted: true; readonly from?: undefined; readonly to?: undefined }

/**
 * A progress event a host turns into a progress bar.
 *
 * @since 0.1.0
 */
export interface TransferProgress {
  readonly phase: "load" | "accounts" | "invoices" | "payments"
  readonly done: number
  readonly total: number
}

/**
 * Why an invoice (or a whole transfer) failed: a `LinkError` reason — `Exact`, `ConnectWise` (the
 * client's reason tag in `cause`), `Storage`, `DependencyFailed`, `Cancelled`, `InvalidInput` or
 * `Unexpected`. A transfer, preview or payment sync that cannot run at all rejects with a `LinkError`;
 * per-invoice problems are in the report.
 *
 * @since 0.1.0
 */
export type TransferFailure = LinkErrorReason

/**
 * Everything the planner needs, as loaded: the invoices in core's shape, the snapshot, the
 * mappings and ledger records, and the invoices that could not even be read (`blocked`).
 *
 * @since 0.1.0
 */
export interface TransferInputs {
  readonly invoices: ReadonlyArray<TransferInvoice>
  readonly snapshot: TransferSnapshot
  readonly mappings: ReadonlyArray<Mapping>
  readonly ledger: ReadonlyMap<number, TransferRecord>
  /** Invoices the loader refused (malformed record, lines not matching the subtotal…), with reasons. */
  readonly blocked: ReadonlyArray<Blocked>
  /** Exact sales invoices found by `YourRef`, by `YourRef` (trimmed), with type and amount. */
  readonly exactInvoices: ReadonlyMap<string, ExactInvoiceFound>
}

/**
 * An Exact sales invoice the loader found by `YourRef`.
 *
 * @since 0.1.0
 */
export interface ExactInvoiceFound {
  readonly id: string
  readonly yourRef: string
  readonly status: number
  readonly type: number | undefined
  readonly invoiceNumber: number | undefined
  readonly amount: string | undefined
  readonly currency: string | undefined
}
