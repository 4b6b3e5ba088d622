/**
 * Race tests: 2 and 4 processes apply the same plan at once, on one SQLite file and on one
 * PostgreSQL schema, against one sandbox server. Journal claims are leases of live runs, so each
 * operation is written by exactly one of them; the others wait and report it `DoneByAnotherRun`
 * (or `AlreadyDone`), never failed. ConnectWise ends as after one uninterrupted apply, with as many
 * writes as the plan has.
 *
 * The children's journal clock stands still (one shared instant), so no lease passes during the
 * race however slow the machine: nothing here depends on real time.
 */
import { once } from "node:events"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { createExactClient } from "@psa-ledger/exact-client"
import type { Storage } from "@psa-ledger/storage-adapters"
import { postgresStorage } from "@psa-ledger/storage-adapters/postgres"
import { sqliteStorage } from "@psa-ledger/storage-adapters/sqlite"
import { Effect } from "effect"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { ChildConfig, ChildReport } from "./child.ts"
import { connectWiseState, ENCRYPTION_KEY, endpointOf, LINK_ID, seedMappings, startServer } from "./harness.ts"
import { spawnChild } from "./killer.ts"
import { tempDir, writePlan } from "./runs.ts"

const PG_URL = process.env.PSA_LEDGER_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test"
const pgReachable = await (async () => {
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
})()
// Under CI an unreachable PostgreSQL fails the run rather than skipping it.
const skipPostgres = !pgReachable && process.env.CI !== "true"

const temp = tempDir()
let planFile = ""
let operations: ReadonlyArray<{ readonly _tag: string }> = []
beforeAll(async () => {
  planFile = join(temp.dir, "plan.json")
  operations = (await writePlan(planFile)).operations
})
afterAll(() => temp.remove())

/** What a write of ConnectWise is, from its request counts: every POST and PATCH. */
const writesOf = (counts: Record<string, number>) =>
  Object.entries(counts)
    .filter(([key]) => key.startsWith("POST ") || key.startsWith("PATCH "))
    .reduce((sum, [, n]) => sum + n, 0)

const race = async (adapter: "sqlite" | "postgres", processes: number) => {
  const name = `race-${adapter}-${processes}`
  const server = await startServer()
  const schema = `psa_race_${processes}_${Date.now().toString(36)}`
  const database = adapter === "sqlite" ? join(temp.dir, `${name}.db`) : PG_URL
  const open = (): Promise<Storage> =>
    adapter === "sqlite"
      ? sqliteStorage({ filename: database, encryptionKey: ENCRYPTION_KEY })
      : postgresStorage({ connectionString: PG_URL, schema, encryptionKey: ENCRYPTION_KEY })
  try {
    const setup = await open()
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

    const startFile = join(temp.dir, `${name}.go`)
    const children = Array.from({ length: processes }, (_, i) => {
      const config: ChildConfig = {
        flow: "apply",
        endpoint: endpointOf(server),
        database,
        ...(adapter === "postgres" ? { postgres: { schema } } : {}),
        startFile,
        planFile,
        reportFile: join(temp.dir, `${name}.${i}.report.json`),
        runId: `${name}-run-${i}`,
        clockMs: Date.UTC(2026, 10, 1)
      }
      const configFile = join(temp.dir, `${name}.${i}.json`)
      writeFileSync(configFile, JSON.stringify(config), { mode: 0o600 })
      const child = spawnChild(configFile)
      // Listened to at once: a child that exits before the parent awaits it is not missed.
      const exited = once(child, "exit") as Promise<[number | null]>
      let stderr = ""
      child.stderr?.on("data", (chunk: Buffer) => {
        stderr += chunk.toString()
      })
      return { child, exited, config, stderr: () => stderr }
    })
    // Start them together, once every child has opened its storage and waits for the file.
    const ready = (runId: string) => existsSync(`${startFile}.${runId}.ready`)
    while (!children.every(({ config }) => ready(config.runId))) {
      const exited = children.find(({ child }) => child.exitCode !== null)
      if (exited !== undefined) throw new Error(`child ${exited.config.runId} exited early:\n${exited.stderr()}`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    writeFileSync(startFile, "go")
    const reports: Array<ChildReport> = []
    for (const { exited, config, stderr } of children) {
      const [code] = await exited
      if (code !== 0) throw new Error(`child ${config.runId} exited with ${code}:\n${stderr()}`)
      reports.push(JSON.parse(readFileSync(config.reportFile, "utf8")) as ChildReport)
    }
    // What the suite produced and kept: every child's error output and report, the journal and the
    // database itself (SQLite's file and its write-ahead log), for the secret scan.
    const after = await open()
    const tokens = await after.tokens(LINK_ID).load()
    const journal = await Effect.runPromise(after.journal.list(LINK_ID))
    await after.close()
    const files = adapter === "sqlite" ? [database, `${database}-wal`].filter(existsSync) : []
    const produced = [
      ...children.map(({ stderr }) => stderr()),
      ...reports.map((report) => JSON.stringify(report)),
      JSON.stringify(journal),
      ...files.map((file) => readFileSync(file).toString("latin1"))
    ]
    const cw = server.credentials.connectwise
    const secrets = [
      cw.privateKey,
      server.credentials.exact.clientSecret,
      Buffer.from(`${cw.companyId}+${cw.publicKey}:${cw.privateKey}`).toString("base64"),
      ...(tokens === undefined ? [] : [tokens.accessToken, tokens.refreshToken])
    ]
    return {
      reports,
      connectwise: connectWiseState(server),
      writes: writesOf(server.connectwise.requests.snapshot()),
      leaks: secrets.filter((secret) => produced.some((text) => text.includes(secret))).length,
      scanned: { secrets: secrets.length, texts: produced.length }
    }
  } finally {
    await server.close()
    if (adapter === "postgres") {
      const client = new pg.Client({ connectionString: PG_URL })
      await client.connect()
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => client.end())
    }
  }
}

const cases = [
  { adapter: "sqlite", processes: 2 },
  { adapter: "sqlite", processes: 4 },
  { adapter: "postgres", processes: 2 },
  { adapter: "postgres", processes: 4 }
] as const

describe("races: processes applying the same plan at once", () => {
  for (const { adapter, processes } of cases) {
    it.skipIf(adapter === "postgres" && skipPostgres)(
      `${adapter}: ${processes} processes write each operation exactly once; the others report doneByAnotherRun`,
      async () => {
        const { reports, connectwise, writes, leaks, scanned } = await race(adapter, processes)
        // Each operation was done by exactly one run; every other run skipped it as done, none failed.
        const doneBy = new Map<string, number>()
        for (const report of reports) {
          expect(report.counts.failed).toBe(0)
          for (const outcome of report.outcomes) {
            if (outcome.status === "done") doneBy.set(outcome.key, (doneBy.get(outcome.key) ?? 0) + 1)
            else {
              expect(outcome.status).toBe("skipped")
              expect(outcome.reason).toMatch(/^(DoneByAnotherRun|AlreadyDone):/)
            }
          }
        }
        expect(doneBy.size).toBe(operations.length)
        expect([...doneBy.values()].every((n) => n === 1)).toBe(true)
        // Nothing written twice: one ConnectWise write per operation that writes there.
        expect(connectwise.duplicateAdditions).toEqual([])
        expect(writes).toBe(operations.filter((op) => op._tag !== "RememberMapping").length)
        // The secret scan: no credential or token in anything the run left behind.
        expect(scanned.secrets).toBeGreaterThanOrEqual(3)
        expect(leaks).toBe(0)
        process.stdout.write(
          `race ${adapter} x${processes}: ${JSON.stringify(reports.map((r) => r.counts))}, ${writes} writes, ${leaks} leaks in ${scanned.texts} texts\n`
        )
      }
    )
  }
})
