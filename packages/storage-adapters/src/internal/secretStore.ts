import {
  checkOwner,
  checkSecretName,
  SecretInfo,
  SecretStore,
  StorageCorruptError,
  StorageError,
  StorageInvalidInputError,
  StorageLimits
} from "@psa-ledger/reconcile-core"
import { DateTime, Effect, Option, Redacted } from "effect"
import type { Driver } from "./driver.ts"
import { type KeyRing, openSecret, sealSecret } from "./keyRing.ts"
import { executor } from "./sqlRows.ts"

const missingKey = (operation: string) =>
  new StorageError({
    operation,
    reason: new StorageInvalidInputError({
      record: "StorageOptions",
      field: "encryptionKey",
      message: "this storage was opened without an encryptionKey, and secrets are never stored unsealed"
    })
  })

/** The sealed `SecretStore` over a SQL driver: AES-256-GCM under the ring's secret key, owner and name as associated data. */
export const makeSqlSecretStore = (driver: Driver, ring: KeyRing): SecretStore["Service"] => {
  const exec = executor(driver)
  const S = driver.table("psa_secrets")
  const key = (operation: string) =>
    ring.current === undefined ? Effect.fail(missingKey(operation)) : Effect.succeed(ring.current.secrets)
  return SecretStore.of({
    put: (owner, name, value, at) =>
      Effect.gen(function* () {
        const operation = "SecretStore.put"
        yield* checkOwner(operation, owner)
        yield* checkSecretName(operation, name)
        const plain = Redacted.value(value)
        if (typeof plain !== "string" || plain.length > StorageLimits.text) {
          return yield* new StorageError({
            operation,
            reason: new StorageInvalidInputError({
              record: "SecretStore",
              field: "value",
              message: "must be text of at most 100000 characters"
            })
          })
        }
        const sealed = sealSecret(yield* key(operation), owner, name, plain)
        const updatedAt = DateTime.formatIso(at)
        yield* exec(operation, undefined, () =>
          driver.run(
            `INSERT INTO ${S} (owner, name, sealed, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (owner, name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`,
            [owner, name, sealed, updatedAt]
          )
        )
        return new SecretInfo({ name, updatedAt: at })
      }),
    get: (owner, name) =>
      Effect.gen(function* () {
        const operation = "SecretStore.get"
        yield* checkOwner(operation, owner)
        const secret = yield* key(operation)
        const [row] = yield* exec(operation, undefined, () =>
          driver.all(`SELECT sealed FROM ${S} WHERE owner = $1 AND name = $2`, [owner, name])
        )
        if (row === undefined) return Option.none()
        const plain = openSecret(secret, owner, name, row.sealed)
        if (plain === undefined) {
          return yield* new StorageError({
            operation,
            reason: new StorageCorruptError({
              record: "SecretStore",
              field: name,
              message:
                "the sealed value does not open: the encryption key differs from the one it was sealed with, or the row was changed"
            })
          })
        }
        return Option.some(Redacted.make(plain))
      }),
    list: (owner) =>
      Effect.gen(function* () {
        const operation = "SecretStore.list"
        yield* checkOwner(operation, owner)
        const rows = yield* exec(operation, undefined, () =>
          driver.all(`SELECT name, updated_at FROM ${S} WHERE owner = $1 ORDER BY name`, [owner])
        )
        return rows.map(
          (row) =>
            new SecretInfo(
              { name: String(row.name), updatedAt: DateTime.makeUnsafe(String(row.updated_at)) },
              { disableChecks: true }
            )
        )
      }),
    remove: (owner, name) =>
      Effect.gen(function* () {
        const operation = "SecretStore.remove"
        yield* checkOwner(operation, owner)
        return yield* exec(operation, undefined, () =>
          name === undefined
            ? driver.run(`DELETE FROM ${S} WHERE owner = $1`, [owner])
            : driver.run(`DELETE FROM ${S} WHERE owner = $1 AND name = $2`, [owner, name])
        )
      })
  })
}
