import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { Mapping, StorageError } from "@psa-ledger/reconcile-core"
import { DateTime, Effect, Option } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { TokenStoreError } from "../src/index.ts"
import { migrations } from "../src/internal/migrations.ts"

const versions = migrations.map((m) => m.version)
const latest = Math.max(...versions)

import { openSqliteWith } from "../src/SqliteStorage.ts"
import { layerSqlite, sqliteStorage } from "../src/sqlite.ts"
import { fails, newKey, run, tempDir } from "./support.ts"

const at = DateTime.makeUnsafe("2026-11-01T09:00:00Z")
const mapping = (sourceKey: string, targetId: number) =>
  new Mapping({ kind: "customer", sourceKey, targetId, method: "manual", decidedBy: "ann", decidedAt: at })
const tokens = { accessToken: "ACCESS-SECRET-123", refreshToken: "REFRESH-SECRET-456", expiresAt: 2, obtainedAt: 1 }

describe("sqlite storage", () => {
  let temp: ReturnType<typeof tempDir>
  let filename: string
  beforeEach(() => {
    temp = tempDir()
    filename = join(temp.dir, "ledger.db")
  })
  afterEach(() => temp.remove())

  it("opens a database made by an older release and applies the newer steps", async () => {
    const old = await openSqliteWith({ filename }, migrations.slice(0, 1))
    expect([old.schemaVersion, old.migrationsApplied]).toEqual([1, [1]])
    await run(old.mappings.upsert("a", [mapping("c1", 1)]))
    expect(() => old.tokens("a")).toThrow(TokenStoreError)
    await old.close()

    const key = newKey()
    const current = await sqliteStorage({ filename, encryptionKey: key })
    expect([current.schemaVersion, current.migrationsApplied]).toEqual([latest, versions.slice(1)])
    expect((await run(current.mappings.list("a"))).map((m) => m.targetId)).toEqual([1])
    expect(await current.tokens("a").compareAndSet(undefined, tokens)).toBe(true)
    await current.close()

    const again = await sqliteStorage({ filename, encryptionKey: key })
    expect(again.migrationsApplied).toEqual([])
    expect(await again.tokens("a").load()).toEqual(tokens)
    await again.close()
    const db = new DatabaseSync(filename)
    expect(
      db
        .prepare("SELECT version FROM psa_migrations ORDER BY version")
        .all()
        .map((r) => r.version)
    ).toEqual(versions)
    expect(db.prepare("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" })
    db.close()
  })

  it("refuses a database from a newer release", async () => {
    await (await sqliteStorage({ filename })).close()
    const db = new DatabaseSync(filename)
    db.prepare("INSERT INTO psa_migrations (version, name, applied_at) VALUES (99, 'future', 'x')").run()
    db.close()
    const error = (await sqliteStorage({ filename }).catch((e: unknown) => e)) as StorageError
    expect(error).toBeInstanceOf(StorageError)
    expect(error.reason._tag).toBe("Unavailable")
    expect(error.message).toContain("schema version 99")
  })

  it("refuses a file that is not a SQLite database, leaving it untouched", async () => {
    const notes = "these are meeting notes, not a database\n".repeat(200)
    writeFileSync(filename, notes)
    const error = (await sqliteStorage({ filename }).catch((e: unknown) => e)) as StorageError
    expect(error).toBeInstanceOf(StorageError)
    expect(error.reason._tag).toBe("Unavailable")
    expect(error.message).toContain("is not a SQLite database")
    const { readFileSync } = await import("node:fs")
    expect(readFileSync(filename, "utf8")).toBe(notes)
  })

  it("reports invalid JSON in a stored column as Corrupt, naming record and field", async () => {
    const storage = await sqliteStorage({ filename })
    await run(storage.journal.begin("a", "op-1", { runId: "r1", at }))
    await run(storage.journal.complete("a", "op-1", { result: { id: 1 }, at }))
    const db = new DatabaseSync(filename)
    db.prepare("UPDATE psa_journal SET result = '{not json' WHERE op_key = 'op-1'").run()
    db.prepare(
      "INSERT INTO psa_mappings (link_id, kind, source_key, product_key, target_id, method, decided_by, decided_at) VALUES ('a', 'customer', 'c1', '', 5, 'guessed', 'x', 'y')"
    ).run()
    db.close()
    const error = await fails(storage.journal.get("a", "op-1"))
    expect(error.reason._tag).toBe("Corrupt")
    expect(error.message).toContain("JournalEntry.result")
    const claim = await fails(storage.journal.begin("a", "op-1", { runId: "r2", at }))
    expect(claim.reason._tag).toBe("Corrupt")
    const bad = await fails(storage.mappings.list("a"))
    expect(bad.reason._tag).toBe("Corrupt")
    expect(bad.message).toMatch(/Mapping\.(method|decidedAt)/)
    await storage.close()
  })

  it("refuses an over-long operation key or run id without writing", async () => {
    const storage = await sqliteStorage({ filename })
    const error = await fails(storage.journal.begin("a", "k".repeat(513), { runId: "r1", at }))
    expect(error.reason._tag).toBe("InvalidInput")
    expect(error.message).toContain("JournalEntry.opKey")
    expect((await fails(storage.journal.begin("a", "op", { runId: "", at }))).message).toContain("JournalEntry.runId")
    expect(await run(storage.journal.list("a"))).toEqual([])
    await storage.close()
  })

  it("seals tokens at rest, refuses to store them without a key and never names a token or key in errors", async () => {
    const key = newKey()
    const storage = await sqliteStorage({ filename, encryptionKey: key })
    await storage.tokens("link-1").compareAndSet(undefined, tokens)
    await storage.close()
    const { readFileSync } = await import("node:fs")
    const bytes = Buffer.concat([readFileSync(filename), readFileSync(`${filename}-wal`, { flag: "a+" })]).toString(
      "latin1"
    )
    expect(bytes).not.toContain("SECRET")

    const keyless = await sqliteStorage({ filename })
    const missing = (() => {
      try {
        keyless.tokens("link-1")
      } catch (error) {
        return error as TokenStoreError
      }
    })()
    expect(missing).toBeInstanceOf(TokenStoreError)
    expect(missing?.reason).toBe("MissingKey")
    await keyless.close()

    const otherKey = await sqliteStorage({ filename, encryptionKey: newKey() })
    const wrong = (await otherKey
      .tokens("link-1")
      .load()
      .catch((e: unknown) => e)) as TokenStoreError
    expect(wrong).toBeInstanceOf(TokenStoreError)
    expect(wrong.reason).toBe("Corrupt")
    expect(wrong.message).toContain("does not decrypt")
    for (const text of [wrong.message, String(wrong), JSON.stringify(wrong), wrong.stack ?? ""]) {
      expect(text).not.toContain("SECRET")
      expect(text).not.toContain(key)
    }
    await otherKey.close()

    // A sealed row moved to another link does not open there.
    const db = new DatabaseSync(filename)
    db.prepare("UPDATE psa_tokens SET link_id = 'link-2'").run()
    db.close()
    const moved = await sqliteStorage({ filename, encryptionKey: key })
    expect(
      (
        (await moved
          .tokens("link-2")
          .load()
          .catch((e: unknown) => e)) as TokenStoreError
      ).reason
    ).toBe("Corrupt")
    await moved.close()

    const badKey = (await sqliteStorage({ filename, encryptionKey: "too-short-key" }).catch((e: unknown) => e)) as Error
    expect((badKey as TokenStoreError).reason).toBe("InvalidKey")
    expect(badKey.message).not.toContain("too-short-key")
  })

  it("refuses a malformed token set, naming the field but not the value", async () => {
    const storage = await sqliteStorage({ filename, encryptionKey: newKey() })
    const error = (await storage
      .tokens("a")
      .compareAndSet(undefined, { ...tokens, expiresAt: Number.NaN })
      .catch((e: unknown) => e)) as TokenStoreError
    expect(error.reason).toBe("InvalidInput")
    expect(error.message).toContain("TokenSet.expiresAt")
    expect(error.message).not.toContain("SECRET")
    expect(await storage.tokens("a").load()).toBeUndefined()
    await storage.close()
  })

  it("fails with Unavailable after close()", async () => {
    const storage = await sqliteStorage({ filename })
    await storage.close()
    await storage.close()
    const error = await fails(storage.mappings.list("a"))
    expect(error.reason._tag).toBe("Unavailable")
    expect(error.message).toContain("closed")
  })

  it("serves the ports as a scoped layer that closes on release", async () => {
    const program = Effect.gen(function* () {
      const { MappingStore } = yield* Effect.promise(() => import("@psa-ledger/reconcile-core"))
      const store = yield* MappingStore
      yield* store.upsert("a", [mapping("c1", 7)])
      return yield* store.get("a", { kind: "customer", sourceKey: "c1" })
    })
    const found = await Effect.runPromise(program.pipe(Effect.provide(layerSqlite({ filename }))))
    expect(Option.getOrThrow(found).targetId).toBe(7)
    const reopened = await sqliteStorage({ filename })
    expect((await run(reopened.mappings.list("a"))).length).toBe(1)
    await reopened.close()
  })

  it("works on :memory:", async () => {
    const storage = await sqliteStorage({ filename: ":memory:" })
    await run(storage.mappings.upsert("a", [mapping("c1", 1)]))
    expect((await run(storage.mappings.list("a"))).length).toBe(1)
    await storage.close()
  })
})
