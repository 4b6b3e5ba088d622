/**
 * A child process for the concurrency and crash tests. It opens the storage named by its argument,
 * prints `ready`, waits for `go` on stdin (so all workers start together), does its task and prints
 * one JSON line with what it saw. Run with `node --conditions=@psa-ledger/source`.
 */
import { createInterface } from "node:readline"
import { NewLogEntry } from "@psa-ledger/reconcile-core"
import { DateTime, Effect } from "effect"
import type { Storage } from "../../src/index.ts"
import { postgresStorage } from "../../src/postgres.ts"
import { sqliteStorage } from "../../src/sqlite.ts"

interface Args {
  readonly adapter: "sqlite" | "postgres"
  readonly target: string
  readonly schema?: string
  readonly key: string
  readonly task: "cas" | "lock" | "begin" | "leases" | "crash"
  readonly worker: number
  readonly rounds: number
}

const args = JSON.parse(process.argv[2] ?? "{}") as Args
const storage: Storage =
  args.adapter === "sqlite"
    ? await sqliteStorage({ filename: args.target, encryptionKey: args.key, busyTimeoutMs: 30_000 })
    : await postgresStorage({
        connectionString: args.target,
        schema: args.schema,
        encryptionKey: args.key,
        pool: { max: 2 }
      })

const say = (line: string) => process.stdout.write(`${line}\n`)
const at = DateTime.makeUnsafe("2026-11-01T09:00:00Z")

const next = (count: number, tag: string) => ({
  accessToken: `count:${count}`,
  refreshToken: `refresh-${tag}`,
  expiresAt: Date.now() + 600_000,
  obtainedAt: Date.now()
})
const countOf = (accessToken: string | undefined) => (accessToken === undefined ? 0 : Number(accessToken.slice(6)))

const tasks = {
  // Unlocked compare-and-set: retry until this worker's increment lands. A lost update shows as a short count.
  cas: async () => {
    const tokens = storage.tokens("race")
    let retries = 0
    for (let i = 0; i < args.rounds; i++) {
      for (;;) {
        const current = await tokens.load()
        if (await tokens.compareAndSet(current, next(countOf(current?.accessToken) + 1, `w${args.worker}-${i}`))) break
        retries++
      }
    }
    return { retries }
  },
  // Under the chain lock a compare-and-set never loses: another holder inside the lock would make it fail.
  lock: async () => {
    const tokens = storage.tokens("race")
    let misses = 0
    for (let i = 0; i < args.rounds; i++) {
      await tokens.withLock(async () => {
        const current = await tokens.load()
        await new Promise((resolve) => setTimeout(resolve, 1))
        if (!(await tokens.compareAndSet(current, next(countOf(current?.accessToken) + 1, `l${args.worker}-${i}`))))
          misses++
      })
    }
    return { misses }
  },
  begin: async () => {
    const keys = Array.from({ length: args.rounds }, (_, i) => i)
    // Each worker walks the keys from a different offset, so claims collide all along the list.
    const offset = Math.floor((args.worker * args.rounds) / 8)
    const started: Array<number> = []
    for (let n = 0; n < keys.length; n++) {
      const k = (n + offset) % keys.length
      const claim = await Effect.runPromise(storage.journal.begin("race", `op-${k}`, { runId: `w${args.worker}`, at }))
      if (claim._tag === "Started") started.push(k)
    }
    return { started }
  },
  // Leases, in one process start: every worker tries to take over the claims of a dead run (its
  // lease passed, so exactly one may), to acquire each link's run lease (one run per link), and
  // counts error answers (none may be lost).
  leases: async () => {
    const later = DateTime.add(at, { hours: 1 })
    const offset = Math.floor((args.worker * args.rounds) / 8)
    const takenOver: Array<number> = []
    const acquired: Array<number> = []
    for (let n = 0; n < args.rounds; n++) {
      const k = (n + offset) % args.rounds
      const claim = await Effect.runPromise(
        storage.journal.begin("race", `dead-${k}`, { runId: `w${args.worker}`, at: later, takeOver: true })
      )
      if (claim._tag === "Started") takenOver.push(k)
      const lease = await Effect.runPromise(
        storage.leases.acquire(`race-${k}`, {
          runId: `w${args.worker}`,
          job: "reconciliation.apply",
          at,
          until: DateTime.add(at, { minutes: 2 })
        })
      )
      if (lease._tag === "Acquired") acquired.push(k)
      if (n % 8 === 0) await storage.errorBudget.record("race", "crm/Accounts", Date.parse("2026-11-01T09:00:00Z") + n)
    }
    return { takenOver, acquired, recorded: Math.ceil(args.rounds / 8) }
  },
  // Writes until killed, acknowledging each step only after its writes returned.
  crash: async () => {
    for (let i = 1; ; i++) {
      await Effect.runPromise(
        Effect.gen(function* () {
          yield* storage.journal.begin("crash", `op-${i}`, { runId: "run-1", at })
          yield* storage.runs.append("crash", "run-1", [
            new NewLogEntry({ at, level: "info", message: `step ${i}`, fields: { i } }),
            new NewLogEntry({ at, level: "debug", message: `step ${i} detail`, fields: { i, detail: "x".repeat(200) } })
          ])
          yield* storage.journal.complete("crash", `op-${i}`, { result: { i }, at })
        })
      )
      say(`ack ${i}`)
    }
  }
}

say("ready")
const lines = createInterface({ input: process.stdin })
for await (const line of lines) {
  if (line === "go") break
}
const result = await tasks[args.task]()
await storage.close()
say(JSON.stringify(result))
process.exit(0)
