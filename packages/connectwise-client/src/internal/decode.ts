import { Result, Schema, type SchemaIssue } from "effect"
import { ConnectWiseDecodeError, ConnectWiseError } from "../ConnectWiseError.ts"
import { recordSchemas } from "../Records.ts"
import { parseJsonLossless } from "./json.ts"

/** Where a call's answer came from, for the errors its decoding raises. */
export interface Origin {
  readonly method: string
  readonly path: string
  readonly status: number
}

const decodeFailure = (origin: Origin, reason: ConnectWiseDecodeError): ConnectWiseError =>
  new ConnectWiseError({ method: origin.method, path: origin.path, status: origin.status, reason })

const firstPointer = (issue: SchemaIssue.Issue): string | undefined => {
  const walk = (i: SchemaIssue.Issue, prefix: Array<PropertyKey>): Array<PropertyKey> | undefined => {
    switch (i._tag) {
      case "Pointer":
        return walk(i.issue, [...prefix, ...i.path]) ?? [...prefix, ...i.path]
      case "Composite":
      case "AnyOf":
        for (const inner of i.issues) {
          const found = walk(inner, prefix)
          if (found) return found
        }
        return prefix.length > 0 ? prefix : undefined
      case "Encoding":
      case "Filter":
        return walk(i.issue, prefix) ?? (prefix.length > 0 ? prefix : undefined)
      default:
        return prefix.length > 0 ? prefix : undefined
    }
  }
  return walk(issue, [])?.map(String).join("/")
}

/**
 * Parses a body read as text. Money arrives as JSON numbers, so the text is parsed here, keeping
 * every number's digits, rather than by openapi-fetch's `JSON.parse`, which would round them.
 */
export const parseBody = (text: string | undefined, origin: Origin): unknown => {
  try {
    return parseJsonLossless(text ?? "")
  } catch {
    throw decodeFailure(
      origin,
      new ConnectWiseDecodeError({ message: `The body of ${origin.method} ${origin.path} is not valid JSON` })
    )
  }
}

/** Fails with a {@link ConnectWiseDecodeError} unless `value` is an array. */
export const expectArray = (value: unknown, origin: Origin): Array<unknown> => {
  if (Array.isArray(value)) return value
  throw decodeFailure(origin, new ConnectWiseDecodeError({ message: `${origin.path} did not answer with an array` }))
}

/** Fails with a {@link ConnectWiseDecodeError} unless `value` is `{count: <integer>}`. */
export const expectCount = (value: unknown, origin: Origin): number => {
  const count = (value as { count?: unknown } | null)?.count
  if (typeof count === "number" && Number.isInteger(count)) return count
  throw decodeFailure(
    origin,
    new ConnectWiseDecodeError({ message: `${origin.path} answered without an integer count`, field: "count" })
  )
}

/** Validates a record of a Schema-checked path; other paths' records pass as they are. */
export const decodeRecord = (value: unknown, origin: Origin): unknown => {
  const template = origin.path
  const schema = (recordSchemas as Record<string, Schema.Top & { readonly DecodingServices: never }>)[template]
  if (!schema) return value
  const result = Schema.decodeUnknownResult(schema as Schema.Codec<unknown, unknown>)(value)
  if (Result.isSuccess(result)) return result.success
  const field = firstPointer(result.failure.issue)
  const id = value && typeof value === "object" ? (value as { id?: unknown }).id : undefined
  const recordId = typeof id === "number" || typeof id === "string" ? id : undefined
  const what = recordId === undefined ? "a record" : `record ${recordId}`
  throw decodeFailure(
    origin,
    new ConnectWiseDecodeError({
      message: `${what} of ${template} does not match the document${field ? ` at ${field}` : ""}: ${result.failure.message.split("\n")[0]}`,
      ...(field ? { field } : {}),
      ...(recordId !== undefined ? { recordId } : {})
    })
  )
}
