/**
 * Storage for psa-ledger behind one contract. This entry holds the contract and the in-memory
 * storage; the durable adapters live behind their own subpaths so that importing this entry loads
 * neither `pg` nor `node:sqlite`:
 *
 * - `@psa-ledger/storage-adapters/sqlite`: `sqliteStorage`, `layerSqlite` (Node's built-in `node:sqlite`)
 * - `@psa-ledger/storage-adapters/postgres`: `postgresStorage`, `layerPostgres` (`pg`)
 * - `@psa-ledger/storage-adapters/testing`: the conformance `suite` every adapter passes (vitest)
 *
 * @packageDocumentation
 */

/**
 * The npm name of this package, for diagnostics and user agents.
 *
 * @since 0.1.0
 */
export const packageName = "@psa-ledger/storage-adapters" as const

export {
  INVOICE_FILE_MAX_BYTES,
  InvoiceFile,
  InvoiceFileHead,
  InvoiceFileStore
} from "./InvoiceFileStore.ts"
export type { EncryptionKeyInput } from "./internal/crypto.ts"
export { LoadedMonthHead, LoadedMonthRecord, LoadedMonthStore } from "./LoadedMonthStore.ts"
export { ScheduleClaims, ScheduleOccurrence } from "./ScheduleClaims.ts"
export {
  type KeyRotation,
  layerMemory,
  memoryStorage,
  type SharedStores,
  type Storage,
  type StorageServices,
  TokenStores
} from "./Storage.ts"
export { TokenStoreError, type TokenStoreErrorReason } from "./TokenStoreError.ts"
