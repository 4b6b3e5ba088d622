/**
 * Eight processes share one Exact Online token chain through a durable store (issue 4: "eight processes
 * sharing one token chain, 200 refreshes over a simulated day, zero broken chains").
 *
 * A process cannot share another's virtual clock, so the sandbox (here) and the clients (in child
 * processes) all read one scaled clock derived from `Date.now()`: simulated time runs FACTOR times
 * faster than real time. Exact's rules stay as they are (600 s tokens, no refresh within 570 s, rotating
 * refresh tokens whose reuse breaks the chain, 60 calls a minute, 5,000 a day, 10 errors an hour).
 * Real stalls are magnified too: 10 ms of scheduling delay is 50 simulated seconds, so requests do
 * meet an access token that expired on the way, and the client must recover from that 401 by itself.
 */
import { setPriority } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { createExactClient } from "@psa-ledger/exact-client"
import {
  createExactSimulation,
  type ExactServer,
  type SandboxClock,
  scaledClock,
  startExactServer
} from "@psa-ledger/sandbox"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { postgresStorage, type Storage, sqliteStorage } from "../src/index.ts"
import { dropSchema, newKey, newSchema, PG_URL, pgStatus, skipPostgres, tempDir } from "./support.ts"
import type { ChainArgs, ChainReport } from "./workers/chain.ts"
import { startWorker, type Worker } from "./workers/spawn.ts"

const PROCESSES = 8
/** Call loops per process (more share one client's in-process single-flight refresh). */
const LOOPS = 1
const REFRESHES = 200
/** Simulated ms per real ms: 200 refreshes need ≥ 200 × 570 s ≈ 32 simulated hours, ≈ 23 real seconds. */
const FACTOR = 5_000
/** One loop's pause between calls, simulated: 8 loops make ~2,900 calls a simulated day (budget 5,000). */
const PAUSE_MS: readonly [number, number] = [60_000, 420_000]
/** If the refreshes have not come by then, stop the children anyway and let the assertions say why. */
const REAL_DEADLINE_MS = 75_000
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

    it(`refreshes ${REFRESHES} times on a scaled clock with no broken chain, early refresh or error`, async () => {
      // Consent runs in real time (a 3-minute code would last 36 real ms at FACTOR); then the clock speeds up.
      let phase: SandboxClock = scaledClock({ start: START, factor: 1 })
      const clock: SandboxClock = { now: () => phase.now(), sleep: (ms, signal) => phase.sleep(ms, signal) }
      const sim = createExactSimulation({ clock, apps: [app] })
      server = await startExactServer(sim)

      // Consent once: the chain starts in the durable store, as the CLI would leave it.
      const storage = await setup.open()
      const admin = createExactClient({ ...app, baseUrl: server.url, tokens: storage.tokens(LINK), clock })
      await admin.auth.exchangeCode(sim.authorize())
      await storage.close()
      const realStart = Date.now()
      const clockOrigin = { start: clock.now(), realStart, factor: FACTOR }
      phase = scaledClock(clockOrigin)

      for (let worker = 0; worker < PROCESSES; worker++) {
        const args: ChainArgs = {
          ...setup.args,
          linkId: LINK,
          worker,
          baseUrl: server.url,
          ...app,
          division: 1001,
          clock: clockOrigin,
          loops: LOOPS,
          pauseMs: PAUSE_MS
        }
        workers.push(startWorker({ ...args }, chainScript))
      }
      await Promise.all(workers.map((w) => w.until((line) => line === "ready")))
      // The sandbox stands in for Exact's servers: let it win the CPU over the clients, as it would.
      for (const w of workers) if (w.child.pid !== undefined) setPriority(w.child.pid, 10)

      sim.resetCounters()
      const realGo = Date.now()
      const simGo = clock.now()
      for (const w of workers) w.child.stdin?.write("go\n")
      // Stop as soon as Exact has granted the refreshes (or a child died, or the deadline passed).
      let died = false
      for (const w of workers) void w.exited.then(() => (died = true))
      while (sim.stats.refreshes < REFRESHES && !died && Date.now() - realGo < REAL_DEADLINE_MS) {
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      const simStop = clock.now()
      const realStop = Date.now()
      for (const w of workers) w.child.stdin?.write("stop\n")
      const codes = await Promise.all(workers.map((w) => w.exited))
      const stats = sim.stats
      const reports = workers.map((w, i) => {
        if (codes[i] !== 0) throw new Error(`worker ${i} exited with ${codes[i]}: ${w.stderr.join("")}`)
        return JSON.parse(w.lines.at(-1) ?? "null") as ChainReport
      })

      const api401 = sum(reports, (r) => r.apiStatuses[401] ?? 0)
      process.stderr.write(
        `[token-chain ${target.name}] ${stats.refreshes} refreshes by ${reports.filter((r) => r.refreshes > 0).length}` +
          ` processes in ${((simStop - simGo) / 3_600_000).toFixed(1)} simulated h / ${realStop - realGo} real ms;` +
          ` ${sum(reports, (r) => r.calls)} calls, ${api401} expired-in-flight 401s recovered\n`
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
      // The only errors Exact counted are 401s for tokens that expired in flight, each recovered by the client.
      expect(stats.errors).toBe(api401)
      expect(reports.flatMap((r) => Object.keys(r.apiStatuses).filter((s) => s !== "200" && s !== "401"))).toEqual([])
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
    }, 120_000)
  })
}
