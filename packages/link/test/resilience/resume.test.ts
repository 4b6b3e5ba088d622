/**
 * Resume, don't replan: a child process applies a plan through `createLink` as a run and is killed
 * with SIGKILL at seeded random writes; each restart finds the killed run unfinished
 * (`runs.unfinished()`) and finishes its stored plan with `runs.resume(runId)`. The end state must
 * equal an uninterrupted run's record for record, nothing may be written twice, and nothing may be
 * left behind: no plan open, no run `running`, no journal entry `started`.
 */
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { killPoints } from "./killer.ts"
import { runFlow, tempDir, writePlan } from "./runs.ts"

// Child processes and restarts: a limit for a loaded 2-core box, not a performance target.
const RESILIENCE_TIMEOUT_MS = 600_000
// 8 kills by default (about half a minute); PSA_LEDGER_KILLS asks for more (at most one per write).
const KILLS = Number(process.env.PSA_LEDGER_KILLS ?? 8)
const SEED = Number(process.env.PSA_LEDGER_KILL_SEED ?? 20_261_202)
const temp = tempDir()
afterAll(() => temp.remove())

const posts = (counts: Record<string, number>) =>
  Object.fromEntries(Object.entries(counts).filter(([key]) => key.startsWith("POST ") && !key.includes("oauth2")))

describe("resume after a kill", () => {
  it(
    `apply through the link: killed at up to ${KILLS} seeded random writes, each restart resumes the stored plan`,
    async () => {
      const planFile = join(temp.dir, "plan.json")
      const changes = await writePlan(planFile)
      const reference = await runFlow("link-apply", temp.dir, "link-reference", [], planFile)
      expect(reference.attempts).toBe(1)
      expect(reference.report.counts).toEqual({ done: changes.operations.length, skipped: 0, failed: 0 })
      expect(reference.runs).toEqual([{ id: "link-reference-1", status: "succeeded", resumes: null }])
      expect(reference.unfinished).toEqual([])

      const points = killPoints(reference.writes, Math.min(KILLS, reference.writes), SEED)
      const killed = await runFlow("link-apply", temp.dir, "link-killed", points, planFile)
      process.stdout.write(
        `resume kill test ${JSON.stringify(
          {
            operations: changes.operations.length,
            writes: { reference: reference.writes, killed: killed.writes },
            attempts: killed.attempts,
            kills: killed.kills.map((k) => `#${k.write} ${k.moment} ${k.request}`),
            runs: killed.runs.map((r) => `${r.id} ${r.status}`)
          },
          null,
          2
        )}\n`
      )

      // A killed child's in-flight writes use up write numbers, so the last points may find none left.
      expect(killed.kills.length).toBeGreaterThanOrEqual(Math.ceil(points.length * 0.75))
      expect(killed.attempts).toBe(killed.kills.length + 1)
      // Every restart resumed the first run's plan: it was never planned again.
      expect(killed.report.resumed).toBe("link-killed-1")
      expect(killed.report.counts.failed).toBe(0)
      // The first run and every resume that died are abandoned; the last resume finished the plan.
      expect(killed.runs.map((r) => r.id)).toEqual(
        Array.from({ length: killed.attempts }, (_, i) => `link-killed-${i + 1}`)
      )
      expect(killed.runs.slice(0, -1).map((r) => r.status)).toEqual(Array(killed.attempts - 1).fill("abandoned"))
      expect(killed.runs.at(-1)?.status).toBe("succeeded")
      expect(killed.runs.slice(1).every((r) => r.resumes === "link-killed-1")).toBe(true)
      expect(killed.unfinished).toEqual([])

      // Record for record what the uninterrupted run left, with nothing created twice.
      expect(killed.connectwise.duplicateAdditions).toEqual([])
      expect(killed.connectwise.additions).toEqual(reference.connectwise.additions)
      expect(killed.connectwise.agreements).toEqual(reference.connectwise.agreements)
      expect(killed.connectwise.catalog).toEqual(reference.connectwise.catalog)
      expect(posts(killed.requests.connectwise)).toEqual(posts(reference.requests.connectwise))
      expect(killed.storage.journal).toEqual(reference.storage.journal)
      expect(killed.storage.journal.filter((entry) => !entry.endsWith(" done"))).toEqual([])
      expect(killed.storage.mappings).toEqual(reference.storage.mappings)
    },
    RESILIENCE_TIMEOUT_MS
  )
})
