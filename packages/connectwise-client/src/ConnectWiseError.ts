import { Schema } from "effect"

/** One entry of ConnectWise's `errors[]`: which field of which resource was rejected and why. */
export const ValidationIssue = Schema.Struct({
  code: Schema.optionalKey(Schema.String),
  message: Schema.optionalKey(Schema.String),
  resource: Schema.optionalKey(Schema.String),
  field: Schema.optionalKey(Schema.String)
})
/** One entry of ConnectWise's `errors[]`. */
export type ValidationIssue = typeof ValidationIssue.Type

/** 401: the keys or company id were not accepted. */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", { message: Schema.String }) {}
/** 403: the clientId is missing or invalid, or the member's security role forbids the call. */
export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", { message: Schema.String }) {}
/** 404: no such record or path (on cloud, bad auth can also surface as 404). */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", { message: Schema.String }) {}
/** 400/409/422: ConnectWise rejected the request; `errors` lists the fields. */
export class Validation extends Schema.TaggedError<Validation>()("Validation", {
  message: Schema.String,
  code: Schema.optionalKey(Schema.String),
  errors: Schema.Array(ValidationIssue)
}) {}
/** 429 that persisted through every retry. */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  message: Schema.String,
  retryAfterSeconds: Schema.optionalKey(Schema.Finite)
}) {}
/** 5xx (or another unexpected status) that persisted through every retry. */
export class Server extends Schema.TaggedError<Server>()("Server", { message: Schema.String }) {}
/** No answer within `timeoutMs`. */
export class Timeout extends Schema.TaggedError<Timeout>()("Timeout", {
  message: Schema.String,
  timeoutMs: Schema.Finite
}) {}
/** The request never got an HTTP answer (connection refused, reset, DNS). */
export class Transport extends Schema.TaggedError<Transport>()("Transport", {
  message: Schema.String,
  code: Schema.optionalKey(Schema.String)
}) {}
/** The caller's `AbortSignal` fired: the request (or the wait before a retry) was abandoned. */
export class Aborted extends Schema.TaggedError<Aborted>()("Aborted", { message: Schema.String }) {}
/** The answer did not match the document: `field` names the offending field, `recordId` the record. */
export class Decode extends Schema.TaggedError<Decode>()("Decode", {
  message: Schema.String,
  field: Schema.optionalKey(Schema.String),
  recordId: Schema.optionalKey(Schema.Union([Schema.Finite, Schema.String]))
}) {}

/** Why a ConnectWise call failed; `reason._tag` tells the cases apart. */
export const ConnectWiseErrorReason = Schema.Union([
  Unauthorized,
  Forbidden,
  NotFound,
  Validation,
  RateLimited,
  Server,
  Timeout,
  Transport,
  Aborted,
  Decode
])
/** Why a ConnectWise call failed. */
export type ConnectWiseErrorReason = typeof ConnectWiseErrorReason.Type

/**
 * The one error of the ConnectWise client: the HTTP method, the path template, the status (if any
 * answer came) and a tagged `reason`. It never carries credentials or headers.
 *
 * @example
 * ```ts
 * try { await client.listAll("/company/companies") } catch (error) {
 *   if (error instanceof ConnectWiseError && error.reason._tag === "Validation") console.warn(error.reason.errors)
 * }
 * ```
 */
export class ConnectWiseError extends Schema.TaggedError<ConnectWiseError>()("ConnectWiseError", {
  method: Schema.String,
  path: Schema.String,
  status: Schema.optionalKey(Schema.Finite),
  reason: ConnectWiseErrorReason
}) {
  override get message(): string {
    const status = this.status === undefined ? "" : ` ${this.status}`
    return `ConnectWise ${this.method} ${this.path}${status}: ${this.reason._tag}: ${this.reason.message}`
  }
}
