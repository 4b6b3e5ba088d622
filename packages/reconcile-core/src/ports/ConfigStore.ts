import { Context, Effect, Layer, Option, Schema } from "effect"
import { Instant, Key } from "../internal/storageFields.ts"
import { makeForStorage } from "../internal/storageIssues.ts"
import { StorageConflictError, StorageError } from "./StorageError.ts"

/**
 * A deployment-wide configuration document (SMTP, the public base URL, the time zone), kept as
 * JSON with a version that every `put` increments.
 *
 * @since 0.1.0
 */
export class ConfigRecord extends Schema.Class<ConfigRecord>("ConfigRecord")({
  key: Key,
  document: Schema.Json,
  version: Schema.Int,
  updatedAt: Instant
}) {}

/**
 * Versioned configuration documents by key. Link configurations live in `LinkStore`; this holds
 * what belongs to the deployment as a whole.
 *
 * @example
 * ```ts
 * import { ConfigStore } from "@psa-ledger/reconcile-core"
 *
 * const settings = ConfigStore.use((configs) => configs.get("deployment"))
 * ```
 *
 * @since 0.1.0
 */
export class ConfigStore extends Context.Service<
  ConfigStore,
  {
    get(key: string): Effect.Effect<Option.Option<ConfigRecord>, StorageError>
    /** Saves with `version` + 1; with `expectedVersion` (0: must not exist) a concurrent edit is a `Conflict`. */
    put(
      record: Omit<ConfigRecord, "version">,
      options?: { readonly expectedVersion?: number | undefined }
    ): Effect.Effect<ConfigRecord, StorageError>
  }
>()("@psa-ledger/reconcile-core/ConfigStore") {
  /** A store held in memory, for tests and single-process scripts. */
  static readonly layerMemory: Layer.Layer<ConfigStore> = Layer.sync(ConfigStore, () => makeMemoryConfigStore())
}

const makeRecord = makeForStorage(ConfigRecord, "ConfigRecord")

/**
 * The in-memory `ConfigStore`.
 *
 * @since 0.1.0
 */
export const makeMemoryConfigStore = (): ConfigStore["Service"] => {
  const records = new Map<string, ConfigRecord>()
  return ConfigStore.of({
    get: (key) => Effect.sync(() => Option.fromNullishOr(records.get(key))),
    put: (record, options) =>
      Effect.gen(function* () {
        const current = records.get(record.key)?.version ?? 0
        if (options?.expectedVersion !== undefined && options.expectedVersion !== current) {
          return yield* new StorageError({
            operation: "ConfigStore.put",
            reason: new StorageConflictError({
              record: `ConfigRecord ${record.key}`,
              message: `expected version ${options.expectedVersion}, found ${current}`
            })
          })
        }
        const next = yield* makeRecord({ ...record, version: current + 1 }, "ConfigStore.put")
        records.set(record.key, next)
        return next
      })
  })
}
