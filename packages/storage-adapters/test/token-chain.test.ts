/**
 * Eight processes share one Exact Online token chain through a durable store (issue 4: "eight processes
 * sharing one token chain, 200 refreshes over a simulated day, zero broken chains").
 *
 * The sandbox (here) and the clients (in child processes) share one lockstep clock: simulated time jumps
 * to the next wake-up while every process sleeps between calls, and stands still while any process is
 * working. Exact's rules stay as they are (600 s tokens, no refresh within 570 s, rotating refresh
 * tokens whose reuse breaks the chain, 60 calls a minute, 5,000 a day, 10 errors an hour), and a
 * simulated day passes in seconds. A scaled clock did the same by running time 5,000× faster, and
 * magnified every real stall with it: 6 ms of lock wait was the whole 30-second refresh window, so on
 * a loaded machine tokens expired in flight and Exact blocked the app. Here no real delay can move
 * simulated time, so the run proves the chain's safety across processes on any machine.
 *
 * The processes' pauses are whole minutes, so several wake at the same instant and race for the
 * store's lock and the refresh, as workers do.
 */
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { createExactClient } from "@psa-ledger/exact-client"
import { createExactSimulation, type ExactServer, lockstepCoordinator, startExactServer } from "@psa-ledger/sandbox"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Storage } from "../src/index.ts"
import { postgresStorage } from "../src/postgres.ts"
import { sqliteStorage } from "../src/sqlite.ts"
import { dropSchema, newKey, newSchema, PG_URL, pgStatus, skipPostgres, tempDir } from "./support.ts"
import type { ChainArgs, ChainReport } from "./workers/chain.ts"
import { startWorker, type Worker } from "./workers/spawn.ts"

const PROCESSES = 8
/** Call loops per process (more share one client's in-process single-flight refresh). */
const LOOPS = 1
/** 200 refreshes need ≥ 200 × 570 s ≈ 32 simulated hours (a few real seconds in lockstep). */
const REFRESHES = 200
/** One loop's pause between calls, in simulated minutes: 8 loops make ~2,900 calls a day (budget 5,000). */
const PAUSE_MINUTES: readonly [number, number] = [1, 7]
/**
 * Real time only bounds a broken run: simulated time does not depend on it. A run is broken when
 * neither the clock nor the refreshes moved for `STALL_MS`; a slow one (a loaded machine: a fixed
 * 420 s budget ran out at 175 refreshes once) goes on until `GUARD_MS`. Then the children are
 * stopped anyway and the assertions say why.
 */
const STALL_MS = 120_000
const GUARD_MS = 1_500_000
const START = Date.UTC(2026, 1, 2, 8)
const LINK = "link-chain"
const app = {
  clientId: "psa-ledger-chain-client",
  clientSecret: "TOP-SECRET-chain-secret-9d2e",
  redirectUri: "https://psa-ledger.example/exact/callback"
}
const chainScript = fileURLToPath(new URL("./workers/chain.ts", import.meta.url))

interface Target {
  readonly name: string
  readonly skip: boolean
  setup(): Promise<{
    readonly args: Pick<ChainArgs, "adapter" | "target" | "key"> & { readonly schema?: string }
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
      const target = join(temp.dir, "chain.db")
      const key = newKey()
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
      return {
        args: { adapter: "postgres", target: PG_URL, schema, key },
        open: () => postgresStorage({ connectionString: PG_URL, schema, encryptionKey: key }),
        dispose: () => dropSchema(schema)
      }
    }
  }
]

const sum = (reports: ReadonlyArray<ChainReport>, pick: (r: ChainReport) => number) =>
  reports.reduce((total, r) => total + pick(r), 0)

for (const target of targets) {
  describe.skipIf(target.skip)(`${target.name}: ${PROCESSES} processes on one Exact token chain`, () => {
    let setup: Awaited<ReturnType<Target["setup"]>>
    let server: ExactServer | undefined
    const workers: Array<Worker> = []
    beforeAll(async () => {
      setup = await target.setup()
    })
    afterAll(async () => {
      for (const w of workers) if (w.child.exitCode === null) w.child.kill("SIGKILL")
      await server?.close()
      await setup?.dispose()
    })

    it(
      `refreshes ${REFRESHES} times on a lockstep clock with no broken chain, early refresh or error`,
      async () => {
        const clock = lockstepCoordinator(START)
        const sim = createExactSimulation({ clock, apps: [app] })
        server = await startExactServer(sim)

        // Consent once: the chain starts in the durable store, as the CLI would leave it.
        const storage = await setup.open()
        const admin = createExactClient({ ...app, baseUrl: server.url, tokens: storage.tokens(LINK), clock })
        await admin.auth.exchangeCode(sim.authorize())
        await storage.close()

        for (let worker = 0; worker < PROCESSES; worker++) {
          const args: ChainArgs = {
            ...setup.args,
            linkId: LINK,
            worker,
            baseUrl: server.url,
            ...app,
            division: 1001,
            loops: LOOPS,
            pauseMinutes: PAUSE_MINUTES,
            seed: 1_000 + worker
          }
          const w = startWorker({ ...args }, chainScript)
          clock.attach(w.child)
          workers.push(w)
        }
        await Promise.all(workers.map((w) => w.until((line) => line === "ready")))

        sim.resetCounters()
        const realGo = Date.now()
        const simGo = clock.now()
        const tell = (w: Worker, line: string) => {
          // A child that already exited (its report says why) must not fail the test with EPIPE.
          if (w.child.exitCode === null && w.child.stdin?.writable) w.child.stdin.write(`${line}\n`, () => undefined)
        }
        for (const w of workers) w.child.stdin?.on("error", () => undefined)
        for (const w of workers) tell(w, "go")
        // Stop as soon as Exact has granted the refreshes (or a child died, or the deadline passed).
        let died = false
        for (const w of workers) void w.exited.then(() => (died = true))
        let progress = { steps: clock.steps, refreshes: sim.stats.refreshes, at: realGo }
        while (sim.stats.refreshes < REFRESHES && !died) {
          await new Promise((resolve) => setTimeout(resolve, 20))
          const now = Date.now()
          if (clock.steps !== progress.steps || sim.stats.refreshes !== progress.refreshes) {
            progress = { steps: clock.steps, refreshes: sim.stats.refreshes, at: now }
          } else if (now - progress.at > STALL_MS) break
          if (now - realGo > GUARD_MS) break
        }
        const simStop = clock.now()
        const realStop = Date.now()
        for (const w of workers) tell(w, "stop")
        const codes = await Promise.all(workers.map((w) => w.exited))
        const stats = sim.stats
        const reports = workers.map((w, i) => {
          if (codes[i] !== 0) throw new Error(`worker ${i} exited with ${codes[i]}: ${w.stderr.join("")}`)
          return JSON.parse(w.lines.at(-1) ?? "null") as ChainReport
        })

        const api401 = sum(reports, (r) => r.apiStatuses[401] ?? 0)
        process.stderr.write(
          `[token-chain ${target.name}] ${stats.refreshes} refreshes by ${reports.filter((r) => r.refreshes > 0).length}` +
            ` processes in ${((simStop - simGo) / 3_600_000).toFixed(1)} simulated h / ${realStop - realGo} real ms` +
            ` (${clock.steps} steps); ${sum(reports, (r) => r.calls)} calls, ${api401} 401s\n`
        )

        expect(stats.refreshes).toBeGreaterThanOrEqual(REFRESHES)
        expect(stats.brokenChains).toBe(0)
        expect(stats.earlyRefreshes).toBe(0)
        expect(stats.blocked).toBe(0)
        expect(stats.rateLimited).toBe(0)
        // Nothing reached a caller, and no client saw its chain break.
        expect(reports.flatMap((r) => r.errors.map((e) => `worker ${r.worker}: ${e.tag}: ${e.message}`))).toEqual([])
        expect(reports.flatMap((r) => r.warnings)).toEqual([])
        // Every refresh Exact granted was saved by exactly one process: the chain never forked.
        expect(sum(reports, (r) => r.refreshes)).toBe(stats.refreshes)
        expect(reports.filter((r) => r.refreshes > 0).length).toBeGreaterThan(1)
        // The token endpoint only ever answered 200: no reused refresh token, no refresh refused as early.
        const tokenAnswers = reports.flatMap((r) => Object.keys(r.tokenStatuses))
        expect(new Set(tokenAnswers)).toEqual(new Set(["200"]))
        // Every token was refreshed before it was due to expire, so Exact counted no error at all.
        expect(api401).toBe(0)
        expect(stats.errors).toBe(0)
        expect(reports.flatMap((r) => Object.keys(r.apiStatuses).filter((s) => s !== "200"))).toEqual([])
        // The processes did race: more than one process woke at the same instant as others did.
        expect(clock.steps).toBeLessThan(sum(reports, (r) => r.calls))
        // 200 refreshes of a chain Exact lets turn over at most every 570 s.
        expect(simStop - simGo).toBeGreaterThanOrEqual((REFRESHES - 1) * 570_000)

        // The stored chain is the live one: a fresh client on the store still gets through.
        const after = await setup.open()
        try {
          const check = createExactClient({ ...app, baseUrl: server.url, tokens: after.tokens(LINK), clock })
          await check.me()
          expect(sim.stats.brokenChains).toBe(0)
        } finally {
          await after.close()
        }
      },
      GUARD_MS + 300_000
    )
  })
}
