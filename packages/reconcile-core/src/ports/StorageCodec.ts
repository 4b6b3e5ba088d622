import { Effect, Result, Schema } from "effect"
import { firstIssue } from "../internal/storageIssues.ts"
import { StorageCorruptError, StorageError, StorageInvalidInputError } from "./StorageError.ts"

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
          reason: new StorageInvalidInputError({ record, field, message })
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
          reason: new StorageCorruptError({ record, field, message })
        })
      })
    ) as Effect.Effect<S["Type"], StorageError>

/**
 * A link's id: 1 to 63 characters of `a-z`, `0-9` and `-`, starting with a letter or digit. Narrow on
 * purpose: it names a token chain, a lock and rows in every adapter, and must mean the same there.
 *
 * @since 0.1.0
 */
export const LinkId = Schema.String.check(
  Schema.isPattern(/^[a-z0-9][a-z0-9-]{0,62}$/, { expected: "a link id: 1 to 63 characters of a-z, 0-9 and -" })
)

const decodeLinkId = Schema.decodeUnknownResult(LinkId)

/**
 * Checks a link id: `undefined` when it is valid, otherwise the `InvalidInput` reason (naming
 * `record` and the field `linkId`) that every store and token chain refuses it with.
 *
 * @example
 * ```ts
 * import { validateLinkId } from "@psa-ledger/reconcile-core"
 *
 * validateLinkId("MappingStore", "acme-eu") // undefined
 * validateLinkId("MappingStore", "Acme EU")?.field // "linkId"
 * ```
 *
 * @since 0.1.0
 */
export const validateLinkId = (record: string, linkId: unknown): StorageInvalidInputError | undefined =>
  Result.isSuccess(decodeLinkId(linkId))
    ? undefined
    : new StorageInvalidInputError({
        record,
        field: "linkId",
        message: "expected a link id: 1 to 63 characters of a-z, 0-9 and -, starting with a letter or digit"
      })

/**
 * Wraps a link-scoped store so every method refuses a malformed link id (the first argument, see
 * `validateLinkId`) with an `InvalidInput` reason before the store is touched. Every adapter applies
 * it, so a link id is validated the same way everywhere.
 *
 * @since 0.1.0
 */
export const scopedByLink = <S extends object>(name: string, store: S): S => {
  const guarded: Record<string, unknown> = {}
  for (const [method, implementation] of Object.entries(store)) {
    if (typeof implementation !== "function") {
      guarded[method] = implementation
      continue
    }
    guarded[method] = (linkId: unknown, ...rest: Array<unknown>) => {
      const refused = validateLinkId(name, linkId)
      return refused === undefined
        ? implementation(linkId, ...rest)
        : Effect.fail(new StorageError({ operation: `${name}.${method}`, reason: refused }))
    }
  }
  return guarded as S
}
