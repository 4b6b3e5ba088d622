import { StorageError } from "@psa-ledger/reconcile-core"
import { Effect, type Layer } from "effect"
import { sqliteChainLock } from "./internal/chainLock.ts"
import type { EncryptionKeyInput } from "./internal/crypto.ts"
import { makeSqlDeploymentStores } from "./internal/deploymentStores.ts"
import { toStorageError } from "./internal/driver.ts"
import { makeSqlErrorBudget } from "./internal/errorBudget.ts"
import { makeSqlInvoiceFileStore } from "./internal/invoiceFileStore.ts"
import { keyRing } from "./internal/keyRing.ts"
import { makeSqlLoadedMonthStore } from "./internal/loadedMonthStore.ts"
import { migrateSqlite } from "./internal/migrate.ts"
import { type Migration, migrations } from "./internal/migrations.ts"
import { rotateKeys } from "./internal/rekey.ts"
import { makeSqlScheduleClaims } from "./internal/scheduleClaims.ts"
import { makeSqlServerStores } from "./internal/serverStores.ts"
import { openSqliteDriver } from "./internal/sqlite.ts"
import { makeSqlStores } from "./internal/stores.ts"
import { forgetSqlTokens, makeSqlTokenStore } from "./internal/tokenStore.ts"
import { invalidOption, layerOfStores, type Storage, type StorageServices, scopedLayer } from "./Storage.ts"

/**
 * How to open SQLite storage.
 *
 * @since 0.1.0
 */
export interface SqliteStorageOptions {
  /** A file path (created if missing) or `":memory:"`. */
  readonly filename: string
  /** 32 bytes (raw, 64 hex digits or base64) that seal Exact Online tokens; without it `tokens()` refuses. */
  readonly encryptionKey?: EncryptionKeyInput | undefined
  /** How long a write waits for another process's, in ms (default 5,000). */
  readonly busyTimeoutMs?: number | undefined
  /**
   * `full` (default) syncs every commit to disk, so an acknowledged write survives a power cut;
   * `normal` is faster and survives a process crash.
   */
  readonly synchronous?: "full" | "normal" | undefined
  /** How long a token chain lock's lease lasts without renewal, in ms (default 30,000). */
  readonly lockLeaseMs?: number | undefined
}

/** @internal: opens with a chosen list of schema steps (tests open with older ones). */
export const openSqliteWith = async (
  options: SqliteStorageOptions,
  steps: ReadonlyArray<Migration>
): Promise<Storage> => {
  const ring = keyRing(options.encryptionKey)
  let driver: ReturnType<typeof openSqliteDriver>
  try {
    driver = openSqliteDriver({
      filename: options.filename,
      busyTimeoutMs: options.busyTimeoutMs ?? 5_000,
      synchronous: options.synchronous ?? "full"
    })
  } catch (reason) {
    throw new StorageError({ operation: "sqliteStorage.open", reason: reason as StorageError["reason"] })
  }
  let outcome: Awaited<ReturnType<typeof migrateSqlite>>
  try {
    outcome = await migrateSqlite(driver, steps)
  } catch (error) {
    await driver.close().catch(() => undefined)
    throw toStorageError(driver, error, "sqliteStorage.open")
  }
  const stores = {
    ...makeSqlStores(driver),
    ...makeSqlDeploymentStores(driver, ring),
    ...makeSqlServerStores(driver),
    loadedMonths: makeSqlLoadedMonthStore(driver),
    invoiceFiles: makeSqlInvoiceFileStore(driver),
    scheduleClaims: makeSqlScheduleClaims(driver)
  }
  const lock = sqliteChainLock(driver, { leaseMs: options.lockLeaseMs ?? 30_000, waitMs: 120_000 })
  const tokens = (linkId: string) => makeSqlTokenStore(driver, ring, lock, linkId)
  return {
    adapter: "sqlite",
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
 * Opens (creating or upgrading) SQLite storage with Node's built-in `node:sqlite`: WAL mode, a busy
 * timeout for concurrent processes, and every schema step applied. Rejects with a `StorageError`
 * (`Unavailable`) when the file is not a SQLite database or cannot be opened.
 *
 * @example
 * ```ts
 * import { sqliteStorage } from "@psa-ledger/storage-adapters/sqlite"
 *
 * const storage = await sqliteStorage({ filename: "/var/lib/psa-ledger/ledger.db", encryptionKey: process.env.PSA_LEDGER_KEY })
 * ```
 *
 * @since 0.1.0
 */
export const sqliteStorage = (options: SqliteStorageOptions): Promise<Storage> => openSqliteWith(options, migrations)

/**
 * SQLite storage as a scoped layer: opened when built, closed when released.
 *
 * @example
 * ```ts
 * import { layerSqlite } from "@psa-ledger/storage-adapters/sqlite"
 *
 * const main = program.pipe(Effect.provide(layerSqlite({ filename: "ledger.db" })))
 * ```
 *
 * @since 0.1.0
 */
export const layerSqlite = (options: SqliteStorageOptions): Layer.Layer<StorageServices, StorageError> =>
  scopedLayer(
    Effect.tryPromise({
      try: () => sqliteStorage(options),
      catch: (error) =>
        error instanceof StorageError
          ? error
          : new StorageError({ operation: "sqliteStorage.open", reason: invalidOption(error) })
    })
  )
