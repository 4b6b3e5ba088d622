import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import pg from "pg"

/** The PostgreSQL server the suite uses (trust auth in this project's CI). */
export const PG_URL = process.env.PSA_LEDGER_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test"

/** A 32-byte key as base64, fresh per call. */
export const newKey = (): string => randomBytes(32).toString("base64")

/** Whether the server answers, and why not. Under `CI=true` an unreachable server fails the run instead. */
export const pgStatus: { readonly ok: boolean; readonly reason: string } = await (async () => {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3_000 })
  client.on("error", () => undefined)
  try {
    await client.connect()
    await client.query("SELECT 1")
    return { ok: true, reason: "" }
  } catch (error) {
    return { ok: false, reason: `PostgreSQL at PSA_LEDGER_PG_URL is unreachable: ${(error as Error).message}` }
  } finally {
    await client.end().catch(() => undefined)
  }
})()

/** True when PostgreSQL tests should be skipped (outside CI, server down); the reason is printed once. */
export const skipPostgres = (() => {
  if (pgStatus.ok) return false
  if (process.env.CI === "true") return false // the tests run and fail, naming the reason
  process.stderr.write(`[storage-adapters] skipping PostgreSQL tests: ${pgStatus.reason}\n`)
  return true
})()

/** A fresh schema name; `dropSchema` removes it afterwards. */
export const newSchema = (): string => `psa_test_${randomBytes(6).toString("hex")}`

/** Drops a test schema and everything in it. */
export const dropSchema = async (schema: string): Promise<void> => {
  const client = new pg.Client({ connectionString: PG_URL })
  client.on("error", () => undefined)
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  } finally {
    await client.end()
  }
}

/** Runs one statement as the test's own client (to corrupt rows on purpose, or inspect them). */
export const pgQuery = async (sql: string, params: Array<unknown> = []): Promise<Array<Record<string, unknown>>> => {
  const client = new pg.Client({ connectionString: PG_URL })
  client.on("error", () => undefined)
  await client.connect()
  try {
    return (await client.query(sql, params)).rows
  } finally {
    await client.end()
  }
}

/** A temporary directory removed by the returned function. */
export const tempDir = (): { readonly dir: string; readonly remove: () => void } => {
  const dir = mkdtempSync(join(tmpdir(), "psa-ledger-storage-"))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Runs an effect, resolving its value. */
export const run = <A, E>(effect: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(effect)

/** Runs an effect expected to fail, resolving its error. */
export const fails = <A, E>(effect: Effect.Effect<A, E>): Promise<E> => Effect.runPromise(Effect.flip(effect))
