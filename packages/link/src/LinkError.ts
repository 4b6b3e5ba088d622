import { Schema } from "effect"

/**
 * A storage port failed (the database was down, a record did not decode, a write lost a race).
 *
 * @since 0.1.0
 */
export class Storage extends Schema.TaggedClass<Storage>()("Storage", {
  /** The port method, e.g. `"RunStore.append"`. */
  operation: Schema.String,
  message: Schema.String
}) {}

/**
 * A ConnectWise PSA call failed after the client's own retries.
 *
 * @since 0.1.0
 */
export class ConnectWise extends Schema.TaggedClass<ConnectWise>()("ConnectWise", {
  /** What was being done, e.g. `"add addition"` or `"GET /company/companies"`. */
  operation: Schema.String,
  /** The HTTP status, when there was a response. */
  status: Schema.optional(Schema.Int),
  message: Schema.String
}) {}

/**
 * An Exact Online call failed after the client's own retries.
 *
 * @since 0.1.0
 */
export class Exact extends Schema.TaggedClass<Exact>()("Exact", {
  operation: Schema.String,
  status: Schema.optional(Schema.Int),
  message: Schema.String
}) {}

/**
 * Sending a run's mail failed (refused connection, rejected login, refused recipient).
 *
 * @since 0.1.0
 */
export class Mail extends Schema.TaggedClass<Mail>()("Mail", {
  message: Schema.String
}) {}

/**
 * Input was refused before anything was done; names the record and the field.
 *
 * @since 0.1.0
 */
export class InvalidInput extends Schema.TaggedClass<InvalidInput>()("InvalidInput", {
  record: Schema.String,
  field: Schema.String,
  message: Schema.String
}) {}

/**
 * The caller cancelled the work through its `AbortSignal`.
 *
 * @since 0.1.0
 */
export class Cancelled extends Schema.TaggedClass<Cancelled>()("Cancelled", {
  message: Schema.String
}) {}

/**
 * Another run of the same link is in progress, and at most one may run at a time.
 *
 * @since 0.1.0
 */
export class Busy extends Schema.TaggedClass<Busy>()("Busy", {
  /** The run, or the job, holding the link. */
  holder: Schema.String,
  message: Schema.String
}) {}

/**
 * Something failed that no other reason describes: a bug, or an exception thrown by host code.
 *
 * @since 0.1.0
 */
export class Unexpected extends Schema.TaggedClass<Unexpected>()("Unexpected", {
  message: Schema.String
}) {}

/**
 * Why a link operation failed. To add a reason: declare a `Schema.TaggedClass` above and list it here.
 *
 * @since 0.1.0
 */
export const LinkErrorReason = Schema.Union([
  Storage,
  ConnectWise,
  Exact,
  Mail,
  InvalidInput,
  Cancelled,
  Busy,
  Unexpected
])

/** @since 0.1.0 */
export type LinkErrorReason = typeof LinkErrorReason.Type

/**
 * The one error `@psa-ledger/link` fails with; `reason._tag` says why.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LinkError } from "@psa-ledger/link"
 *
 * declare const work: Effect.Effect<string, LinkError>
 * const handled = work.pipe(
 *   Effect.catchReason("LinkError", "Cancelled", () => Effect.succeed("stopped by the user"))
 * )
 * ```
 *
 * @since 0.1.0
 */
export class LinkError extends Schema.TaggedError<LinkError>()("LinkError", {
  reason: LinkErrorReason
}) {
  override get message(): string {
    const reason = this.reason
    switch (reason._tag) {
      case "Storage":
      case "ConnectWise":
      case "Exact": {
        const status = "status" in reason && reason.status !== undefined ? ` (HTTP ${reason.status})` : ""
        return `${reason._tag}: ${reason.operation}${status}: ${reason.message}`
      }
      case "InvalidInput":
        return `InvalidInput: ${reason.record}.${reason.field}: ${reason.message}`
      default:
        return `${reason._tag}: ${reason.message}`
    }
  }

  /** Wraps a reason: `LinkError.of(new Cancelled({ message }))`. */
  static of(reason: LinkErrorReason): LinkError {
    return new LinkError({ reason })
  }
}

/**
 * Turns anything thrown or failed into a `LinkError`: a `LinkError` stays itself, a core
 * `StorageError` becomes a `Storage` reason, anything else `Unexpected` with its message.
 *
 * @since 0.1.0
 */
export const toLinkError = (error: unknown): LinkError => {
  if (error instanceof LinkError) return error
  if (isStorageError(error)) {
    return LinkError.of(new Storage({ operation: error.operation, message: error.message }))
  }
  const message = error instanceof Error ? error.message : typeof error === "string" ? error : String(error)
  return LinkError.of(new Unexpected({ message }))
}

const isStorageError = (error: unknown): error is { _tag: "StorageError"; operation: string; message: string } =>
  typeof error === "object" &&
  error !== null &&
  (error as { _tag?: unknown })._tag === "StorageError" &&
  typeof (error as { operation?: unknown }).operation === "string"
