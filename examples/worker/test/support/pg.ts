// The PostgreSQL the tests share: PSA_LEDGER_PG_URL, or the local test database. Under CI an
// unreachable server fails the suite instead of skipping it.
import { randomUUID } from "node:crypto"
import pg from "pg"

export const url = process.env.PSA_LEDGER_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test"

export const reachable = await (async () => {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 })
  try {
    await client.connect()
    await client.query("select 1")
    return true
  } catch (error) {
    if (process.env.CI === "true")
      throw new Error(`PostgreSQL at PSA_LEDGER_PG_URL is unreachable under CI: ${String(error)}`)
    process.stdout.write(`skipping worker tests: PostgreSQL is unreachable (${String(error)})\n`)
    return false
  } finally {
    await client.end().catch(() => {})
  }
})()

/** A fresh schema-name prefix for one test file. */
export const prefix = (name: string) => `psa_worker_${name}_${randomUUID().replaceAll("-", "").slice(0, 10)}`

/** Drops every schema starting with `prefix`. */
export const dropSchemas = async (schemaPrefix: string): Promise<void> => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const found = await client.query<{ name: string }>(
      "select nspname as name from pg_namespace where nspname like $1",
      [`${schemaPrefix}%`]
    )
    for (const { name } of found.rows) await client.query(`drop schema if exists "${name}" cascade`)
  } finally {
    await client.end()
  }
}
