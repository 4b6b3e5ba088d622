/**
 * One complete run of a flow in child processes against a fresh sandbox server and fresh SQLite
 * storage, killed at the given points and restarted until it completes; returns the end state.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createExactClient, memoryTokenStore } from "@psa-ledger/exact-client"
import { ChangePlan, plan } from "@psa-ledger/reconcile-core"
import { memoryStorage } from "@psa-ledger/storage-adapters"
import { postgresStorage } from "@psa-ledger/storage-adapters/postgres"
import { sqliteStorage } from "@psa-ledger/storage-adapters/sqlite"
import { Effect, Schema } from "effect"
import pg from "pg"
import { runLink } from "../../src/internal/bridge.ts"
import { loadMonth } from "../../src/reconciliation/LoadMonth.ts"
import type { ChildConfig, ChildReport } from "./child.ts"
import {
  approveAll,
  clientsFor,
  connectWiseState,
  ENCRYPTION_KEY,
  endpointOf,
  exactDocuments,
  exactState,
  LINK_ID,
  latestMonth,
  seedMappings,
  settingsFor,
  sourceFor,
  startServer,
  storageState
} from "./harness.ts"
import { type Kill, KillingProxy, type KillPoint, runUntilComplete, spawnChild } from "./killer.ts"

/** A temp directory for one test's files (plan, databases, configs, reports). */
export const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "psa-ledger-resilience-"))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/**
 * Loads the world's latest month once and approves everything (creating what is missing), with the
 * confirmed mappings; writes the encoded plan to `file` and returns its operation count.
 */
export const writePlan = async (file: string) => {
  const server = await startServer()
  try {
    const { connectwise, exact } = clientsFor(endpointOf(server), memoryTokenStore())
    await exact.auth.exchangeCode(server.authorizationCode())
    const storage = memoryStorage()
    await seedMappings(storage.mappings)
    const settings = settingsFor()
    const loaded = await runLink(
      "loadMonth",
      loadMonth(
        { linkId: LINK_ID, source: sourceFor(exact), connectwise, mappings: storage.mappings, settings },
        latestMonth()
      )
    )
    const changes = plan(loaded.rows, approveAll(loaded.rows), settings)
    writeFileSync(file, JSON.stringify(Schema.encodeSync(ChangePlan)(changes)))
    return changes
  } finally {
    await server.close()
  }
}

/** Everything one run leaves behind, normalised for comparison. */
export interface RunOutcome {
  readonly connectwise: ReturnType<typeof connectWiseState>
  readonly exact: ReturnType<typeof exactState>
  /** Exact's documents and attachments per sales entry (by `YourRef`). */
  readonly documents: ReturnType<typeof exactDocuments>
  readonly storage: Awaited<ReturnType<typeof storageState>>
  /** ConnectWise and Exact request counts per `METHOD /template`, as the server saw them. */
  readonly requests: { readonly connectwise: Record<string, number>; readonly exact: Record<string, number> }
  /** The completing child's report. */
  readonly report: ChildReport
  readonly attempts: number
  readonly kills: ReadonlyArray<Kill>
  /** Writes the proxy forwarded, over all children. */
  readonly writes: number
  readonly writeLog: KillingProxy["log"]
  readonly wallMs: number
  /** The link's runs, oldest first: id, status and the run it resumed (the `link-apply` flow). */
  readonly runs: ReadonlyArray<{ readonly id: string; readonly status: string; readonly resumes: unknown }>
  /** The runs with a plan still open. */
  readonly unfinished: ReadonlyArray<string>
}

/** The PostgreSQL the tests use (each run in a schema of its own, dropped after). */
export const PG_URL = process.env.PSA_LEDGER_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test"

/** Whether PostgreSQL answers; under CI an unreachable one fails the tests rather than skipping them. */
export const postgresReachable = async (): Promise<boolean> => {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3_000 })
  client.on("error", () => undefined)
  try {
    await client.connect()
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => undefined)
  }
}

/**
 * Runs `flow` in children until one completes, killing them at `points`: a fresh server, fresh
 * storage (SQLite, or with `adapter: "postgres"` a fresh PostgreSQL schema) with the confirmed
 * mappings and an authorised Exact token chain.
 */
export const runFlow = async (
  flow: ChildConfig["flow"],
  dir: string,
  name: string,
  points: ReadonlyArray<KillPoint>,
  planFile?: string,
  adapter: "sqlite" | "postgres" = "sqlite"
): Promise<RunOutcome> => {
  const server = await startServer()
  const proxy = await new KillingProxy(server.origin).start()
  const schema = `psa_kill_${name.replace(/[^a-z0-9]/g, "_")}_${Date.now().toString(36)}`
  const database = adapter === "sqlite" ? join(dir, `${name}.db`) : PG_URL
  const openStorage = () =>
    adapter === "sqlite"
      ? sqliteStorage({ filename: database, encryptionKey: ENCRYPTION_KEY })
      : postgresStorage({ connectionString: PG_URL, schema, encryptionKey: ENCRYPTION_KEY, pool: { max: 2 } })
  try {
    const setup = await openStorage()
    await seedMappings(setup.mappings)
    const ex = server.credentials.exact
    await createExactClient({
      baseUrl: server.baseUrls.exact,
      clientId: ex.clientId,
      clientSecret: ex.clientSecret,
      redirectUri: ex.redirectUri,
      division: ex.division,
      tokens: setup.tokens(LINK_ID)
    }).auth.exchangeCode(server.authorizationCode())
    await setup.close()

    proxy.arm(points)
    const endpoint = endpointOf(server, proxy.origin)
    const reportFile = join(dir, `${name}.report.json`)
    const restarts = await runUntilComplete(proxy, (attempt) => {
      const configFile = join(dir, `${name}.${attempt}.json`)
      const config: ChildConfig = {
        flow,
        endpoint,
        database,
        reportFile,
        ...(adapter === "postgres" ? { postgres: { schema } } : {}),
        runId: `${name}-${attempt}`,
        // Each child lives in its own hour: within it leases never pass, and a killed child's claims
        // have passed when the next one starts, as a crashed run's would have for real.
        clockMs: Date.UTC(2026, 10, 1) + attempt * 3_600_000,
        ...(planFile === undefined ? {} : { planFile })
      }
      writeFileSync(configFile, JSON.stringify(config), { mode: 0o600 })
      return spawnChild(configFile)
    })

    const storage = await openStorage()
    try {
      return {
        connectwise: connectWiseState(server),
        exact: exactState(server),
        documents: exactDocuments(server),
        storage: await storageState(storage, server),
        requests: { connectwise: server.connectwise.requests.snapshot(), exact: server.exact.requestCounts() },
        report: JSON.parse(readFileSync(reportFile, "utf8")) as ChildReport,
        attempts: restarts.attempts,
        kills: restarts.kills,
        writes: proxy.writes,
        writeLog: proxy.log,
        wallMs: restarts.wallMs,
        runs: (await Effect.runPromise(storage.runs.list(LINK_ID, { limit: 1_000 })))
          .map((r) => ({
            id: r.id,
            status: r.status,
            resumes: (r.details as { resumes?: unknown } | undefined)?.resumes ?? null
          }))
          .reverse(),
        unfinished: (await Effect.runPromise(storage.plans.unfinished(LINK_ID))).map((p) => p.runId)
      }
    } finally {
      await storage.close()
    }
  } finally {
    await proxy.close()
    await server.close()
    if (adapter === "postgres") {
      const client = new pg.Client({ connectionString: PG_URL })
      await client.connect()
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => client.end())
    }
  }
}
