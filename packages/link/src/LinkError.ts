import { ConnectWiseError } from "@psa-ledger/connectwise-client"
import { ExactError } from "@psa-ledger/exact-client"
import { StorageError } from "@psa-ledger/reconcile-core"
import { Schema } from "effect"

// Each reason class is named `Link…Error` so that no export collides with another package's (the
// storage-adapters `Storage`, the clients' `ConnectWiseError`), while its `_tag` stays the short word
// (`"Busy"`, `"Storage"`): the tag is what hosts switch on, what the server sends and what stored
// apply reports hold, so it must not change with a rename.

/**
 * A storage port failed (the database was down, a record did not decode, a write lost a race).
 *
 * @since 0.1.0
 */
export class LinkStorageError extends Schema.TaggedClass<LinkStorageError>()("Storage", {
  /** The port method, e.g. `"RunStore.append"`. */
  operation: Schema.String,
  message: Schema.String,
  /** The port's own error, with its reason (e.g. `Conflict`, `Unavailable`). */
  cause: Schema.optional(Schema.instanceOf(StorageError))
}) {}

/**
 * A ConnectWise PSA call failed after the client's own retries.
 *
 * @since 0.1.0
 */
export class LinkConnectWiseError extends Schema.TaggedClass<LinkConnectWiseError>()("ConnectWise", {
  /** What was being done, e.g. `"add addition"` or `"GET /company/companies"`. */
  operation: Schema.String,
  /** The HTTP status, when there was a response. */
  status: Schema.optional(Schema.Int),
  message: Schema.String,
  /** ConnectWise's field-level `errors[]` when it rejected the request (field and message each). */
  errors: Schema.optional(
    Schema.Array(
      Schema.Struct({
        field: Schema.optional(Schema.String),
        message: Schema.optional(Schema.String),
        code: Schema.optional(Schema.String)
      })
    )
  ),
  /** The client's error, with its reason and that reason's fields (e.g. `Validation`, `NotFound`). */
  cause: Schema.optional(Schema.instanceOf(ConnectWiseError))
}) {}

/**
 * An Exact Online call failed after the client's own retries.
 *
 * @since 0.1.0
 */
export class LinkExactError extends Schema.TaggedClass<LinkExactError>()("Exact", {
  operation: Schema.String,
  status: Schema.optional(Schema.Int),
  message: Schema.String,
  /** The client's error, with its reason and that reason's fields (e.g. a daily limit's `resetAt`). */
  cause: Schema.optional(Schema.instanceOf(ExactError))
}) {}

/**
 * The reconciliation's invoice source could not be read: Exact Online refused or failed, or a CSV
 * file could not be opened.
 *
 * @since 0.1.0
 */
export class LinkSourceError extends Schema.TaggedClass<LinkSourceError>()("Source", {
  /** `sales`, `purchase` or `csv`. */
  source: Schema.String,
  message: Schema.String,
  /** What failed: Exact Online's `ExactError` (with its reason), or the error reading the CSV file. */
  cause: Schema.optional(Schema.instanceOf(Error))
}) {}

/**
 * An operation this one depends on (an invoice's account, a new addition's product) failed or was
 * skipped, so this one was not attempted.
 *
 * @since 0.1.0
 */
export class LinkDependencyFailedError extends Schema.TaggedClass<LinkDependencyFailedError>()("DependencyFailed", {
  /** The idempotency key of the operation depended on. */
  opKey: Schema.String,
  message: Schema.String
}) {}

/**
 * Sending a run's mail failed (refused connection, rejected login, refused recipient).
 *
 * @since 0.1.0
 */
export class LinkMailError extends Schema.TaggedClass<LinkMailError>()("Mail", {
  message: Schema.String
}) {}

/**
 * Input was refused before anything was done; names the record and the field.
 *
 * @since 0.1.0
 */
export class LinkInvalidInputError extends Schema.TaggedClass<LinkInvalidInputError>()("InvalidInput", {
  record: Schema.String,
  field: Schema.String,
  message: Schema.String
}) {}

/**
 * The caller cancelled the work through its `AbortSignal`.
 *
 * @since 0.1.0
 */
export class LinkCancelledError extends Schema.TaggedClass<LinkCancelledError>()("Cancelled", {
  message: Schema.String
}) {}

/**
 * Another run of the same link is in progress, and at most one may run at a time.
 *
 * @since 0.1.0
 */
export class LinkBusyError extends Schema.TaggedClass<LinkBusyError>()("Busy", {
  /** The run, or the job, holding the link. */
  holder: Schema.String,
  message: Schema.String
}) {}

/**
 * A link has an unfinished run (its process died, or it is still going): a new run of the link waits
 * until that one is resumed (`resume(runId)`) or abandoned.
 *
 * @since 0.1.0
 */
export class LinkUnfinishedRunError extends Schema.TaggedClass<LinkUnfinishedRunError>()("UnfinishedRun", {
  runId: Schema.String,
  /** The unfinished run's job. */
  job: Schema.String,
  message: Schema.String
}) {}

/**
 * A write was not made because the target no longer holds the value the plan was made from: someone
 * changed it since. Both values are named, so the user can decide.
 *
 * @since 0.1.0
 */
export class LinkStaleError extends Schema.TaggedClass<LinkStaleError>()("Stale", {
  /** The target record, e.g. `"addition 4411"`. */
  record: Schema.String,
  field: Schema.String,
  /** The value the plan was made from. */
  expected: Schema.String,
  /** The value the target holds now. */
  found: Schema.String,
  message: Schema.String
}) {}

/**
 * Another run of the link did this operation while this one waited for it: nothing was written
 * twice, and the other run's result is used.
 *
 * @since 0.1.0
 */
export class LinkDoneByAnotherRunError extends Schema.TaggedClass<LinkDoneByAnotherRunError>()("DoneByAnotherRun", {
  /** The run that did it. */
  runId: Schema.String,
  message: Schema.String
}) {}

/**
 * Something failed that no other reason describes: a bug, or an exception thrown by host code.
 *
 * @since 0.1.0
 */
export class LinkUnexpectedError extends Schema.TaggedClass<LinkUnexpectedError>()("Unexpected", {
  message: Schema.String
}) {}

/**
 * Why a link operation failed. To add a reason: declare a `Schema.TaggedClass` above and list it here.
 *
 * @since 0.1.0
 */
export const LinkErrorReason = Schema.Union([
  LinkStorageError,
  LinkConnectWiseError,
  LinkExactError,
  LinkSourceError,
  LinkDependencyFailedError,
  LinkMailError,
  LinkInvalidInputError,
  LinkCancelledError,
  LinkBusyError,
  LinkUnfinishedRunError,
  LinkStaleError,
  LinkUnexpectedError
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
      case "Source":
        return `Source: reading the ${reason.source} invoice source failed${sourceTag(reason)}: ${reason.message}`
      case "DependencyFailed":
        return `DependencyFailed: ${reason.opKey}: ${reason.message}`
      default:
        return `${reason._tag}: ${reason.message}`
    }
  }

  /** Wraps a reason: `LinkError.of(new LinkCancelledError({ message }))`. */
  static of(reason: LinkErrorReason): LinkError {
    return new LinkError({ reason })
  }
}

/** The vendor's reason tag of a `Source` failure, as ` (RateLimited)`, or nothing. */
const sourceTag = (reason: LinkSourceError): string => {
  const tag = (reason.cause as { reason?: { _tag?: unknown } } | undefined)?.reason?._tag
  return typeof tag === "string" ? ` (${tag})` : ""
}

const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : typeof error === "string" ? error : String(error)

/**
 * The reason for anything thrown or failed while doing `operation`: a `LinkError` keeps its reason,
 * a client's `ExactError`/`ConnectWiseError` becomes `Exact`/`ConnectWise` (the error itself as
 * `cause`, and its HTTP status), a core `StorageError` becomes `Storage` (the error as `cause`),
 * anything else `Unexpected`.
 *
 * @since 0.1.0
 */
export const reasonOf = (error: unknown, operation = "link"): LinkErrorReason => {
  if (error instanceof LinkError) return error.reason
  if (error instanceof ExactError) {
    const status = (error.reason as { status?: unknown }).status
    return new LinkExactError({
      operation,
      ...(typeof status === "number" ? { status } : {}),
      message: error.message,
      cause: error
    })
  }
  if (error instanceof ConnectWiseError) {
    const errors =
      error.reason._tag === "ValidationError"
        ? error.reason.errors.map((issue) => ({
            ...(issue.field === undefined ? {} : { field: issue.field }),
            ...(issue.message === undefined ? {} : { message: issue.message }),
            ...(issue.code === undefined ? {} : { code: issue.code })
          }))
        : []
    return new LinkConnectWiseError({
      operation,
      ...(error.status === undefined ? {} : { status: error.status }),
      message: error.message,
      ...(errors.length === 0 ? {} : { errors }),
      cause: error
    })
  }
  if (error instanceof StorageError) {
    return new LinkStorageError({ operation: error.operation, message: error.message, cause: error })
  }
  return new LinkUnexpectedError({ message: messageOf(error) })
}

/**
 * Turns anything thrown or failed into a `LinkError`: a `LinkError` stays itself, client and
 * storage errors keep their system (see {@link reasonOf}), anything else is `Unexpected`.
 *
 * @since 0.1.0
 */
export const toLinkError = (error: unknown, operation?: string): LinkError =>
  error instanceof LinkError ? error : LinkError.of(reasonOf(error, operation))
