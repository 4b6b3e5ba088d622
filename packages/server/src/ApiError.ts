import { Schema } from "effect"

/**
 * The one error body every route answers with: a stable machine `code`, a message a person can
 * read, the `field` at fault for bad input, and `details` where they help (never a stack or a secret).
 *
 * @since 0.1.0
 */
export const ErrorBody = Schema.Struct({
  error: Schema.Struct({
    code: Schema.String,
    message: Schema.String,
    field: Schema.optionalKey(Schema.String),
    details: Schema.optionalKey(Schema.Json)
  })
}).annotate({ identifier: "Error" })

/** @since 0.1.0 */
export type ErrorBody = typeof ErrorBody.Type

/**
 * An error a route answers with: its HTTP status and the body's fields. Throw it from a handler;
 * anything else thrown becomes a 500 `Internal` without its message.
 *
 * @since 0.1.0
 */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly extra: {
    readonly field?: string | undefined
    readonly details?: Schema.Json | undefined
    readonly headers?: Readonly<Record<string, string>> | undefined
  }
  constructor(status: number, code: string, message: string, extra: ApiError["extra"] = {}) {
    super(message)
    this.name = "ApiError"
    this.status = status
    this.code = code
    this.extra = extra
  }

  /** The error's JSON body. */
  get body(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.extra.field === undefined ? {} : { field: this.extra.field }),
        ...(this.extra.details === undefined ? {} : { details: this.extra.details })
      }
    }
  }
}

/** 400 naming the field at fault. */
export const badRequest = (field: string, message: string): ApiError =>
  new ApiError(400, "InvalidInput", message, { field })

/** 404 with no word on whether the thing exists for someone else. */
export const notFound = (what = "not found"): ApiError => new ApiError(404, "NotFound", what)
