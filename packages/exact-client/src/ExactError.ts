/**
 * The one error the Exact Online client raises, with a tagged `reason` saying what went wrong.
 *
 * Messages are built from Exact's answer and our own words only: the client secret, access and
 * refresh tokens and authorization codes never appear in them (the client also redacts any of
 * them it holds from every message, as a second line of defence).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * The access token was refused and a re-read or refresh did not help, or nobody authorised yet.
 *
 * @since 0.1.0
 */
export class Unauthorized extends Schema.TaggedClass<Unauthorized>()("Unauthorized", {
  message: Schema.String
}) {}

/**
 * The refresh-token chain is dead (old token reused, or idle for 30 days): the user must consent again.
 *
 * @since 0.1.0
 */
export class TokenChainBroken extends Schema.TaggedClass<TokenChainBroken>()("TokenChainBroken", {
  message: Schema.String
}) {}

/**
 * Exact refused the call; `exactReason` is its `Reason` header (e.g. `NoDivisionAccess`, `LicenseExpired`).
 *
 * @since 0.1.0
 */
export class Forbidden extends Schema.TaggedClass<Forbidden>()("Forbidden", {
  exactReason: Schema.optionalKey(Schema.String),
  message: Schema.String
}) {}

/**
 * The record or endpoint does not exist.
 *
 * @since 0.1.0
 */
export class NotFound extends Schema.TaggedClass<NotFound>()("NotFound", {
  message: Schema.String
}) {}

/**
 * Exact rejected the request's content (or the client refused to send it); `messages` are Exact's lines.
 *
 * @since 0.1.0
 */
export class Validation extends Schema.TaggedClass<Validation>()("Validation", {
  message: Schema.String,
  messages: Schema.Array(Schema.String)
}) {}

/**
 * Still over the minute budget after waiting and retrying; `resetAt` is epoch ms when known.
 *
 * @since 0.1.0
 */
export class RateLimited extends Schema.TaggedClass<RateLimited>()("RateLimited", {
  resetAt: Schema.optionalKey(Schema.Number)
}) {}

/**
 * The division's daily budget is spent; calls fail fast until `resetAt` (epoch ms, UTC midnight).
 *
 * @since 0.1.0
 */
export class DailyLimitExhausted extends Schema.TaggedClass<DailyLimitExhausted>()("DailyLimitExhausted", {
  resetAt: Schema.Number
}) {}

/**
 * Exact answered with a 5xx.
 *
 * @since 0.1.0
 */
export class Server extends Schema.TaggedClass<Server>()("Server", {
  status: Schema.Number,
  message: Schema.String
}) {}

/**
 * No answer within `timeoutMs`: the request may or may not have taken effect.
 *
 * @since 0.1.0
 */
export class Timeout extends Schema.TaggedClass<Timeout>()("Timeout", {
  timeoutMs: Schema.Number
}) {}

/**
 * The connection failed (DNS, reset, refused): the request may or may not have taken effect.
 *
 * @since 0.1.0
 */
export class Transport extends Schema.TaggedClass<Transport>()("Transport", {
  message: Schema.String
}) {}

/**
 * The caller aborted the call through its `AbortSignal`; a write may or may not have taken effect.
 *
 * @since 0.1.0
 */
export class AbortedError extends Schema.TaggedClass<AbortedError>()("AbortedError", {
  message: Schema.String
}) {}

/**
 * An answer did not have the expected shape; names the record and the field when it can.
 *
 * @since 0.1.0
 */
export class Decode extends Schema.TaggedClass<Decode>()("Decode", {
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
  Unauthorized,
  TokenChainBroken,
  Forbidden,
  NotFound,
  Validation,
  RateLimited,
  DailyLimitExhausted,
  Server,
  Timeout,
  Transport,
  Decode,
  AbortedError
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
 *   if (error instanceof ExactError && error.reason._tag === "Validation") console.error(error.reason.messages)
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
    return `Exact Online ${this.reason._tag}${where}: ${describe(this.reason)}`
  }
}

const describe = (reason: ExactErrorReason): string => {
  switch (reason._tag) {
    case "RateLimited":
      return reason.resetAt === undefined
        ? "still rate limited after retrying"
        : `still rate limited after retrying; the minute resets at ${new Date(reason.resetAt).toISOString()}`
    case "DailyLimitExhausted":
      return `the division's daily call budget is spent until ${new Date(reason.resetAt).toISOString()}`
    case "Timeout":
      return `no answer within ${reason.timeoutMs} ms`
    case "Forbidden":
      return reason.exactReason === undefined ? reason.message : `${reason.exactReason}: ${reason.message}`
    case "Decode":
      return (
        [reason.record, reason.field].filter((part) => part !== undefined).join(".") +
        (reason.record || reason.field ? ": " : "") +
        reason.message
      )
    default:
      return reason.message
  }
}
