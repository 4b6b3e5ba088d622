/**
 * SQLite storage on Node's built-in `node:sqlite`: the embedded default, with no native add-on.
 *
 * @example
 * ```ts
 * import { sqliteStorage } from "@psa-ledger/storage-adapters/sqlite"
 *
 * const storage = await sqliteStorage({ filename: "ledger.db", encryptionKey: process.env.PSA_LEDGER_KEY })
 * ```
 *
 * @packageDocumentation
 */

export { layerSqlite, type SqliteStorageOptions, sqliteStorage } from "./SqliteStorage.ts"
