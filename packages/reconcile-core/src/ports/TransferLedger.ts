import { Context, Effect, Layer, Option, Schema } from "effect"
import { Instant, Key, Label } from "../internal/storageFields.ts"
import { encodeForStorage, scopedByLink } from "./StorageCodec.ts"
import type { StorageError } from "./StorageError.ts"

/**
 * What a transfer created in Exact Online.
 *
 * @since 0.1.0
 */
export const TransferKind = Schema.Literals(["invoice", "credit-note"])

/**
 * How far a transferred invoice got: created (status 20 in Exact), processed (printed, so
 * payments and reminders apply), and whether it has been paid.
 *
 * @since 0.1.0
 */
export const TransferStatus = Schema.Literals(["created", "processed", "paid"])

/**
 * The ledger's record that one ConnectWise invoice became one Exact Online sales invoice.
 *
 * @since 0.1.0
 */
export class TransferRecord extends Schema.Class<TransferRecord>("TransferRecord")({
  connectwiseInvoiceId: Schema.Int,
  connectwiseInvoiceNumber: Label,
  exactInvoiceId: Key,
  /** Exact assigns the number when the invoice is processed. */
  exactInvoiceNumber: Schema.optional(Label),
  kind: TransferKind,
  status: TransferStatus,
  /** The invoice total, as a decimal string. */
  total: Schema.optional(Schema.BigDecimalFromString),
  currency: Schema.optional(Label),
  /**
   * Whether the ConnectWise PDF is attached in Exact: `false` from the booking until the attachment
   * is made (a run that died in between, or whose attachment failed, is caught up by the next run);
   * absent when no PDF is to be attached (or the record predates this field).
   */
  pdfAttached: Schema.optional(Schema.Boolean),
  runId: Key,
  transferredAt: Instant,
  updatedAt: Instant
}) {}

/**
 * ConnectWise invoice ↔ Exact Online invoice, per link: the memory that makes a transfer happen
 * once. Together with `YourRef` in Exact it is how a second transfer knows to create nothing.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TransferLedger } from "@psa-ledger/reconcile-core"
 *
 * const known = Effect.gen(function*() {
 *   const ledger = yield* TransferLedger
 *   return yield* ledger.findMany("link-1", [1001, 1002, 1003])
 * })
 * ```
 *
 * @since 0.1.0
 */
export class TransferLedger extends Context.Service<
  TransferLedger,
  {
    find(linkId: string, connectwiseInvoiceId: number): Effect.Effect<Option.Option<TransferRecord>, StorageError>
    /** The records among `ids` (one query, not one per id). */
    findMany(
      linkId: string,
      connectwiseInvoiceIds: ReadonlyArray<number>
    ): Effect.Effect<ReadonlyMap<number, TransferRecord>, StorageError>
    /** Inserts or replaces the record of its ConnectWise invoice. */
    record(linkId: string, record: TransferRecord): Effect.Effect<void, StorageError>
    /** Records ordered by ConnectWise invoice id; `afterId` pages. */
    list(
      linkId: string,
      options?: { readonly afterId?: number | undefined; readonly limit?: number | undefined }
    ): Effect.Effect<ReadonlyArray<TransferRecord>, StorageError>
    /**
     * The records whose PDF is still to be attached (`pdfAttached: false`), oldest booking first
     * (`transferredAt`, then ConnectWise invoice id), at most `limit` (default 100): what a transfer
     * catches up whatever range it runs on.
     */
    pdfsMissing(
      linkId: string,
      options?: { readonly limit?: number | undefined }
    ): Effect.Effect<ReadonlyArray<TransferRecord>, StorageError>
  }
>()("@psa-ledger/reconcile-core/TransferLedger") {
  /** A ledger held in memory, for tests and single-process scripts. */
  static readonly layerMemory: Layer.Layer<TransferLedger> = Layer.sync(TransferLedger, () =>
    makeMemoryTransferLedger()
  )
}

const validate = encodeForStorage(TransferRecord, "TransferRecord")

/**
 * The in-memory `TransferLedger`.
 *
 * @since 0.1.0
 */
export const makeMemoryTransferLedger = (): TransferLedger["Service"] => {
  const links = new Map<string, Map<number, TransferRecord>>()
  const of = (linkId: string) => {
    let records = links.get(linkId)
    if (records === undefined) {
      records = new Map()
      links.set(linkId, records)
    }
    return records
  }
  return TransferLedger.of(
    scopedByLink("TransferLedger", {
      find: (linkId, id) => Effect.sync(() => Option.fromNullishOr(of(linkId).get(id))),
      findMany: (linkId, ids) =>
        Effect.sync(() => {
          const records = of(linkId)
          const found = new Map<number, TransferRecord>()
          for (const id of ids) {
            const record = records.get(id)
            if (record !== undefined) found.set(id, record)
          }
          return found
        }),
      record: (linkId, record) =>
        Effect.gen(function* () {
          yield* validate(record, "TransferLedger.record", linkId)
          of(linkId).set(record.connectwiseInvoiceId, record)
        }),
      list: (linkId, options) =>
        Effect.sync(() =>
          [...of(linkId).values()]
            .filter((record) => options?.afterId === undefined || record.connectwiseInvoiceId > options.afterId)
            .sort((a, b) => a.connectwiseInvoiceId - b.connectwiseInvoiceId)
            .slice(0, options?.limit ?? 1_000)
        ),
      pdfsMissing: (linkId, options) =>
        Effect.sync(() =>
          [...of(linkId).values()]
            .filter((record) => record.pdfAttached === false)
            .sort(
              (a, b) =>
                a.transferredAt.epochMilliseconds - b.transferredAt.epochMilliseconds ||
                a.connectwiseInvoiceId - b.connectwiseInvoiceId
            )
            .slice(0, Math.max(0, Math.trunc(options?.limit ?? 100)))
        )
    })
  )
}
