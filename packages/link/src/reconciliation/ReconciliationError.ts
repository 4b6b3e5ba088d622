import { Schema } from "effect"

/**
 * The invoice source could not be read: Exact Online refused or failed, or a CSV could not be opened.
 *
 * @since 0.1.0
 */
export class SourceFailed extends Schema.TaggedClass<SourceFailed>()("SourceFailed", {
  /** `sales`, `purchase` or `csv`. */
  source: Schema.String,
  message: Schema.String,
  /** The vendor error's reason tag, e.g. `RateLimited`, when there is one. */
  cause: Schema.optional(Schema.String)
}) {}

/**
 * ConnectWise refused or failed while the snapshot was read.
 *
 * @since 0.1.0
 */
export class ConnectWiseFailed extends Schema.TaggedClass<ConnectWiseFailed>()("ConnectWiseFailed", {
  /** The path template, e.g. `/finance/agreements`. */
  path: Schema.String,
  message: Schema.String,
  cause: Schema.optional(Schema.String)
}) {}

/**
 * A storage port (mappings, journal) failed.
 *
 * @since 0.1.0
 */
export class StorageFailed extends Schema.TaggedClass<StorageFailed>()("StorageFailed", {
  operation: Schema.String,
  message: Schema.String
}) {}

/**
 * The settings or arguments cannot work (an unknown month format, a CSV mapping without a quantity column).
 *
 * @since 0.1.0
 */
export class InvalidRequest extends Schema.TaggedClass<InvalidRequest>()("InvalidRequest", {
  field: Schema.String,
  message: Schema.String
}) {}

/**
 * Why a reconciliation step failed.
 *
 * @since 0.1.0
 */
export const ReconciliationErrorReason = Schema.Union([SourceFailed, ConnectWiseFailed, StorageFailed, InvalidRequest])

/** @since 0.1.0 */
export type ReconciliationErrorReason = typeof ReconciliationErrorReason.Type

/**
 * The one error the reconciliation engine fails with (loading a month, reading months); `reason._tag` says why.
 * Applying a plan does not fail as a whole: each operation's outcome is in the report.
 *
 * @example
 * ```ts
 * try {
 *   await loadMonth(deps, "2026-11")
 * } catch (error) {
 *   if (error instanceof ReconciliationError && error.reason._tag === "SourceFailed") console.error(error.message)
 * }
 * ```
 *
 * @since 0.1.0
 */
export class ReconciliationError extends Schema.TaggedError<ReconciliationError>()("ReconciliationError", {
  reason: ReconciliationErrorReason
}) {
  override get message(): string {
    const r = this.reason
    switch (r._tag) {
      case "SourceFailed":
        return `reading the ${r.source} invoice source failed${r.cause ? ` (${r.cause})` : ""}: ${r.message}`
      case "ConnectWiseFailed":
        return `ConnectWise ${r.path} failed${r.cause ? ` (${r.cause})` : ""}: ${r.message}`
      case "StorageFailed":
        return `${r.operation} failed: ${r.message}`
      default:
        return `${r.field}: ${r.message}`
    }
  }
}

/** @internal */
export const reasonTagOf = (error: unknown): string | undefined => {
  const reason = (error as { reason?: { _tag?: unknown } } | undefined)?.reason
  return typeof reason?._tag === "string" ? reason._tag : undefined
}

/** @internal */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))
