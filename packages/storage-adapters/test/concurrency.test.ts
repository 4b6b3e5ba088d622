import { join } from "node:path"
import { DateTime, Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Storage } from "../src/index.ts"
import { postgresStorage } from "../src/postgres.ts"
import { sqliteStorage } from "../src/sqlite.ts"
import { dropSchema, newKey, newSchema, PG_URL, pgStatus, skipPostgres, tempDir } from "./support.ts"
import { race } from "./workers/spawn.ts"

const WORKERS = 8
const KEYS = 1_000

interface Target {
  readonly name: string
  readonly skip: boolean
  setup(): Promise<{
    readonly args: Record<string, unknown>
    readonly open: () => Promise<Storage>
    readonly dispose: () => Promise<void>
  }>
}

const targets: ReadonlyArray<Target> = [
  {
    name: "sqlite",
    skip: false,
    setup: async () => {
      const temp = tempDir()
      const target = join(temp.dir, "race.db")
      const key = newKey()
      // Create the schema once, so the workers race on data rather than on migrations.
      await (await sqliteStorage({ filename: target, encryptionKey: key })).close()
      return {
        args: { adapter: "sqlite", target, key },
        open: () => sqliteStorage({ filename: target, encryptionKey: key }),
        dispose: async () => temp.remove()
      }
    }
  },
  {
    name: "postgres",
    skip: skipPostgres,
    setup: async () => {
      if (!pgStatus.ok) throw new Error(pgStatus.reason)
      const schema = newSchema()
      const key = newKey()
      await (await postgresStorage({ connectionString: PG_URL, schema, encryptionKey: key })).close()
      return {
        args: { adapter: "postgres", target: PG_URL, schema, key },
        open: () => postgresStorage({ connectionString: PG_URL, schema, encryptionKey: key }),
        dispose: () => dropSchema(schema)
      }
    }
  }
]

for (const target of targets) {
  describe.skipIf(target.skip)(`${target.name}: ${WORKERS} processes racing`, () => {
    let setup: Awaited<ReturnType<Target["setup"]>>
    beforeAll(async () => {
      setup = await target.setup()
    })
    afterAll(async () => {
      await setup?.dispose()
    })

    it(`claims each of ${KEYS} operation keys exactly once`, async () => {
      const reports = await race<{ started: Array<number> }>(WORKERS, (worker) => ({
        ...setup.args,
        task: "begin",
        worker,
        rounds: KEYS
      }))
      const all = reports.flatMap((r) => r.started)
      expect(all.length).toBe(KEYS)
      expect(new Set(all).size).toBe(KEYS)
      // The race was real: more than one worker won claims.
      expect(reports.filter((r) => r.started.length > 0).length).toBeGreaterThan(1)
    })

    it("takes over a dead run's claims once each, gives each link's lease to one run, loses no error count", async () => {
      const rounds = 200
      const storage = await setup.open()
      try {
        // A run that died holding 200 claims whose leases passed long ago.
        for (let k = 0; k < rounds; k++) {
          await Effect.runPromise(
            storage.journal.begin("race", `dead-${k}`, {
              runId: "dead",
              at: DateTime.makeUnsafe("2026-11-01T09:00:00Z")
            })
          )
        }
      } finally {
        await storage.close()
      }
      const reports = await race<{ takenOver: Array<number>; acquired: Array<number>; recorded: number }>(
        WORKERS,
        (worker) => ({ ...setup.args, task: "leases", worker, rounds })
      )
      const takenOver = reports.flatMap((r) => r.takenOver)
      expect(takenOver.length).toBe(rounds)
      expect(new Set(takenOver).size).toBe(rounds)
      const acquired = reports.flatMap((r) => r.acquired)
      expect(acquired.length).toBe(rounds)
      expect(new Set(acquired).size).toBe(rounds)
      const after = await setup.open()
      try {
        const errors = await after.errorBudget.errorsSince("race", "crm/Accounts", 0)
        expect(errors.length).toBe(reports.reduce((sum, r) => sum + r.recorded, 0))
      } finally {
        await after.close()
      }
    })

    it("loses no compare-and-set update on one token chain", async () => {
      const rounds = 15
      const reports = await race<{ retries: number }>(WORKERS, (worker) => ({
        ...setup.args,
        task: "cas",
        worker,
        rounds
      }))
      const storage = await setup.open()
      try {
        const final = await storage.tokens("race").load()
        expect(final?.accessToken).toBe(`count:${WORKERS * rounds}`)
      } finally {
        await storage.close()
      }
      expect(reports.length).toBe(WORKERS)
    })

    it("lets one lock holder at a time refresh the chain, across processes", async () => {
      const rounds = 5
      const storage = await setup.open()
      const before = Number((await storage.tokens("race").load())?.accessToken.slice(6) ?? 0)
      await storage.close()
      const reports = await race<{ misses: number }>(WORKERS, (worker) => ({
        ...setup.args,
        task: "lock",
        worker,
        rounds
      }))
      expect(reports.map((r) => r.misses)).toEqual(Array(WORKERS).fill(0))
      const after = await setup.open()
      try {
        expect((await after.tokens("race").load())?.accessToken).toBe(`count:${before + WORKERS * rounds}`)
      } finally {
        await after.close()
      }
    })
  })
}
