/**
 * Unfinished runs through the bin: an apply killed part-way leaves its plan open; the next apply
 * and transfer stop with exit 4 and the one line names the command that settles it; `runs
 * --unfinished` lists the run, `resume` finishes it, `abandon --reason` gives it up.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { deriveStorageKey } from "@psa-ledger/deployment"
import { Run, StoredPlan } from "@psa-ledger/reconcile-core"
import { sqliteStorage } from "@psa-ledger/storage-adapters/sqlite"
import { DateTime, Effect, Option, type Schema } from "effect"
import { describe, expect, it } from "vitest"
import { cli, cliRunning, deploymentDir, printed, sandboxSecrets } from "./support.ts"

type Unfinished = { runId: string; job: string; lastRunId: string; details: Record<string, unknown> }

/** The lease of every command here (PSA_LEDGER_LEASE_MS): a killed process holds the link this long. */
const LEASE_MS = 1_000

/** Plans March, then SIGKILLs an apply of it once it has written (on a slow ConnectWise). */
const killedApply = async (d: Awaited<ReturnType<typeof deploymentDir>>, planFile: string) => {
  const apply = cliRunning(["apply", planFile, "--sandbox"], {
    env: { ...d.env, PSA_LEDGER_SANDBOX_LATENCY_MS: "300" }
  })
  await apply.waitFor(/^apply: [1-9]\d*\//)
  apply.child.kill("SIGKILL")
  await apply.done
  const killedAt = Date.now()
  // The dead process's lease of the link (PSA_LEDGER_LEASE_MS long) passes by itself: wait for that.
  const storage = await sqliteStorage({
    filename: join(d.dir, "ledger.db"),
    encryptionKey: deriveStorageKey(d.key())
  })
  try {
    const [open] = await Effect.runPromise(storage.plans.unfinished("acme"))
    expect(open).toBeDefined()
    const holder = await Effect.runPromise(storage.leases.holder("acme"))
    expect(Option.map(holder, (h) => h.runId)).toEqual(Option.some(open!.lastRunId))
    const until = Option.match(holder, { onNone: () => 0, onSome: (h) => DateTime.toEpochMillis(h.until) })
    // Renewed every quarter lease until the kill: it ends at most one lease after it.
    expect(until - killedAt).toBeLessThanOrEqual(LEASE_MS)
    while (Date.now() <= until) await new Promise((resolve) => setTimeout(resolve, until - Date.now() + 1))
  } finally {
    await storage.close()
  }
  const listed = await cli(["runs", "acme", "--unfinished", "--json", "--sandbox"], { env: d.env })
  expect(listed.status, listed.stderr).toBe(0)
  const left = JSON.parse(listed.stdout) as Array<Unfinished>
  expect(left).toHaveLength(1)
  return left[0]!
}

describe("psa-ledger runs --unfinished, resume, abandon", () => {
  it("names the resume command when a dead run blocks apply and transfer (4), resumes it, and abandons another", async () => {
    const made = await deploymentDir()
    const d = { ...made, env: { ...made.env, PSA_LEDGER_LEASE_MS: String(LEASE_MS) } }
    try {
      expect((await cli(["links", "add", "acme", "--sandbox"], { env: d.env })).status).toBe(0)
      const planFile = join(d.dir, "plan.json")
      const planned = await cli(["plan", "acme", "--month", "2025-03", "--out", planFile, "--json", "--sandbox"], {
        env: d.env
      })
      expect(planned.status, planned.stderr).toBe(0)
      const total = (JSON.parse(readFileSync(planFile, "utf8")) as { plan: { operations: Array<unknown> } }).plan
        .operations.length

      const dead = await killedApply(d, planFile)
      expect(dead).toMatchObject({ job: "reconciliation.apply", lastRunId: dead.runId, details: { operations: total } })
      // Commands that change nothing run at once: the bin's start-up, not the work, is most of their time.
      const [text, again, transfer, noSuchRun] = await Promise.all([
        cli(["runs", "acme", "--unfinished", "--sandbox"], { env: d.env }),
        cli(["apply", planFile, "--sandbox"], { env: d.env }),
        cli(["transfer", "acme", "--from", "2025-03-01", "--to", "2025-03-31", "--sandbox"], { env: d.env }),
        cli(["resume", "no-such-run", "--sandbox"], { env: d.env })
      ])
      expect(text.stdout).toContain(dead.runId)
      expect(text.stdout).toContain(`Next: psa-ledger resume ${dead.runId} --link acme`)
      for (const refused of [again, transfer]) {
        expect(refused.status, refused.stderr).toBe(4)
        const [line] = refused.stderr.split("\n")
        expect(line).toContain(`\`psa-ledger resume ${dead.runId} --link acme\``)
        expect(line).toContain(`\`psa-ledger abandon ${dead.runId} --link acme --reason TEXT\``)
      }

      expect(noSuchRun.status).toBe(1)
      const resumed = await cli(["resume", dead.runId, "--json", "--sandbox"], { env: d.env })
      expect(resumed.status, resumed.stderr).toBe(0)
      const result = JSON.parse(resumed.stdout) as { runId: string; resumes: string; status: string }
      expect(result).toMatchObject({ resumes: dead.runId, status: "succeeded" })
      expect(result.runId).not.toBe(dead.runId)
      const [listedRuns, none] = await Promise.all([
        cli(["runs", "acme", "--json", "--sandbox"], { env: d.env }),
        cli(["runs", "acme", "--unfinished", "--json", "--sandbox"], { env: d.env })
      ])
      const runs = JSON.parse(listedRuns.stdout) as Array<{
        id: string
        status: string
        counts: Record<string, number>
      }>
      const finished = runs.find((r) => r.id === result.runId)
      // The resume did what the dead run had not: the two together did the plan.
      expect(finished?.counts.done ?? 0).toBeGreaterThan(0)
      expect(finished?.counts.done ?? 0).toBeLessThanOrEqual(total)
      expect(runs.find((r) => r.id === dead.runId)?.status).toBe("abandoned")
      expect(JSON.parse(none.stdout)).toEqual([])

      // Another dead apply (written as its dying process leaves it, without a second slow kill), given
      // up: --reason is needed (2), then the link has no unfinished run.
      const second = { runId: "run-dead-2" }
      const storage = await sqliteStorage({
        filename: join(d.dir, "ledger.db"),
        encryptionKey: deriveStorageKey(d.key())
      })
      try {
        const at = DateTime.makeUnsafe(Date.now())
        const body = (JSON.parse(readFileSync(planFile, "utf8")) as { plan: Schema.Json }).plan
        await Effect.runPromise(
          storage.runs.create(
            "acme",
            new Run({
              id: second.runId,
              job: "reconciliation.apply",
              trigger: "manual",
              status: "running",
              startedAt: at,
              counts: {}
            })
          )
        )
        await Effect.runPromise(
          storage.plans.save(
            "acme",
            new StoredPlan({
              runId: second.runId,
              job: "reconciliation.apply",
              plan: { details: { operations: total }, body },
              status: "open",
              savedAt: at,
              lastRunId: second.runId
            }) as StoredPlan
          )
        )
      } finally {
        await storage.close()
      }
      // Without --reason it is a usage error (2) that touches nothing, so it runs beside the real one.
      const [noReason, abandoned] = await Promise.all([
        cli(["abandon", second.runId, "--link", "acme", "--sandbox"], { env: d.env }),
        cli(["abandon", second.runId, "--link", "acme", "--reason", "planned again", "--json", "--sandbox"], {
          env: d.env
        })
      ])
      expect(noReason.status).toBe(2)
      expect(abandoned.status, abandoned.stderr).toBe(0)
      expect(JSON.parse(abandoned.stdout)).toEqual({
        runId: second.runId,
        linkId: "acme",
        abandoned: true,
        reason: "planned again"
      })
      const [twice, after] = await Promise.all([
        cli(["abandon", second.runId, "--reason", "planned again", "--sandbox"], { env: d.env }),
        cli(["runs", "acme", "--unfinished", "--json", "--sandbox"], { env: d.env })
      ])
      expect(twice.status).toBe(1)
      expect(JSON.parse(after.stdout)).toEqual([])
      const all = printed.join("\n")
      for (const secret of sandboxSecrets) expect(all).not.toContain(secret)
    } finally {
      d.remove()
    }
  })
})
