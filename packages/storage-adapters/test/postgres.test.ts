import { Mapping, StorageError } from "@psa-ledger/reconcile-core"
import { DateTime } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { TokenStoreError } from "../src/index.ts"
import { migrations } from "../src/internal/migrations.ts"

// Every step this release knows, and those after the first (what opening a version-1 database applies).
const versions = migrations.map((m) => m.version).sort((a, b) => a - b)
const newest = Math.max(...versions)
const later = versions.slice(1)

import { openPostgresWith } from "../src/PostgresStorage.ts"
import { postgresStorage } from "../src/postgres.ts"
import { dropSchema, fails, newKey, newSchema, PG_URL, pgQuery, pgStatus, run, skipPostgres } from "./support.ts"

const at = DateTime.makeUnsafe("2026-11-01T09:00:00Z")
const mapping = (sourceKey: string, targetId: number) =>
  new Mapping({ kind: "customer", sourceKey, targetId, method: "manual", decidedBy: "ann", decidedAt: at })

const withPassword = (url: string, user: string, password: string, change: (u: URL) => void = () => undefined) => {
  const u = new URL(url)
  u.username = user
  u.password = password
  change(u)
  return u.toString()
}

const openError = async (connectionString: string): Promise<StorageError> => {
  const error = await postgresStorage({ connectionString, pool: { connectionTimeoutMillis: 3_000 } }).catch(
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(StorageError)
  return error as StorageError
}

describe.skipIf(skipPostgres)("postgres storage", () => {
  let schema: string
  beforeEach(() => {
    if (!pgStatus.ok) throw new Error(pgStatus.reason)
    schema = newSchema()
  })
  afterEach(async () => {
    if (pgStatus.ok) await dropSchema(schema)
  })

  it("migrates once when ten openers start together", async () => {
    const opened = await Promise.all(
      Array.from({ length: 10 }, () => postgresStorage({ connectionString: PG_URL, schema, pool: { max: 2 } }))
    )
    try {
      const applied = opened.flatMap((s) => s.migrationsApplied)
      expect(applied.sort((a, b) => a - b)).toEqual(migrations.map((m) => m.version))
      expect(opened.filter((s) => s.migrationsApplied.length > 0).length).toBe(1)
      expect(opened.every((s) => s.schemaVersion === newest)).toBe(true)
      const rows = await pgQuery(`SELECT version FROM "${schema}".psa_migrations ORDER BY version`)
      expect(rows.map((r) => Number(r.version))).toEqual(versions)
    } finally {
      await Promise.all(opened.map((s) => s.close()))
    }
  })

  it("opens a database made by an older release and applies the newer steps", async () => {
    const old = await openPostgresWith({ connectionString: PG_URL, schema }, migrations.slice(0, 1))
    expect(old.migrationsApplied).toEqual([1])
    await run(old.mappings.upsert("a", [mapping("c1", 1)]))
    await old.close()
    const current = await postgresStorage({ connectionString: PG_URL, schema, encryptionKey: newKey() })
    try {
      expect([current.schemaVersion, current.migrationsApplied]).toEqual([newest, later])
      expect((await run(current.mappings.list("a"))).map((m) => m.targetId)).toEqual([1])
      expect(
        await current
          .tokens("a")
          .compareAndSet(undefined, { accessToken: "a", refreshToken: "r", expiresAt: 1, obtainedAt: 0 })
      ).toBe(true)
    } finally {
      await current.close()
    }
  })

  it("reports invalid JSON in a stored column as Corrupt, naming record and field", async () => {
    const storage = await postgresStorage({ connectionString: PG_URL, schema })
    try {
      await run(storage.links.put({ id: "a", name: "Acme", settings: { division: 1 }, updatedAt: at }))
      await pgQuery(`UPDATE "${schema}".psa_links SET settings = '{"division":' WHERE id = 'a'`)
      const error = await fails(storage.links.get("a"))
      expect(error.reason._tag).toBe("Corrupt")
      expect(error.message).toContain("LinkRecord.settings")
      expect((await fails(storage.links.list())).reason._tag).toBe("Corrupt")
    } finally {
      await storage.close()
    }
  })

  it("refuses a NUL character (PostgreSQL text cannot hold one) without a partial write", async () => {
    const storage = await postgresStorage({ connectionString: PG_URL, schema })
    try {
      const error = await fails(storage.mappings.upsert("a", [mapping("c1", 1), mapping("bad\u0000key", 2)]))
      expect(error.reason._tag).toBe("InvalidInput")
      expect(await run(storage.mappings.list("a"))).toEqual([])
    } finally {
      await storage.close()
    }
  })

  it("seals tokens at rest: the table holds neither token", async () => {
    const storage = await postgresStorage({ connectionString: PG_URL, schema, encryptionKey: newKey() })
    try {
      await storage.tokens("a").compareAndSet(undefined, {
        accessToken: "ACCESS-SECRET-123",
        refreshToken: "REFRESH-SECRET-456",
        expiresAt: 2,
        obtainedAt: 1
      })
      const rows = await pgQuery(`SELECT * FROM "${schema}".psa_tokens`)
      expect(JSON.stringify(rows)).not.toContain("SECRET")
      expect((await storage.tokens("a").load())?.refreshToken).toBe("REFRESH-SECRET-456")
      expect(() => storage.tokens("")).toThrow(TokenStoreError)
    } finally {
      await storage.close()
    }
  })

  // The server uses trust authentication, so a wrong password is never checked: these are the
  // refusals it can give (an unknown role, an unknown database, nothing listening), each carrying a
  // password in the connection string that must not surface.
  it("refuses an unknown role with a clear error that hides the password", async () => {
    const error = await openError(withPassword(PG_URL, "no_such_role_psa", "pw-s3cret-Zq9"))
    expect(error.reason._tag).toBe("Unavailable")
    expect(error.message).toContain("refused the login")
    expect(error.message).toContain("no_such_role_psa")
    for (const text of [error.message, String(error), JSON.stringify(error), error.stack ?? ""]) {
      expect(text).not.toContain("pw-s3cret-Zq9")
    }
  })

  it("refuses an unknown database and an unreachable port, hiding the password", async () => {
    const noDb = await openError(
      withPassword(PG_URL, "postgres", "pw-s3cret-Zq9", (u) => (u.pathname = "/no_such_db_psa"))
    )
    expect(noDb.message).toContain("does not exist")
    const noServer = await openError(withPassword(PG_URL, "postgres", "pw-s3cret-Zq9", (u) => (u.port = "1")))
    expect(noServer.reason._tag).toBe("Unavailable")
    expect(noServer.message).toContain("unreachable")
    for (const error of [noDb, noServer]) expect(JSON.stringify(error) + error.message).not.toContain("pw-s3cret-Zq9")
  })

  it("refuses a schema name that is not a plain identifier", async () => {
    const error = await postgresStorage({ connectionString: PG_URL, schema: 'x"; DROP TABLE y; --' }).catch(
      (e: unknown) => e
    )
    expect(error).toBeInstanceOf(StorageError)
    expect((error as StorageError).reason._tag).toBe("InvalidInput")
    expect((error as StorageError).message).toContain("PostgresStorageOptions.schema")
  })

  it("fails with Unavailable after close()", async () => {
    const storage = await postgresStorage({ connectionString: PG_URL, schema })
    await storage.close()
    expect((await fails(storage.journal.list("a"))).reason._tag).toBe("Unavailable")
  })
})
