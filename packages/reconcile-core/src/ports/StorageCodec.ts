import { Effect, Schema, SchemaIssue } from "effect"
import { Corrupt, InvalidInput, StorageError } from "./StorageError.ts"

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

const firstIssue = (error: Schema.SchemaError): { readonly field: string; readonly message: string } => {
  const [issue] = formatter(error.issue).issues
  const path = issue?.path?.map((segment) => String(typeof segment === "object" ? segment.key : segment)) ?? []
  return { field: path.length > 0 ? path.join(".") : "(value)", message: issue?.message ?? error.message }
}

/**
 * Encodes a record for storage, refusing invalid input (too long, wrong type) with an
 * `InvalidInput` reason that names the record and field, before anything is written.
 *
 * Every adapter validates through this, so all of them refuse the same inputs.
 *
 * @since 0.1.0
 */
export const encodeForStorage =
  <S extends Schema.Codec<unknown, unknown>>(schema: S, record: string) =>
  (value: S["Type"], operation: string, linkId?: string): Effect.Effect<S["Encoded"], StorageError> =>
    Schema.encodeUnknownEffect(schema)(value).pipe(
      Effect.mapError((error) => {
        const { field, message } = firstIssue(error)
        return new StorageError({
          operation,
          ...(linkId === undefined ? {} : { linkId }),
          reason: new InvalidInput({ record, field, message })
        })
      })
    ) as Effect.Effect<S["Encoded"], StorageError>

/**
 * Decodes a stored record, turning anything this version cannot read into a `Corrupt` reason.
 *
 * @since 0.1.0
 */
export const decodeFromStorage =
  <S extends Schema.Codec<unknown, unknown>>(schema: S, record: string) =>
  (stored: unknown, operation: string, linkId?: string): Effect.Effect<S["Type"], StorageError> =>
    Schema.decodeUnknownEffect(schema)(stored).pipe(
      Effect.mapError((error) => {
        const { field, message } = firstIssue(error)
        return new StorageError({
          operation,
          ...(linkId === undefined ? {} : { linkId }),
          reason: new Corrupt({ record, field, message })
        })
      })
    ) as Effect.Effect<S["Type"], StorageError>

/**
 * Length limits shared by every adapter: SQL columns are sized from these, and the schemas below
 * check them, so an over-long value is refused the same way everywhere.
 *
 * @since 0.1.0
 */
export const StorageLimits = {
  /** Link ids, run ids, operation keys, source keys. */
  key: 512,
  /** Names, e-mail addresses, cron expressions, short labels. */
  label: 1_000,
  /** Log messages and summaries. */
  text: 100_000
} as const

/** @internal */
export const Key = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(StorageLimits.key))
/** @internal */
export const Label = Schema.String.check(Schema.isMaxLength(StorageLimits.label))
/** @internal */
export const Text = Schema.String.check(Schema.isMaxLength(StorageLimits.text))
/** @internal: an instant, ISO-8601 text when encoded. */
export const Instant = Schema.DateTimeUtcFromString
