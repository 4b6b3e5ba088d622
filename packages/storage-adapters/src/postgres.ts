/**
 * PostgreSQL storage over a `pg` pool, for many workers sharing one database.
 *
 * @example
 * ```ts
 * import { postgresStorage } from "@psa-ledger/storage-adapters/postgres"
 *
 * const storage = await postgresStorage({ connectionString: process.env.DATABASE_URL!, schema: "psa_ledger" })
 * ```
 *
 * @packageDocumentation
 */

export type { PostgresPoolOptions } from "./internal/postgres.ts"
export { layerPostgres, type PostgresStorageOptions, postgresStorage } from "./PostgresStorage.ts"
