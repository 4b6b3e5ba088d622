import { Schema } from "effect"

/**
 * One entry of ConnectWise's `errors[]`: which field of which resource was rejected and why.
 *
 * @since 0.1.0
 */
export const ValidationIssue = Schema.Struct({
  code: Schema.optionalKey(Schema.String),
  message: Schema.optionalKey(Schema.String),
  resource: Schema.optionalKey(Schema.String),
  field: Schema.optionalKey(Schema.String)
})
/**
 * One entry of ConnectWise's `errors[]`.
 *
 * @since 0.1.0
 */
export type ValidationIssue = typeof ValidationIssue.Type

/**
 * 401: the keys or company id were not accepted.
 *
 * @since 0.1.0
 */
export class ConnectWiseUnauthorizedError extends Schema.TaggedError<ConnectWiseUnauthorizedError>()(
  "UnauthorizedError",
  {
    message: Schema.String
  }
) {}
/**
 * 403: the clientId is missing or invalid, or the member's security role forbids the call.
 *
 * @since 0.1.0
 */
export class ConnectWiseForbiddenError extends Schema.TaggedError<ConnectWiseForbiddenError>()("ForbiddenError", {
  message: Schema.String
}) {}
/**
 * 404: no such record or path (on cloud, bad auth can also surface as 404).
 *
 * @since 0.1.0
 */
export class ConnectWiseNotFoundError extends Schema.TaggedError<ConnectWiseNotFoundError>()("NotFoundError", {
  message: Schema.String
}) {}
/**
 * 400/409/422: ConnectWise rejected the request; `errors` lists the fields.
 *
 * @since 0.1.0
 */
export class ConnectWiseValidationError extends Schema.TaggedError<ConnectWiseValidationError>()("ValidationError", {
  message: Schema.String,
  code: Schema.optionalKey(Schema.String),
  errors: Schema.Array(ValidationIssue)
}) {}
/**
 * 429 that persisted through every retry.
 *
 * @since 0.1.0
 */
export class ConnectWiseRateLimitedError extends Schema.TaggedError<ConnectWiseRateLimitedError>()("RateLimitedError", {
  message: Schema.String,
  retryAfterSeconds: Schema.optionalKey(Schema.Finite)
}) {}
/**
 * 5xx (or another unexpected status) that persisted through every retry.
 *
 * @since 0.1.0
 */
export class ConnectWiseServerError extends Schema.TaggedError<ConnectWiseServerError>()("ServerError", {
  message: Schema.String
}) {}
/**
 * No answer within `timeoutMs`.
 *
 * @since 0.1.0
 */
export class ConnectWiseTimeoutError extends Schema.TaggedError<ConnectWiseTimeoutError>()("TimeoutError", {
  message: Schema.String,
  timeoutMs: Schema.Finite
}) {}
/**
 * The request never got an HTTP answer (connection refused, reset, DNS).
 *
 * @since 0.1.0
 */
export class ConnectWiseTransportError extends Schema.TaggedError<ConnectWiseTransportError>()("TransportError", {
  message: Schema.String,
  code: Schema.optionalKey(Schema.String)
}) {}
/**
 * The caller's `AbortSignal` fired: the request (or the wait before a retry) was abandoned.
 *
 * @since 0.1.0
 */
export class ConnectWiseAbortedError extends Schema.TaggedError<ConnectWiseAbortedError>()("AbortedError", {
  message: Schema.String
}) {}
/**
 * The answer did not match the document: `field` names the offending field, `recordId` the record.
 *
 * @since 0.1.0
 */
export class ConnectWiseDecodeError extends Schema.TaggedError<ConnectWiseDecodeError>()("DecodeError", {
  message: Schema.String,
  field: Schema.optionalKey(Schema.String),
  recordId: Schema.optionalKey(Schema.Union([Schema.Finite, Schema.String]))
}) {}

/**
 * A write (POST, PUT, PATCH) whose outcome is unknown: it was sent, then no answer came in time
 * (`timeout`), the connection dropped (`transport`), ConnectWise answered 5xx (`server`), or it
 * answered 2xx with a body that does not decode (`body`: written, but not what was stored). It is
 * never retried blindly: the caller looks the record up, then writes again only if it is not there.
 *
 * @since 0.1.0
 */
export class ConnectWiseAmbiguousWriteError extends Schema.TaggedError<ConnectWiseAmbiguousWriteError>()(
  "AmbiguousWriteError",
  {
    message: Schema.String,
    why: Schema.Literals(["timeout", "transport", "server", "body"]),
    /** For `body`: the field of the answer that did not decode, if one did. */
    field: Schema.optionalKey(Schema.String)
  }
) {}

/**
 * Why a ConnectWise call failed; `reason._tag` tells the cases apart.
 *
 * Each reason class carries the vendor in its name (`ConnectWiseNotFoundError`), so that a host
 * importing both clients never has to alias; its `_tag` is the reason alone (`NotFoundError`), which
 * is what callers match on and what stored run logs already hold.
 *
 * @since 0.1.0
 */
export const ConnectWiseErrorReason = Schema.Union([
  ConnectWiseUnauthorizedError,
  ConnectWiseForbiddenError,
  ConnectWiseNotFoundError,
  ConnectWiseValidationError,
  ConnectWiseRateLimitedError,
  ConnectWiseServerError,
  ConnectWiseTimeoutError,
  ConnectWiseTransportError,
  ConnectWiseAbortedError,
  ConnectWiseDecodeError,
  ConnectWiseAmbiguousWriteError
])
/**
 * Why a ConnectWise call failed.
 *
 * @since 0.1.0
 */
export type ConnectWiseErrorReason = typeof ConnectWiseErrorReason.Type

/**
 * The one error of the ConnectWise client: the HTTP method, the path template, the status (if any
 * answer came) and a tagged `reason`. It never carries credentials or headers.
 *
 * @example
 * ```ts
 * try { await client.listAll("/company/companies") } catch (error) {
 *   if (error instanceof ConnectWiseError && error.reason._tag === "ValidationError") console.warn(error.reason.errors)
 * }
 * ```
 *
 * @since 0.1.0
 */
export class ConnectWiseError extends Schema.TaggedError<ConnectWiseError>()("ConnectWiseError", {
  method: Schema.String,
  path: Schema.String,
  status: Schema.optionalKey(Schema.Finite),
  reason: ConnectWiseErrorReason
}) {
  override get message(): string {
    const status = this.status === undefined ? "" : ` ${this.status}`
    // ConnectWise's own message is generic ("agreement object is invalid"); the fields say what to fix.
    const fields =
      this.reason._tag === "ValidationError" && this.reason.errors.length > 0
        ? ` (${this.reason.errors.map((issue) => `${issue.field ?? issue.resource ?? "?"}: ${issue.message ?? issue.code ?? "invalid"}`).join("; ")})`
        : ""
    return `ConnectWise ${this.method} ${this.path}${status}: ${this.reason._tag}: ${this.reason.message}${fields}`
  }
}
