/**
 * The one error the Exact Online client raises, with a tagged `reason` saying what went wrong.
 *
 * Messages are built from Exact's answer and our own words only: the client secret, access and
 * refresh tokens and authorization codes never appear in them (the client also redacts any of
 * them it holds from every message, as a second line of defence).
 *
 * Each reason class carries the vendor in its name (`ExactNotFoundError`), so that a host importing
 * both clients never has to alias; its `_tag` is the reason alone (`NotFoundError`), which is what
 * callers match on and what stored run logs already hold.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * The access token was refused and a re-read or refresh did not help, or nobody authorised yet.
 *
 * @since 0.1.0
 */
export class ExactUnauthorizedError extends Schema.TaggedError<ExactUnauthorizedError>()("UnauthorizedError", {
  message: Schema.String
}) {}

/**
 * The refresh-token chain is dead (old token reused, or idle for 30 days): the user must consent again.
 *
 * @since 0.1.0
 */
export class ExactTokenChainBrokenError extends Schema.TaggedError<ExactTokenChainBrokenError>()(
  "TokenChainBrokenError",
  {
    message: Schema.String
  }
) {}

/**
 * Exact refused the call; `exactReason` is its `Reason` header (e.g. `NoDivisionAccess`, `LicenseExpired`).
 *
 * @since 0.1.0
 */
export class ExactForbiddenError extends Schema.TaggedError<ExactForbiddenError>()("ForbiddenError", {
  exactReason: Schema.optionalKey(Schema.String),
  message: Schema.String
}) {}

/**
 * The record or endpoint does not exist.
 *
 * @since 0.1.0
 */
export class ExactNotFoundError extends Schema.TaggedError<ExactNotFoundError>()("NotFoundError", {
  message: Schema.String
}) {}

/**
 * Exact rejected the request's content (or the client refused to send it); `messages` are Exact's lines.
 *
 * @since 0.1.0
 */
export class ExactValidationError extends Schema.TaggedError<ExactValidationError>()("ValidationError", {
  message: Schema.String,
  messages: Schema.Array(Schema.String)
}) {}

/**
 * Still over the minute budget after waiting and retrying; `resetAt` is epoch ms when known.
 *
 * @since 0.1.0
 */
export class ExactRateLimitedError extends Schema.TaggedError<ExactRateLimitedError>()("RateLimitedError", {
  resetAt: Schema.optionalKey(Schema.Number)
}) {
  override get message(): string {
    return describe(this)
  }
}

/**
 * The division's daily budget is spent; calls fail fast until `resetAt` (epoch ms, UTC midnight).
 *
 * @since 0.1.0
 */
export class ExactDailyLimitExhaustedError extends Schema.TaggedError<ExactDailyLimitExhaustedError>()(
  "DailyLimitExhaustedError",
  {
    resetAt: Schema.Number
  }
) {
  override get message(): string {
    return describe(this)
  }
}

/**
 * The client refused to send: the endpoint had `ERROR_BUDGET.limit` error answers in the last hour,
 * and Exact blocks an app at ten. `freesAt` (epoch ms) is when the oldest of them leaves the hour.
 *
 * @since 0.1.0
 */
export class ExactErrorBudgetExhaustedError extends Schema.TaggedError<ExactErrorBudgetExhaustedError>()(
  "ErrorBudgetExhaustedError",
  {
    endpoint: Schema.String,
    errors: Schema.Number,
    freesAt: Schema.Number
  }
) {
  override get message(): string {
    return describe(this)
  }
}

/**
 * Exact answered with a 5xx.
 *
 * @since 0.1.0
 */
export class ExactServerError extends Schema.TaggedError<ExactServerError>()("ServerError", {
  status: Schema.Number,
  message: Schema.String
}) {}

/**
 * No answer within `timeoutMs`: the request may or may not have taken effect.
 *
 * @since 0.1.0
 */
export class ExactTimeoutError extends Schema.TaggedError<ExactTimeoutError>()("TimeoutError", {
  timeoutMs: Schema.Number
}) {
  override get message(): string {
    return describe(this)
  }
}

/**
 * The connection failed (DNS, reset, refused): the request may or may not have taken effect.
 *
 * @since 0.1.0
 */
export class ExactTransportError extends Schema.TaggedError<ExactTransportError>()("TransportError", {
  message: Schema.String
}) {}

/**
 * The caller aborted the call through its `AbortSignal`; a write may or may not have taken effect.
 *
 * @since 0.1.0
 */
export class ExactAbortedError extends Schema.TaggedError<ExactAbortedError>()("AbortedError", {
  message: Schema.String
}) {}

/**
 * An answer did not have the expected shape; names the record and the field when it can.
 *
 * @since 0.1.0
 */
export class ExactDecodeError extends Schema.TaggedError<ExactDecodeError>()("DecodeError", {
  message: Schema.String,
  record: Schema.optionalKey(Schema.String),
  field: Schema.optionalKey(Schema.String)
}) {}

/**
 * Every reason an Exact Online call can fail.
 *
 * @since 0.1.0
 */
export const ExactErrorReason = Schema.Union([
  ExactUnauthorizedError,
  ExactTokenChainBrokenError,
  ExactForbiddenError,
  ExactNotFoundError,
  ExactValidationError,
  ExactRateLimitedError,
  ExactDailyLimitExhaustedError,
  ExactErrorBudgetExhaustedError,
  ExactServerError,
  ExactTimeoutError,
  ExactTransportError,
  ExactDecodeError,
  ExactAbortedError
])

/**
 * The union of reasons, discriminated by `_tag`.
 *
 * @since 0.1.0
 */
export type ExactErrorReason = typeof ExactErrorReason.Type

/**
 * The error every client call rejects with.
 *
 * @example
 * ```ts
 * import { ExactError } from "@psa-ledger/exact-client"
 *
 * try {
 *   await exact.createSalesInvoice(invoice, { yourRef: "CW-10231" })
 * } catch (error) {
 *   if (error instanceof ExactError && error.reason._tag === "ValidationError") console.error(error.reason.messages)
 *   else throw error
 * }
 * ```
 *
 * @since 0.1.0
 */
export class ExactError extends Schema.TaggedError<ExactError>()("ExactError", {
  reason: ExactErrorReason,
  /** `GET`, `POST`, … */
  method: Schema.optionalKey(Schema.String),
  /** The endpoint without host, division or query, e.g. `salesinvoice/SalesInvoices`. */
  endpoint: Schema.optionalKey(Schema.String)
}) {
  override get message(): string {
    const where = this.endpoint === undefined ? "" : ` (${this.method ?? ""} ${this.endpoint})`.replace("( ", "(")
    // The tag without its `Error` suffix reads as before: "Exact Online NotFound (GET …): …".
    return `Exact Online ${this.reason._tag.replace(/Error$/, "")}${where}: ${describe(this.reason)}`
  }
}

const describe = (reason: ExactErrorReason): string => {
  switch (reason._tag) {
    case "RateLimitedError":
      return reason.resetAt === undefined
        ? "still rate limited after retrying"
        : `still rate limited after retrying; the minute resets at ${new Date(reason.resetAt).toISOString()}`
    case "DailyLimitExhaustedError":
      return `the division's daily call budget is spent until ${new Date(reason.resetAt).toISOString()}`
    case "ErrorBudgetExhaustedError":
      return `${reason.errors} error answers from ${reason.endpoint} in the last hour (Exact blocks at 10); not sent until ${new Date(reason.freesAt).toISOString()}`
    case "TimeoutError":
      return `no answer within ${reason.timeoutMs} ms`
    case "ForbiddenError":
      return reason.exactReason === undefined ? reason.message : `${reason.exactReason}: ${reason.message}`
    case "DecodeError":
      return (
        [reason.record, reason.field].filter((part) => part !== undefined).join(".") +
        (reason.record || reason.field ? ": " : "") +
        reason.message
      )
    default:
      return reason.message
  }
}
