import { Context, type DateTime, Effect, Layer, Option, Redacted, Schema } from "effect"
import { Instant, Key } from "../internal/storageFields.ts"
import { checkField, checkOwner } from "./DeploymentOwner.ts"
import type { StorageError } from "./StorageError.ts"

/**
 * That a secret is set, and when: all a secret store ever says about a secret besides opening it.
 *
 * @since 0.1.0
 */
export class SecretInfo extends Schema.Class<SecretInfo>("SecretInfo")({
  name: Key,
  updatedAt: Instant
}) {}

/**
 * Write-only credentials (API keys, client secrets, SMTP passwords) of a link or of the deployment.
 * Durable adapters seal each value with AES-256-GCM under a key derived from the storage's
 * encryption key, with the owner and name as associated data, so a sealed value copied to another
 * owner or name does not open. Values travel as `Redacted`, so they never print.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { SecretStore } from "@psa-ledger/reconcile-core"
 *
 * const program = SecretStore.use((secrets) => secrets.list("acme-eu")) // [{ name, updatedAt }]
 * ```
 *
 * @since 0.1.0
 */
export class SecretStore extends Context.Service<
  SecretStore,
  {
    /** Seals and stores the value, replacing any earlier one. */
    put(
      owner: string,
      name: string,
      value: Redacted.Redacted<string>,
      at: DateTime.Utc
    ): Effect.Effect<SecretInfo, StorageError>
    /** Opens a stored value; `Corrupt` when it does not open under this storage's key. */
    get(owner: string, name: string): Effect.Effect<Option.Option<Redacted.Redacted<string>>, StorageError>
    /** Which secrets the owner has, by name, without their values. */
    list(owner: string): Effect.Effect<ReadonlyArray<SecretInfo>, StorageError>
    /** Removes one secret (or, without `name`, all of the owner's); how many were removed. */
    remove(owner: string, name?: string): Effect.Effect<number, StorageError>
  }
>()("@psa-ledger/reconcile-core/SecretStore") {
  /** A store held in memory, for tests and single-process scripts. */
  static readonly layerMemory: Layer.Layer<SecretStore> = Layer.sync(SecretStore, () => makeMemorySecretStore())
}

const SecretName = Key

/**
 * The in-memory `SecretStore`: values stay in this process, unsealed.
 *
 * @since 0.1.0
 */
export const makeMemorySecretStore = (): SecretStore["Service"] => {
  const secrets = new Map<string, Map<string, { value: Redacted.Redacted<string>; updatedAt: DateTime.Utc }>>()
  const of = (owner: string) => {
    let map = secrets.get(owner)
    if (map === undefined) {
      map = new Map()
      secrets.set(owner, map)
    }
    return map
  }
  return SecretStore.of({
    put: (owner, name, value, at) =>
      Effect.gen(function* () {
        yield* checkOwner("SecretStore.put", owner)
        yield* checkSecretName("SecretStore.put", name)
        of(owner).set(name, { value: Redacted.make(Redacted.value(value)), updatedAt: at })
        return new SecretInfo({ name, updatedAt: at })
      }),
    get: (owner, name) =>
      Effect.map(checkOwner("SecretStore.get", owner), () =>
        Option.map(Option.fromNullishOr(secrets.get(owner)?.get(name)), (entry) => entry.value)
      ),
    list: (owner) =>
      Effect.map(checkOwner("SecretStore.list", owner), () =>
        [...(secrets.get(owner)?.entries() ?? [])]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([name, entry]) => new SecretInfo({ name, updatedAt: entry.updatedAt }))
      ),
    remove: (owner, name) =>
      Effect.map(checkOwner("SecretStore.remove", owner), () => {
        const map = secrets.get(owner)
        if (map === undefined) return 0
        if (name === undefined) {
          const count = map.size
          secrets.delete(owner)
          return count
        }
        return map.delete(name) ? 1 : 0
      })
  })
}

/** Refuses an empty or over-long secret name with `InvalidInput` naming the field `name`. */
export const checkSecretName = (operation: string, name: unknown): Effect.Effect<string, StorageError> =>
  checkField(operation, "name", SecretName, name)
