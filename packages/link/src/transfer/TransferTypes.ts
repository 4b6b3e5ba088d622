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
import { Schema } from "effect"

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
 * Exact Online said no (its `ExactError` reason tag and message).
 *
 * @since 0.1.0
 */
export class ExactFailed extends Schema.TaggedClass<ExactFailed>()("ExactFailed", {
  reason: Schema.String,
  message: Schema.String
}) {}

/**
 * ConnectWise said no (its `ConnectWiseError` reason tag and message).
 *
 * @since 0.1.0
 */
export class ConnectWiseFailed extends Schema.TaggedClass<ConnectWiseFailed>()("ConnectWiseFailed", {
  reason: Schema.String,
  message: Schema.String
}) {}

/**
 * The link's storage failed.
 *
 * @since 0.1.0
 */
export class StorageFailed extends Schema.TaggedClass<StorageFailed>()("StorageFailed", {
  message: Schema.String
}) {}

/**
 * An operation this one depends on (the account of the invoice, or its creation) failed.
 *
 * @since 0.1.0
 */
export class DependencyFailed extends Schema.TaggedClass<DependencyFailed>()("DependencyFailed", {
  opKey: Schema.String,
  message: Schema.String
}) {}

/**
 * The run was cancelled (its `AbortSignal`) before this invoice was done.
 *
 * @since 0.1.0
 */
export class Aborted extends Schema.TaggedClass<Aborted>()("Aborted", {
  message: Schema.String
}) {}

/**
 * The request itself is wrong (e.g. a range that is not two dates).
 *
 * @since 0.1.0
 */
export class InvalidRequest extends Schema.TaggedClass<InvalidRequest>()("InvalidRequest", {
  message: Schema.String
}) {}

/**
 * Anything else: a bug or an unexpected answer, with its message.
 *
 * @since 0.1.0
 */
export class Unexpected extends Schema.TaggedClass<Unexpected>()("Unexpected", {
  message: Schema.String
}) {}

/**
 * Why an invoice (or a whole transfer) failed.
 *
 * @since 0.1.0
 */
export const TransferFailure = Schema.Union([
  ExactFailed,
  ConnectWiseFailed,
  StorageFailed,
  DependencyFailed,
  Aborted,
  InvalidRequest,
  Unexpected
])

/** @since 0.1.0 */
export type TransferFailure = typeof TransferFailure.Type

/**
 * A transfer, preview or payment sync that could not run at all (loading failed, bad range…).
 * Per-invoice problems never raise it: they are in the report.
 *
 * @since 0.1.0
 */
export class TransferError extends Schema.TaggedError<TransferError>()("TransferError", {
  /** What was being done, e.g. `"load ConnectWise invoices"`. */
  operation: Schema.String,
  reason: TransferFailure
}) {
  override get message(): string {
    return `${this.operation}: ${this.reason.message}`
  }
}

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
