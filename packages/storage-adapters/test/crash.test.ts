import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { NewLogEntry, Run } from "@psa-ledger/reconcile-core"
import { DateTime } from "effect"
import { describe, expect, it } from "vitest"
import type { Storage } from "../src/index.ts"
import { postgresStorage } from "../src/postgres.ts"
import { sqliteStorage } from "../src/sqlite.ts"
import { dropSchema, newKey, newSchema, PG_URL, pgStatus, run, skipPostgres, tempDir } from "./support.ts"
import { startWorker } from "./workers/spawn.ts"

const at = DateTime.makeUnsafe("2026-11-01T09:00:00Z")

/** Kills a writer mid-stream and checks that everything it acknowledged is there and consistent. */
const crashAndCheck = async (args: Record<string, unknown>, open: () => Promise<Storage>) => {
  const setup = await open()
  await run(
    setup.runs.create(
      "crash",
      new Run({ id: "run-1", job: "transfer.run", trigger: "manual", status: "running", startedAt: at, counts: {} })
    )
  )
  await setup.close()
  const worker = startWorker({ ...args, task: "crash", worker: 0, rounds: 0 })
  await worker.until((line) => line === "ready")
  worker.child.stdin?.write("go\n")
  await worker.until((line) => line === "ack 150")
  worker.child.kill("SIGKILL")
  await worker.exited
  const acked = Math.max(...worker.lines.filter((l) => l.startsWith("ack ")).map((l) => Number(l.slice(4))))
  expect(acked).toBeGreaterThanOrEqual(150)

  const storage = await open()
  try {
    const log = []
    let after = 0
    for (;;) {
      const page = await run(storage.runs.readLog("crash", "run-1", { afterSeq: after }))
      if (page.length === 0) break
      log.push(...page)
      after = page.at(-1)?.seq ?? after
    }
    // Append-only and gap-free: seq 1..n, two entries per step, each step's pair whole.
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1))
    expect(log.length % 2).toBe(0)
    expect(log.length / 2).toBeGreaterThanOrEqual(acked)
    const entries = await run(storage.journal.list("crash"))
    const byKey = new Map(entries.map((e) => [e.opKey, e]))
    for (let i = 1; i <= acked; i++) {
      const entry = byKey.get(`op-${i}`)
      expect(entry?.status).toBe("done")
      expect(entry?.result).toEqual({ i })
    }
    // Past the last acknowledgement at most one step was under way; nothing later exists.
    expect(entries.filter((e) => e.status !== "done").length).toBeLessThanOrEqual(1)
    expect(entries.length).toBeLessThanOrEqual(acked + 1)
    // The next run resumes the log where it stopped.
    const [seq] = await run(
      storage.runs.append("crash", "run-1", [new NewLogEntry({ at, level: "info", message: "resumed", fields: {} })])
    )
    expect(seq).toBe(log.length + 1)
  } finally {
    await storage.close()
  }
}

describe("a writer killed mid-run (SIGKILL)", () => {
  it("sqlite: reopens consistent with every acknowledged write", async () => {
    const temp = tempDir()
    try {
      const filename = join(temp.dir, "crash.db")
      const key = newKey()
      await crashAndCheck({ adapter: "sqlite", target: filename, key }, () =>
        sqliteStorage({ filename, encryptionKey: key })
      )
      const db = new DatabaseSync(filename)
      expect(db.prepare("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" })
      db.close()
    } finally {
      temp.remove()
    }
  })

  it.skipIf(skipPostgres)("postgres: reopens consistent with every acknowledged write", async () => {
    if (!pgStatus.ok) throw new Error(pgStatus.reason)
    const schema = newSchema()
    const key = newKey()
    try {
      await crashAndCheck({ adapter: "postgres", target: PG_URL, schema, key }, () =>
        postgresStorage({ connectionString: PG_URL, schema, encryptionKey: key })
      )
    } finally {
      await dropSchema(schema)
    }
  })
})
