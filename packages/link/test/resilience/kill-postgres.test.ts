/**
 * The kill tests on PostgreSQL: the same children, proxy and seeded kill points as `kill.test.ts`
 * and `resume.test.ts`, with the link's storage in a PostgreSQL schema of its own. After every kill
 * sequence the end state equals the uninterrupted run's record for record, nothing is created twice,
 * no journal entry stays `started`, no plan stays open and no run stays `running`.
 *
 * Fewer kills by default than on SQLite (each restart opens a pool and migrates a schema);
 * PSA_LEDGER_PG_KILLS asks for more. Outcomes only: nothing here waits on wall-clock time.
 */
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { killPoints } from "./killer.ts"
import { postgresReachable, runFlow, tempDir, writePlan } from "./runs.ts"

const RESILIENCE_TIMEOUT_MS = 600_000
const KILLS = Number(process.env.PSA_LEDGER_PG_KILLS ?? 4)
const SEED = Number(process.env.PSA_LEDGER_KILL_SEED ?? 20_261_203)
// Under CI an unreachable PostgreSQL fails the run rather than skipping it.
const skip = !(await postgresReachable()) && process.env.CI !== "true"

const temp = tempDir()
let planFile = ""
beforeAll(async () => {
  planFile = join(temp.dir, "plan.json")
  await writePlan(planFile)
})
afterAll(() => temp.remove())

const posts = (counts: Record<string, number>) =>
  Object.fromEntries(Object.entries(counts).filter(([key]) => key.startsWith("POST ") && !key.includes("oauth2")))
const unsettled = (journal: ReadonlyArray<string>) => journal.filter((entry) => entry.endsWith(" started"))

describe.skipIf(skip)("kill tests on PostgreSQL", () => {
  it(
    `apply: killed at up to ${KILLS} seeded random writes and restarted, ConnectWise ends as after an uninterrupted apply`,
    async () => {
      const reference = await runFlow("apply", temp.dir, "pg-apply-ref", [], planFile, "postgres")
      expect(reference.attempts).toBe(1)
      const points = killPoints(reference.writes, Math.min(KILLS, reference.writes), SEED)
      const killed = await runFlow("apply", temp.dir, "pg-apply-killed", points, planFile, "postgres")
      expect(killed.kills.length).toBeGreaterThanOrEqual(Math.ceil(points.length * 0.75))
      expect(killed.attempts).toBe(killed.kills.length + 1)
      expect(killed.report.counts.failed).toBe(0)
      expect(killed.connectwise.duplicateAdditions).toEqual([])
      expect(killed.connectwise.additions).toEqual(reference.connectwise.additions)
      expect(killed.connectwise.agreements).toEqual(reference.connectwise.agreements)
      expect(killed.connectwise.catalog).toEqual(reference.connectwise.catalog)
      expect(posts(killed.requests.connectwise)).toEqual(posts(reference.requests.connectwise))
      expect(killed.storage.journal).toEqual(reference.storage.journal)
      expect(unsettled(killed.storage.journal)).toEqual([])
      expect(killed.storage.mappings).toEqual(reference.storage.mappings)
    },
    RESILIENCE_TIMEOUT_MS
  )

  it(
    `transfer: killed at up to ${KILLS} seeded random writes and restarted, Exact ends as after an uninterrupted transfer`,
    async () => {
      const reference = await runFlow("transfer", temp.dir, "pg-transfer-ref", [], undefined, "postgres")
      expect(reference.attempts).toBe(1)
      expect(reference.exact.duplicateInvoices).toEqual([])
      const points = killPoints(reference.writes, Math.min(KILLS, reference.writes), SEED)
      const killed = await runFlow("transfer", temp.dir, "pg-transfer-killed", points, undefined, "postgres")
      expect(killed.kills).toHaveLength(points.length)
      expect(killed.attempts).toBe(points.length + 1)
      expect(killed.report.counts.failed).toBe(0)
      expect(killed.exact.duplicateInvoices).toEqual([])
      expect(killed.exact.invoices).toEqual(reference.exact.invoices)
      expect(killed.exact.accounts).toEqual(reference.exact.accounts)
      expect(posts(killed.requests.exact)).toEqual(posts(reference.requests.exact))
      expect(killed.storage.ledger).toEqual(reference.storage.ledger)
      expect(killed.storage.journal).toEqual(reference.storage.journal)
      expect(unsettled(killed.storage.journal)).toEqual([])
    },
    RESILIENCE_TIMEOUT_MS
  )

  it(
    `apply through the link: killed at up to ${KILLS} seeded random writes, each restart resumes the stored plan`,
    async () => {
      const reference = await runFlow("link-apply", temp.dir, "pg-link-ref", [], planFile, "postgres")
      expect(reference.runs.map((r) => r.status)).toEqual(["succeeded"])
      const points = killPoints(reference.writes, Math.min(KILLS, reference.writes), SEED)
      const killed = await runFlow("link-apply", temp.dir, "pg-link-killed", points, planFile, "postgres")
      expect(killed.kills.length).toBeGreaterThanOrEqual(Math.ceil(points.length * 0.75))
      expect(killed.report.resumed).toBe("pg-link-killed-1")
      expect(killed.report.counts.failed).toBe(0)
      expect(killed.runs.map((r) => r.status)).toEqual([...Array(killed.attempts - 1).fill("abandoned"), "succeeded"])
      expect(killed.unfinished).toEqual([])
      expect(killed.connectwise.additions).toEqual(reference.connectwise.additions)
      expect(killed.connectwise.duplicateAdditions).toEqual([])
      expect(posts(killed.requests.connectwise)).toEqual(posts(reference.requests.connectwise))
      expect(killed.storage.journal).toEqual(reference.storage.journal)
      expect(unsettled(killed.storage.journal)).toEqual([])
    },
    RESILIENCE_TIMEOUT_MS
  )
})
