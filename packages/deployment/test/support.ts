import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createSandbox, createWorld, type Sandbox, virtualClock } from "@psa-ledger/sandbox"
import pg from "pg"
import type { LinkConfigInput } from "../src/index.ts"

/** A fresh 32-byte key as base64. */
export const newKey = (): string => randomBytes(32).toString("base64")

/** The origin the in-process sandbox answers on. */
export const origin = "http://sandbox.test"

/** A small sandbox world on a virtual clock, answering in-process through `fetch`. */
export const openSandbox = () => {
  const clock = virtualClock(Date.UTC(2026, 3, 2, 8))
  const world = createWorld({ seed: 11, customers: 20, products: 4, months: 2 })
  const sandbox: Sandbox = createSandbox({ world, clock })
  const urls = sandbox.urls(origin)
  const fetch = (request: Request) => sandbox.handle(request)
  /** A link configuration reaching the sandbox, with its secrets. */
  const config = (name = "Acme EU", extra: Partial<LinkConfigInput> = {}): LinkConfigInput => ({
    ...sandbox.linkConfig(origin, { name, settings: { proposeCancellations: true } }),
    ...extra
  })
  /** The user grants the consent at `url` on the sandbox's consent page (choosing `division`): the callback's code and state. */
  const consent = (url: string, division?: number) => sandbox.grantConsent(url, { division })
  return { clock, world, sandbox, urls, fetch, config, consent, credentials: sandbox.credentials }
}

/** A temporary directory, removed by `remove()`. */
export const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "psa-deployment-"))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** The PostgreSQL server of the tests. */
export const PG_URL = process.env.PSA_LEDGER_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test"

/** A fresh schema name. */
export const newSchema = (): string => `psa_dep_${randomBytes(6).toString("hex")}`

/** Drops a test schema. */
export const dropSchema = async (schema: string): Promise<void> => {
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  } finally {
    await client.end()
  }
}

/** Every row of every table of a schema, as text (for the secret scan). */
export const dumpSchema = async (schema: string): Promise<string> => {
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  try {
    const tables = await client.query(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name",
      [schema]
    )
    let out = ""
    for (const { table_name } of tables.rows as Array<{ table_name: string }>) {
      const rows = await client.query(`SELECT * FROM "${schema}"."${table_name}"`)
      out += `${table_name}\n${JSON.stringify(rows.rows)}\n`
    }
    return out
  } finally {
    await client.end()
  }
}
