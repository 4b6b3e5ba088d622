/**
 * A worker that takes over a job an earlier attempt did not finish passes `resume`: `runJob` then
 * resumes that attempt's stored plan rather than failing `UnfinishedRun` (or planning again).
 */
import { Jobs, LinkError } from "@psa-ledger/link"
import { ChangePlan, Run, StoredPlan } from "@psa-ledger/reconcile-core"
import { memoryStorage } from "@psa-ledger/storage-adapters"
import { DateTime, Effect, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { openDeployment } from "../src/index.ts"
import { newKey, openSandbox } from "./support.ts"

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)

describe("runJob with resume", () => {
  it("resumes the unfinished run of the job; without resume the job is refused UnfinishedRun", async () => {
    const box = openSandbox()
    const storage = memoryStorage()
    const deployment = await openDeployment({ storage, secretKey: newKey(), clock: box.clock, fetch: box.fetch })
    await deployment.links.create("acme-eu", box.config())
    const start = await deployment.exact.connect("acme-eu", { returnTo: "/" })
    await deployment.exact.complete(await box.consent(start.url))
    const link = await deployment.links.open("acme-eu")
    const [month] = await link.reconciliation.months()
    const grid = await link.reconciliation.load(month!)
    const planned = link.reconciliation.plan(grid, link.reconciliation.decideAll(grid, {}))
    expect(planned.plan.operations.length).toBeGreaterThan(0)
    // What the earlier attempt's process left when it died before its first write.
    const at = DateTime.makeUnsafe(box.clock.now())
    await run(
      storage.runs.create(
        "acme-eu",
        new Run({ id: "run-dead", job: Jobs.apply, trigger: "schedule", status: "running", startedAt: at, counts: {} })
      )
    )
    await run(
      storage.plans.save(
        "acme-eu",
        new StoredPlan({
          runId: "run-dead",
          job: Jobs.apply,
          plan: { details: { month: month! }, body: Schema.encodeSync(ChangePlan)(planned.plan) },
          status: "open",
          savedAt: at,
          lastRunId: "run-dead"
        }) as StoredPlan
      )
    )
    const signal = new AbortController().signal
    const refused = await deployment.runJob("acme-eu", Jobs.apply, { trigger: "schedule", signal }).then(
      () => undefined,
      (error: unknown) => error
    )
    expect(refused).toBeInstanceOf(LinkError)
    expect((refused as LinkError).reason).toMatchObject({ _tag: "UnfinishedRun", runId: "run-dead" })
    // Another job's unfinished run is not resumed by it: the transfer is still refused.
    await expect(
      deployment.runJob("acme-eu", Jobs.transfer, { trigger: "schedule", signal, resume: true })
    ).rejects.toMatchObject({ reason: { _tag: "UnfinishedRun" } })

    const result = (await deployment.runJob("acme-eu", Jobs.apply, { trigger: "schedule", signal, resume: true })) as {
      runId: string
      status: string
    }
    expect(result.status).toBe("succeeded")
    expect(result.runId).not.toBe("run-dead")
    const resumed = await link.runs.get(result.runId)
    expect(resumed?.details).toMatchObject({ resumes: "run-dead" })
    expect((await link.runs.get("run-dead"))?.status).toBe("abandoned")
    expect(await link.runs.unfinished()).toEqual([])
    await deployment.close()
  })
})

describe("runJob with a range", () => {
  it("transfers the range a manual run was queued with, not the scheduled job's last month", async () => {
    const box = openSandbox()
    const deployment = await openDeployment({
      storage: memoryStorage(),
      secretKey: newKey(),
      clock: box.clock,
      fetch: box.fetch
    })
    await deployment.links.create("acme-eu", box.config())
    const start = await deployment.exact.connect("acme-eu", { returnTo: "/" })
    await deployment.exact.complete(await box.consent(start.url))
    const signal = new AbortController().signal
    // A range before the world begins: nothing to transfer, whatever last month holds.
    const empty = (await deployment.runJob("acme-eu", Jobs.transfer, {
      trigger: "manual",
      signal,
      range: { from: "2001-01-01", to: "2001-01-31" }
    })) as { readonly runId: string; readonly status: string }
    const link = await deployment.links.open("acme-eu")
    const recorded = (await link.runs.list()).find((r) => r.id === empty.runId)
    expect(recorded?.job).toBe(Jobs.transfer)
    expect(recorded?.counts.done ?? 0).toBe(0)
    expect(JSON.stringify(await link.runs.log(empty.runId).text())).toContain("2001-01-01")
  })
})
