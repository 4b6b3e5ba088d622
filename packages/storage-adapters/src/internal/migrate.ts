import { createHash } from "node:crypto"
import { StorageUnavailableError } from "@psa-ledger/reconcile-core"
import type pg from "pg"
import type { Driver, Queryable } from "./driver.ts"
import { type Migration, migrationsTable } from "./migrations.ts"

/** What opening did to the schema. */
export interface MigrationOutcome {
  /** The newest step the database now has. */
  readonly schemaVersion: number
  /** The steps this open applied (empty when another opener, or an earlier open, did). */
  readonly applied: ReadonlyArray<number>
}

const apply = async (
  q: Queryable,
  driver: Driver,
  steps: ReadonlyArray<Migration>,
  perStep: (step: Migration, run: () => Promise<void>) => Promise<void>
): Promise<MigrationOutcome> => {
  const t = (name: string) => driver.table(name)
  await q.run(migrationsTable(t))
  const rows = await q.all(`SELECT version FROM ${t("psa_migrations")} ORDER BY version`)
  const have = new Set(rows.map((row) => Number(row.version)))
  const newest = Math.max(0, ...have)
  const known = Math.max(0, ...steps.map((step) => step.version))
  if (newest > known) {
    throw new StorageUnavailableError({
      message: `the database has schema version ${newest}, newer than this release of @psa-ledger/storage-adapters knows (${known}): upgrade the package`
    })
  }
  const applied: Array<number> = []
  for (const step of steps) {
    if (have.has(step.version)) continue
    await perStep(step, async () => {
      for (const statement of step.statements(driver.dialect, t)) await q.run(statement)
      await q.run(`INSERT INTO ${t("psa_migrations")} (version, name, applied_at) VALUES ($1, $2, $3)`, [
        step.version,
        step.name,
        new Date().toISOString()
      ])
    })
    applied.push(step.version)
  }
  return { schemaVersion: Math.max(newest, ...applied), applied }
}

/** Applies missing steps in one `BEGIN IMMEDIATE` transaction: other processes wait, then find nothing to do. */
export const migrateSqlite = (driver: Driver, steps: ReadonlyArray<Migration>): Promise<MigrationOutcome> =>
  driver.transaction((tx) => apply(tx, driver, steps, (_, run) => run()))

/** A stable 64-bit advisory lock key for a purpose within a schema. */
export const advisoryKey = (purpose: string): string =>
  createHash("sha256").update(`psa-ledger/${purpose}`).digest().readBigInt64BE(0).toString()

/**
 * Applies missing steps under a session advisory lock on one dedicated client: of ten processes
 * opening at once, one migrates and the others wait, then find every step recorded.
 */
export const migratePostgres = async (
  driver: Driver,
  pool: pg.Pool,
  schema: string,
  steps: ReadonlyArray<Migration>
): Promise<MigrationOutcome> => {
  const client = await pool.connect()
  const key = advisoryKey(`migrate/${schema}`)
  let broken = false
  try {
    await client.query("SELECT pg_advisory_lock($1::bigint)", [key])
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`)
      const q: Queryable = {
        all: async (sql, params = []) => (await client.query(sql, params as Array<unknown>)).rows,
        run: async (sql, params = []) => (await client.query(sql, params as Array<unknown>)).rowCount ?? 0
      }
      return await apply(q, driver, steps, async (_, run) => {
        await client.query("BEGIN")
        try {
          await run()
          await client.query("COMMIT")
        } catch (error) {
          await client.query("ROLLBACK")
          throw error
        }
      })
    } finally {
      await client.query("SELECT pg_advisory_unlock($1::bigint)", [key])
    }
  } catch (error) {
    broken = true
    throw error
  } finally {
    client.release(broken)
  }
}
