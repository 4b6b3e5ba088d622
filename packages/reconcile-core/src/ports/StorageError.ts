import { Schema } from "effect"

// Each reason class is named `Storage…Error` so that no export collides with another package's; its
// `_tag` stays the short word, since hosts switch on it and the server sends it.
/**
 * The store could not be reached or opened: a refused connection, a wrong password, a file that
 * is not a database, a store used after `close()`.
 *
 * @since 0.1.0
 */
export class StorageUnavailableError extends Schema.TaggedClass<StorageUnavailableError>()("Unavailable", {
  message: Schema.String
}) {}

/**
 * A stored record did not decode: the database holds something this version cannot read.
 *
 * @since 0.1.0
 */
export class StorageCorruptError extends Schema.TaggedClass<StorageCorruptError>()("Corrupt", {
  record: Schema.String,
  field: Schema.String,
  message: Schema.String
}) {}

/**
 * A value was refused before anything was written (too long, empty key, not JSON).
 *
 * @since 0.1.0
 */
export class StorageInvalidInputError extends Schema.TaggedClass<StorageInvalidInputError>()("InvalidInput", {
  record: Schema.String,
  field: Schema.String,
  message: Schema.String
}) {}

/**
 * A write lost a race or broke a rule of the record's life cycle (stale version, completing an
 * operation that was never begun).
 *
 * @since 0.1.0
 */
export class StorageConflictError extends Schema.TaggedClass<StorageConflictError>()("Conflict", {
  record: Schema.String,
  message: Schema.String
}) {}

/**
 * Why a storage operation failed.
 *
 * @since 0.1.0
 */
export const StorageErrorReason = Schema.Union([
  StorageUnavailableError,
  StorageCorruptError,
  StorageInvalidInputError,
  StorageConflictError
])

/**
 * @since 0.1.0
 */
export type StorageErrorReason = typeof StorageErrorReason.Type

/**
 * The one error every storage port fails with; `reason._tag` says why.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { MappingStore } from "@psa-ledger/reconcile-core"
 *
 * const program = MappingStore.use((store) => store.list("link-1")).pipe(
 *   Effect.catchReason("StorageError", "Unavailable", (reason) => Effect.fail(`database down: ${reason.message}`))
 * )
 * ```
 *
 * @since 0.1.0
 */
export class StorageError extends Schema.TaggedError<StorageError>()("StorageError", {
  /** The port method, e.g. `"PlanJournal.begin"`. */
  operation: Schema.String,
  linkId: Schema.optional(Schema.String),
  reason: StorageErrorReason
}) {
  override get message(): string {
    const scope = this.linkId === undefined ? "" : ` (link ${this.linkId})`
    const detail =
      this.reason._tag === "Corrupt" || this.reason._tag === "InvalidInput"
        ? `${this.reason.record}.${this.reason.field}: ${this.reason.message}`
        : this.reason._tag === "Conflict"
          ? `${this.reason.record}: ${this.reason.message}`
          : this.reason.message
    return `${this.operation}${scope} failed, ${this.reason._tag}: ${detail}`
  }
}
