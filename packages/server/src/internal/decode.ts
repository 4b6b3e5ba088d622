import { Result, Schema, SchemaIssue } from "effect"
import { badRequest } from "../ApiError.ts"

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

/** Decodes request input with its Schema (JSON codec): a failure is 400 naming the field (`where.path`). */
export const decodeInput = <S extends Schema.Top>(schema: S, value: unknown, where: string): S["Type"] => {
  const result = Schema.decodeUnknownResult(Schema.toCodecJson(schema as unknown as Schema.Codec<unknown, unknown>), {
    onExcessProperty: "error"
  })(value)
  if (Result.isSuccess(result)) return result.success as S["Type"]
  const [issue] = formatter(result.failure.issue).issues
  const path = issue?.path?.map((s) => String(typeof s === "object" ? s.key : s)) ?? []
  const field = where === "body" ? path.join(".") || "body" : [where, ...path].join(".")
  throw badRequest(field, issue?.message ?? "invalid input")
}

/** Encodes a response body with its Schema's JSON codec (decimals as strings, instants as ISO text). */
export const encodeOutput = (schema: Schema.Top, value: unknown): unknown =>
  Schema.encodeUnknownSync(Schema.toCodecJson(schema as unknown as Schema.Codec<unknown, unknown>))(value)
