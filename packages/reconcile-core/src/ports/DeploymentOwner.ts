import { Effect, Result, Schema } from "effect"
import { LinkId } from "./StorageCodec.ts"
import { StorageError, StorageInvalidInputError } from "./StorageError.ts"

/**
 * Who a deployment record belongs to: a link (its id) or the deployment itself (`"@deployment"`,
 * which no link id can spell, so a deployment-wide secret can never be read as a link's).
 *
 * @since 0.1.0
 */
export const DeploymentOwner = Schema.Union([LinkId, Schema.Literal("@deployment")])

const decodeOwner = Schema.decodeUnknownResult(DeploymentOwner)

/** Refuses a malformed owner with an `InvalidInput` reason naming the field `owner`, before a store is touched. */
export const checkOwner = (operation: string, owner: unknown): Effect.Effect<string, StorageError> =>
  Result.isSuccess(decodeOwner(owner))
    ? Effect.succeed(owner as string)
    : Effect.fail(
        new StorageError({
          operation,
          reason: new StorageInvalidInputError({
            record: operation.split(".")[0] ?? operation,
            field: "owner",
            message: 'expected a link id (1 to 63 characters of a-z, 0-9 and -) or "@deployment"'
          })
        })
      )

/** Refuses a value its schema rejects with an `InvalidInput` reason naming the record (from `operation`) and `field`. */
export const checkField = <A>(
  operation: string,
  field: string,
  schema: Schema.Codec<A, unknown>,
  value: unknown
): Effect.Effect<A, StorageError> =>
  Schema.decodeUnknownEffect(schema)(value).pipe(
    Effect.mapError(
      (error) =>
        new StorageError({
          operation,
          reason: new StorageInvalidInputError({
            record: operation.split(".")[0] ?? operation,
            field,
            message: error.message
          })
        })
    )
  ) as Effect.Effect<A, StorageError>
