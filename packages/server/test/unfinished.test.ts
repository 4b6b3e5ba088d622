/**
 * Unfinished runs over HTTP: a run whose process died part-way leaves its plan open; apply and
 * transfer then answer 409 `UnfinishedRun` naming it, and a person lists it, resumes it (a new
 * background run that finishes the same plan) or abandons it with a reason, both audited.
 */
import { Jobs } from "@psa-ledger/link"
import { ChangePlan, Run, StoredPlan } from "@psa-ledger/reconcile-core"
import { DateTime, Effect, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { client, connectedLink, openWorld, until } from "./support.ts"

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)

/** A connected link `acme` and, in its storage, what a process that died before its first write leaves. */
const withDeadRun = async () => {
  const w = await openWorld()
  const _ann = await connectedLink(w)
  const link = await w.deployment.links.open("acme")
  const [month] = await link.reconciliation.months()
  const grid = await link.reconciliation.load(month!)
  const planned = link.reconciliation.plan(grid, link.reconciliation.decideAll(grid, {}))
  expect(planned.plan.operations.length).toBeGreaterThan(0)
  const at = DateTime.makeUnsafe(w.clock.now())
  await run(
    w.storage.runs.create(
      "acme",
      new Run({ id: "run-dead", job: Jobs.apply, trigger: "manual", status: "running", startedAt: at, counts: {} })
    )
  )
  await run(
    w.storage.plans.save(
      "acme",
      new StoredPlan({
        runId: "run-dead",
        job: Jobs.apply,
        plan: {
          details: { month: month!, operations: planned.plan.operations.length },
          body: Schema.encodeSync(ChangePlan)(planned.plan)
        },
        status: "open",
        savedAt: at,
        lastRunId: "run-dead"
      }) as StoredPlan
    )
  )
  const fin = client(w.server)
  await fin.signIn("fin")
  const vic = client(w.server)
  await vic.signIn("vic")
  return { w, fin, vic, month: month!, operations: planned.plan.operations.length }
}

const transferRange = (month: string) => {
  const [year, mm] = month.split("-").map(Number) as [number, number]
  return { from: `${month}-01`, to: new Date(Date.UTC(year, mm, 0)).toISOString().slice(0, 10) }
}

describe("unfinished runs over HTTP", () => {
  it("refuses a transfer with 409 UnfinishedRun, lists the run, and resumes its plan as an audited run", async () => {
    const { w, fin, vic, month, operations } = await withDeadRun()
    const refused = await fin.post("/links/acme/transfer/run", transferRange(month))
    expect([refused.status, refused.body.error.code, refused.body.error.details]).toEqual([
      409,
      "UnfinishedRun",
      { runId: "run-dead", job: Jobs.apply }
    ])
    expect(refused.body.error.message).toContain("run-dead")

    const listed = await vic.get("/links/acme/unfinished-runs")
    expect(listed.status).toBe(200)
    expect(listed.body).toEqual([
      {
        runId: "run-dead",
        job: Jobs.apply,
        savedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        lastRunId: "run-dead",
        details: { month, operations }
      }
    ])
    // Resuming writes: a viewer may not.
    expect((await vic.post("/links/acme/unfinished-runs/run-dead/resume")).status).toBe(403)
    expect((await vic.post("/links/acme/unfinished-runs/run-dead/abandon", { reason: "no" })).status).toBe(403)

    const resumed = await fin.post("/links/acme/unfinished-runs/run-dead/resume")
    expect(resumed.status).toBe(202)
    const runId = resumed.body.runId as string
    expect(runId).not.toBe("run-dead")
    await until(async () => (await fin.get(`/links/acme/runs/${runId}`)).body.status !== "running", "the resume")
    const done = await fin.get(`/links/acme/runs/${runId}`)
    expect(done.body).toMatchObject({ job: Jobs.apply, status: "succeeded" })
    expect((await fin.get("/links/acme/runs/run-dead")).body.status).toBe("abandoned")
    expect((await fin.get("/links/acme/unfinished-runs")).body).toEqual([])
    await until(
      async () =>
        (await fin.get("/links/acme/approvals")).body.some((a: { action: string }) => a.action === "runs.resume"),
      "the audit"
    )
    const audit = (await fin.get("/links/acme/approvals")).body.find(
      (a: { action: string }) => a.action === "runs.resume"
    )
    expect(audit).toMatchObject({ actor: "fin", runId, changes: { resumes: "run-dead", status: "succeeded" } })

    // The plan is finished: a second resume has nothing to do, and the link runs again.
    const again = await fin.post("/links/acme/unfinished-runs/run-dead/resume")
    expect([again.status, again.body.error.code, again.body.error.field]).toEqual([400, "InvalidInput", "runId"])
    const transfer = await fin.post("/links/acme/transfer/run", transferRange(month))
    expect(transfer.status).toBe(202)
    await until(
      async () => (await fin.get(`/links/acme/runs/${transfer.body.runId}`)).body.status !== "running",
      "the transfer"
    )
    await w.server.close()
  })

  it("abandons the run with a reason, audited, after which the link runs again", async () => {
    const { w, fin, month } = await withDeadRun()
    const noReason = await fin.post("/links/acme/unfinished-runs/run-dead/abandon", {})
    expect(noReason.status).toBe(400)
    const abandoned = await fin.post("/links/acme/unfinished-runs/run-dead/abandon", { reason: "planning again" })
    expect([abandoned.status, abandoned.body]).toEqual([200, { abandoned: true }])
    const twice = await fin.post("/links/acme/unfinished-runs/run-dead/abandon", { reason: "planning again" })
    expect(twice.body).toEqual({ abandoned: false })
    expect((await fin.get("/links/acme/runs/run-dead")).body.status).toBe("abandoned")
    expect((await fin.get("/links/acme/unfinished-runs")).body).toEqual([])
    const audit = (await fin.get("/links/acme/approvals")).body.filter(
      (a: { action: string }) => a.action === "runs.abandon"
    )
    expect(audit).toEqual([
      expect.objectContaining({ actor: "fin", runId: "run-dead", changes: { reason: "planning again" } })
    ])
    const transfer = await fin.post("/links/acme/transfer/run", transferRange(month))
    expect(transfer.status).toBe(202)
    await until(
      async () => (await fin.get(`/links/acme/runs/${transfer.body.runId}`)).body.status !== "running",
      "the transfer"
    )
    await w.server.close()
  })
})
