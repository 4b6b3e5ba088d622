import { StorageError } from "@psa-ledger/reconcile-core"
import { Effect, type Layer } from "effect"
import pg from "pg"
import { type ChainLock, keyedQueue } from "./internal/chainLock.ts"
import type { EncryptionKeyInput } from "./internal/crypto.ts"
import { makeSqlDeploymentStores } from "./internal/deploymentStores.ts"
import { toStorageError } from "./internal/driver.ts"
import { makeSqlErrorBudget } from "./internal/errorBudget.ts"
import { makeSqlInvoiceFileStore } from "./internal/invoiceFileStore.ts"
import { keyRing } from "./internal/keyRing.ts"
import { makeSqlLoadedMonthStore } from "./internal/loadedMonthStore.ts"
import { advisoryKey, migratePostgres } from "./internal/migrate.ts"
import { type Migration, migrations } from "./internal/migrations.ts"
import {
  checkSchemaName,
  connectionSecrets,
  openPostgresDriver,
  type PostgresPoolOptions,
  postgresReason
} from "./internal/postgres.ts"
import { rotateKeys } from "./internal/rekey.ts"
import { makeSqlScheduleClaims } from "./internal/scheduleClaims.ts"
import { makeSqlServerStores } from "./internal/serverStores.ts"
import { makeSqlStores } from "./internal/stores.ts"
import { forgetSqlTokens, makeSqlTokenStore } from "./internal/tokenStore.ts"
import { invalidOption, layerOfStores, type Storage, type StorageServices, scopedLayer } from "./Storage.ts"
import { TokenStoreError } from "./TokenStoreError.ts"

/**
 * How to open PostgreSQL storage.
 *
 * @since 0.1.0
 */
export interface PostgresStorageOptions {
  /** e.g. `postgres://ledger:secret@db.internal:5432/psa`; its password never appears in errors. */
  readonly connectionString: string
  /** The schema holding the tables, created if missing (default `public`). */
  readonly schema?: string | undefined
  /** 32 bytes (raw, 64 hex digits or base64) that seal Exact Online tokens; without it `tokens()` refuses. */
  readonly encryptionKey?: EncryptionKeyInput | undefined
  /** `pg` pool settings (`max`, `idleTimeoutMillis`, `connectionTimeoutMillis`, `ssl`, …). */
  readonly pool?: PostgresPoolOptions | undefined
}

/**
 * PostgreSQL's chain lock: a session advisory lock held on a dedicated connection (not one of the
 * pool's, so waiting holders cannot starve the pool). If the process dies, the server ends the
 * session and the lock with it.
 */
const advisoryChainLock = (options: PostgresStorageOptions, schema: string): ChainLock => {
  const queue = keyedQueue()
  const secrets = connectionSecrets(options.connectionString)
  return (linkId, fn) =>
    queue(linkId, async () => {
      const client = new pg.Client({ ...options.pool, connectionString: options.connectionString })
      client.on("error", () => undefined)
      const key = advisoryKey(`tokens/${schema}/${linkId}`)
      try {
        await client.connect()
        await client.query("SELECT pg_advisory_lock($1::bigint)", [key])
      } catch (error) {
        await client.end().catch(() => undefined)
        const reason = postgresReason(secrets, error)
        throw new TokenStoreError("Unavailable", "message" in reason ? reason.message : "lock failed", linkId)
      }
      try {
        return await fn()
      } finally {
        await client.query("SELECT pg_advisory_unlock($1::bigint)", [key]).catch(() => undefined)
        await client.end().catch(() => undefined)
      }
    })
}

/** @internal: opens with a chosen list of schema steps (tests open with older ones). */
export const openPostgresWith = async (
  options: PostgresStorageOptions,
  steps: ReadonlyArray<Migration>
): Promise<Storage> => {
  const ring = keyRing(options.encryptionKey)
  let schema: string
  try {
    schema = checkSchemaName(options.schema ?? "public")
  } catch (reason) {
    throw new StorageError({ operation: "postgresStorage.open", reason: reason as StorageError["reason"] })
  }
  const driver = openPostgresDriver({ connectionString: options.connectionString, schema, pool: options.pool })
  let outcome: Awaited<ReturnType<typeof migratePostgres>>
  try {
    outcome = await migratePostgres(driver, driver.pool, schema, steps)
  } catch (error) {
    await driver.close().catch(() => undefined)
    throw toStorageError(driver, error, "postgresStorage.open")
  }
  const stores = {
    ...makeSqlStores(driver),
    ...makeSqlDeploymentStores(driver, ring),
    ...makeSqlServerStores(driver),
    loadedMonths: makeSqlLoadedMonthStore(driver),
    invoiceFiles: makeSqlInvoiceFileStore(driver),
    scheduleClaims: makeSqlScheduleClaims(driver)
  }
  const lock = advisoryChainLock(options, schema)
  const tokens = (linkId: string) => makeSqlTokenStore(driver, ring, lock, linkId)
  return {
    adapter: "postgres",
    schemaVersion: outcome.schemaVersion,
    migrationsApplied: outcome.applied,
    ...stores,
    tokens,
    forgetTokens: (linkId: string) => forgetSqlTokens(driver, linkId),
    errorBudget: makeSqlErrorBudget(driver),
    layer: layerOfStores(stores, tokens),
    rotateEncryptionKey: (newKey) => rotateKeys(driver, ring, newKey),
    close: () => driver.close()
  }
}

/**
 * Opens PostgreSQL storage over a `pg` pool, creating the schema and applying every missing schema
 * step under an advisory lock (many workers may open at once). Rejects with a `StorageError`
 * (`Unavailable`) when the server cannot be reached or refuses the login; the message never
 * contains the password.
 *
 * @example
 * ```ts
 * import { postgresStorage } from "@psa-ledger/storage-adapters/postgres"
 *
 * const storage = await postgresStorage({
 *   connectionString: process.env.DATABASE_URL!,
 *   schema: "psa_ledger",
 *   encryptionKey: process.env.PSA_LEDGER_KEY,
 *   pool: { max: 10 }
 * })
 * ```
 *
 * @since 0.1.0
 */
export const postgresStorage = (options: PostgresStorageOptions): Promise<Storage> =>
  openPostgresWith(options, migrations)

/**
 * PostgreSQL storage as a scoped layer: the pool opens when the layer is built and ends when released.
 *
 * @example
 * ```ts
 * import { layerPostgres } from "@psa-ledger/storage-adapters/postgres"
 *
 * const main = program.pipe(Effect.provide(layerPostgres({ connectionString: process.env.DATABASE_URL! })))
 * ```
 *
 * @since 0.1.0
 */
export const layerPostgres = (options: PostgresStorageOptions): Layer.Layer<StorageServices, StorageError> =>
  scopedLayer(
    Effect.tryPromise({
      try: () => postgresStorage(options),
      catch: (error) =>
        error instanceof StorageError
          ? error
          : new StorageError({ operation: "postgresStorage.open", reason: invalidOption(error) })
    })
  )
