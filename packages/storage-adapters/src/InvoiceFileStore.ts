// The invoice file of a link whose month's invoice comes from a CSV export: uploaded once (through the
// portal or the API), read by every load on any process, replaced by the next upload.
import {
  encodeForStorage,
  LinkId,
  StorageError,
  StorageInvalidInputError,
  StorageLimits
} from "@psa-ledger/reconcile-core"
import { Context, Effect, Option, Schema } from "effect"

const Key = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(StorageLimits.key))
const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/**
 * The most a stored invoice file may hold: 25 MB, some 200,000 lines of a CSV export.
 *
 * @since 0.1.0
 */
export const INVOICE_FILE_MAX_BYTES = 25 * 1024 * 1024

/**
 * An invoice file without its content: its name, size, and when and by whom it was uploaded.
 *
 * @since 0.1.0
 */
export const InvoiceFileHead = Schema.Struct({
  linkId: LinkId,
  /** The file's name as uploaded, shown beside the month (never used as a path). */
  name: Key,
  uploadedAt: Schema.Int,
  uploadedBy: Key,
  bytes: Count.check(Schema.isLessThanOrEqualTo(INVOICE_FILE_MAX_BYTES))
}).annotate({ identifier: "InvoiceFileHead" })

/** @since 0.1.0 */
export type InvoiceFileHead = typeof InvoiceFileHead.Type

/**
 * An invoice file as stored: its head and its bytes as uploaded, base64 (the CSV reader decodes them
 * with the link's encoding, so a Windows-1252 export keeps its accents).
 *
 * @since 0.1.0
 */
export const InvoiceFile = Schema.Struct({ ...InvoiceFileHead.fields, content: Schema.String })

/** @since 0.1.0 */
export type InvoiceFile = typeof InvoiceFile.Type

/**
 * The uploaded invoice file of each link (one per link: an upload replaces it), shared by every
 * process on the storage.
 *
 * @example
 * ```ts
 * await Effect.runPromise(storage.invoiceFiles.put({ linkId: "acme", name: "2026-11.csv", uploadedAt: Date.now(),
 *   uploadedBy: "fin", bytes: csv.length, content: csv.toString("base64") }))
 * ```
 *
 * @since 0.1.0
 */
export class InvoiceFileStore extends Context.Service<
  InvoiceFileStore,
  {
    /** The link's file without its content (one small read). */
    head(linkId: string): Effect.Effect<Option.Option<InvoiceFileHead>, StorageError>
    /** The link's file with its content. */
    get(linkId: string): Effect.Effect<Option.Option<InvoiceFile>, StorageError>
    /** Replaces the link's file; `bytes` must be the content's decoded length. */
    put(file: InvoiceFile): Effect.Effect<InvoiceFileHead, StorageError>
    /** Forgets the link's file; true when there was one. */
    remove(linkId: string): Effect.Effect<boolean, StorageError>
  }
>()("@psa-ledger/storage-adapters/InvoiceFileStore") {}

const encodeFile = encodeForStorage(InvoiceFile, "InvoiceFile")

/** @internal: validates a file (its size against its content too) before any adapter writes it. */
export const validateInvoiceFile = (file: InvoiceFile, operation: string) =>
  Effect.flatMap(encodeFile(file, operation, file.linkId), (valid) => {
    const base64 = /^[A-Za-z0-9+/]*={0,2}$/.test(valid.content)
    if (base64 && Buffer.from(valid.content, "base64").length === valid.bytes) return Effect.succeed(valid)
    return Effect.fail(
      new StorageError({
        operation,
        linkId: valid.linkId,
        reason: new StorageInvalidInputError({
          record: `InvoiceFile ${valid.linkId}`,
          field: base64 ? "bytes" : "content",
          message: base64 ? "is not the content's length" : "is not base64"
        })
      })
    )
  })

/** @internal: a file's head. */
export const headOfFile = (file: InvoiceFile): InvoiceFileHead => {
  const { content: _, ...head } = file
  return head
}

/** @internal: the in-memory store (the content copied in and out, as a durable adapter would). */
export const makeMemoryInvoiceFileStore = () => {
  const files = new Map<string, InvoiceFile>()
  return InvoiceFileStore.of({
    head: (linkId) => Effect.sync(() => Option.map(Option.fromNullishOr(files.get(linkId)), headOfFile)),
    get: (linkId) => Effect.sync(() => Option.map(Option.fromNullishOr(files.get(linkId)), (f) => ({ ...f }))),
    put: (file) =>
      Effect.map(validateInvoiceFile(file, "InvoiceFileStore.put"), (valid) => {
        files.set(valid.linkId, { ...valid })
        return headOfFile(valid)
      }),
    remove: (linkId) => Effect.sync(() => files.delete(linkId))
  })
}
