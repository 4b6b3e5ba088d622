import { Effect, type Schema, SchemaIssue } from "effect"
import { StorageError, StorageInvalidInputError } from "../ports/StorageError.ts"

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

/** The first issue of a schema error, as the field (a dotted path) and a message. */
export const firstIssue = (error: Schema.SchemaError): { readonly field: string; readonly message: string } =>
  describeIssue(error.issue, error.message)

const describeIssue = (
  schemaIssue: SchemaIssue.Issue,
  fallback: string
): { readonly field: string; readonly message: string } => {
  const [issue] = formatter(schemaIssue).issues
  const path = issue?.path?.map((segment) => String(typeof segment === "object" ? segment.key : segment)) ?? []
  return { field: path.length > 0 ? path.join(".") : "(value)", message: issue?.message ?? fallback }
}

/**
 * Builds a record class instance inside a store, reporting anything the constructor refuses (a
 * failed check, a value of the wrong type such as `NaN` in JSON) as an `InvalidInput` reason that
 * names the record and field, instead of a thrown defect.
 */
export const makeForStorage =
  <Props, A>(Record: new (props: Props) => A, record: string) =>
  (props: Props, operation: string, linkId?: string): Effect.Effect<A, StorageError> =>
    Effect.try({
      try: () => new Record(props),
      catch: (error) => {
        // Class constructors throw a plain Error whose cause is the schema issue.
        const cause = error instanceof Error ? error.cause : undefined
        const { field, message } = SchemaIssue.isIssue(cause)
          ? describeIssue(cause, String(error))
          : { field: "(value)", message: String(error) }
        return new StorageError({
          operation,
          ...(linkId === undefined ? {} : { linkId }),
          reason: new StorageInvalidInputError({ record, field, message })
        })
      }
    })
