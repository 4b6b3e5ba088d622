/**
 * Memory, SQLite and PostgreSQL storage for psa-ledger, behind one contract.
 *
 * @packageDocumentation
 */

/** The npm name of this package, for diagnostics and user agents. */
export const packageName = "@psa-ledger/storage-adapters" as const

export type { EncryptionKeyInput } from "./internal/crypto.ts"
export type { PostgresPoolOptions } from "./internal/postgres.ts"
export { layerPostgres, type PostgresStorageOptions, postgresStorage } from "./PostgresStorage.ts"
export { layerSqlite, type SqliteStorageOptions, sqliteStorage } from "./SqliteStorage.ts"
export { layerMemory, memoryStorage, type Storage, type StorageServices, TokenStores } from "./Storage.ts"
export { TokenStoreError, type TokenStoreErrorReason } from "./TokenStoreError.ts"
