/**
 * Stored plans through the link API, on SQLite and the sandbox: a run that died part-way leaves its
 * plan open, the link refuses new runs with `UnfinishedRun` naming it, `runs.resume` finishes the very
 * same plan (taking over the claims the dead run left at once), `runs.abandon` gives it up, and a
 * plan whose run still holds the link is neither refused as unfinished nor abandoned: that run is busy.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ChangePlan, LinkSettings, Run, StoredPlan } from "@psa-ledger/reconcile-core"
import type { Storage } from "@psa-ledger/storage-adapters"
import { sqliteStorage } from "@psa-ledger/storage-adapters/sqlite"
import { DateTime, Effect, Option, Schema } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { type ApplyReport, createLink, Jobs, LinkError } from "../../src/index.ts"
import { runLink } from "../../src/internal/bridge.ts"
import { applyPlan } from "../../src/reconciliation/Apply.ts"
import { type OpenSandbox, openSandbox, settingsFor, smallWorld, source } from "./sandbox.ts"

let sandbox: OpenSandbox | undefined
let storage: Storage | undefined
const dirs: Array<string> = []
afterEach(async () => {
  await storage?.close()
  await sandbox?.server.close()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  storage = undefined
  sandbox = undefined
})

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)
const LINK = "msp-1"

const open = async () => {
  const world = smallWorld()
  sandbox = await openSandbox(world)
  const dir = mkdtempSync(join(tmpdir(), "psa-ledger-resume-"))
  dirs.push(dir)
  storage = await sqliteStorage({ filename: join(dir, "link.db"), encryptionKey: "3c".repeat(32) })
  const catalog = world.connectwise.catalogItems[0]!
  const settings = new LinkSettings({
    ...settingsFor(world),
    newProduct: { subcategoryId: catalog.subcategory.id, typeId: catalog.type.id }
  })
  let next = 0
  const box = sandbox
  const link = createLink({
    id: LINK,
    exact: box.exact,
    connectwise: box.connectwise,
    storage,
    settings,
    source,
    now: () => box.clock.now(),
    ids: () => `run-${++next}`,
    agreementContact: () => 1
  })
  await box.connect(link)
  const [month] = await link.reconciliation.months()
  const grid = await link.reconciliation.load(month!)
  const planned = link.reconciliation.plan(grid, link.reconciliation.decideAll(grid, { createMissing: true }))
  return { link, storage, box, planned, month: month! }
}

/** What a process that died part-way through `changes` leaves: its run `running`, its plan open. */
const deadRun = async (
  stores: Storage,
  at: DateTime.Utc,
  runId: string,
  changes: ChangePlan,
  month: string
): Promise<void> => {
  await run(
    stores.runs.create(
      LINK,
      new Run({ id: runId, job: Jobs.apply, trigger: "manual", status: "running", startedAt: at, counts: {} })
    )
  )
  await run(
    stores.plans.save(
      LINK,
      new StoredPlan({
        runId,
        job: Jobs.apply,
        plan: {
          details: { month, operations: changes.operations.length },
          body: Schema.encodeSync(ChangePlan)(changes)
        },
        status: "open",
        savedAt: at,
        lastRunId: runId
      }) as StoredPlan
    )
  )
}

const rejection = async (promise: Promise<unknown>): Promise<LinkError> => {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(LinkError)
    return error as LinkError
  }
  throw new Error("expected a rejection")
}

describe("stored plans: unfinished runs are resumed, never planned again", () => {
  it("refuses a new apply while a dead run's plan is open, and resumes that plan to the end", async () => {
    const { link, storage: stores, box, planned, month } = await open()
    const changes = planned.plan
    const at = DateTime.makeUnsafe(box.clock.now())
    await deadRun(stores, at, "run-dead", changes, month)
    // The dead run did the operations without dependencies, and began one more, with a live lease,
    // before its process died.
    const independent = changes.operations.filter((op) => op.dependsOn.length === 0)
    const [began, ...firstDone] = independent
    expect(firstDone.length).toBeGreaterThan(0)
    const prefix = new ChangePlan({ ...changes, operations: firstDone })
    const deps = {
      linkId: LINK,
      connectwise: box.connectwise,
      mappings: stores.mappings,
      journal: stores.journal,
      now: () => box.clock.now(),
      agreementContact: () => 1
    }
    expect((await runLink("applyPlan", applyPlan(deps, prefix, { runId: "run-dead" }))).counts.failed).toBe(0)
    const claim = await run(
      stores.journal.begin(LINK, began!.idempotencyKey, {
        runId: "run-dead",
        at,
        takeOver: true,
        leaseUntil: DateTime.add(at, { hours: 1 })
      })
    )
    expect(claim._tag).toBe("Started")

    // A new apply is refused, naming the dead run, and creates no run.
    const refused = await rejection(link.reconciliation.apply(planned))
    expect(refused.reason).toMatchObject({ _tag: "UnfinishedRun", runId: "run-dead", job: Jobs.apply })
    expect((await link.runs.list()).map((r) => r.id)).toEqual(["run-dead"])
    expect(await link.runs.unfinished()).toEqual([
      {
        runId: "run-dead",
        job: Jobs.apply,
        savedAt: DateTime.formatIso(at),
        lastRunId: "run-dead",
        details: { month, operations: changes.operations.length }
      }
    ])

    // The resume takes over the claim the dead run held at once (its lease has an hour to go).
    const resumed = await link.runs.resume("run-dead")
    expect(resumed.status).toBe("succeeded")
    expect(resumed.run.details).toMatchObject({ resumes: "run-dead", month })
    const report = resumed.report as ApplyReport
    expect(report.counts).toEqual({
      done: changes.operations.length - firstDone.length,
      skipped: firstDone.length,
      failed: 0
    })
    expect(report.operations.map((o) => o.key)).toEqual(changes.operations.map((op) => op.idempotencyKey))
    const journal = await run(stores.journal.list(LINK))
    expect(journal.filter((entry) => entry.status !== "done")).toEqual([])
    expect(journal.find((entry) => entry.opKey === began!.idempotencyKey)?.attempts).toBe(2)
    expect(await link.runs.unfinished()).toEqual([])
    expect((await link.runs.get("run-dead"))?.status).toBe("abandoned")
    const stored = Option.getOrThrow(await run(stores.plans.get(LINK, "run-dead")))
    expect([stored.status, stored.lastRunId, stored.note]).toEqual([
      "finished",
      resumed.runId,
      `finished by run ${resumed.runId}`
    ])

    // Nothing is left to resume, and the link runs again.
    const again = await rejection(link.runs.resume("run-dead"))
    expect(again.reason).toMatchObject({ _tag: "InvalidInput", record: "UnfinishedRun", field: "runId" })
    const next = await link.reconciliation.apply(planned)
    expect(next.status).toBe("succeeded")
    expect(next.report?.counts).toEqual({ done: 0, skipped: changes.operations.length, failed: 0 })
    expect(await link.runs.unfinished()).toEqual([])
  })

  it("abandons a dead run's plan on request, after which the link plans again", async () => {
    const { link, storage: stores, box, planned, month } = await open()
    const at = DateTime.makeUnsafe(box.clock.now())
    await deadRun(stores, at, "run-dead", planned.plan, month)
    expect((await rejection(link.reconciliation.apply(planned))).reason._tag).toBe("UnfinishedRun")
    expect((await rejection(link.run(Jobs.apply, {}))).reason._tag).toBe("UnfinishedRun")

    expect(await link.runs.abandon("run-dead", { reason: "the month was planned again" })).toBe(true)
    expect(await link.runs.abandon("run-dead")).toBe(false)
    expect(await link.runs.unfinished()).toEqual([])
    const dead = await link.runs.get("run-dead")
    expect(dead?.status).toBe("abandoned")
    expect(dead?.summary).toContain("the month was planned again")
    const stored = Option.getOrThrow(await run(stores.plans.get(LINK, "run-dead")))
    expect([stored.status, stored.note]).toEqual(["abandoned", "the month was planned again"])

    const applied = await link.reconciliation.apply(planned)
    expect(applied.status).toBe("succeeded")
    expect(applied.report?.counts.failed).toBe(0)
    expect(await link.runs.unfinished()).toEqual([])
  })

  it("treats an open plan whose run still holds the link as busy, not unfinished, and never abandons it", async () => {
    const { link, storage: stores, box, planned, month } = await open()
    const at = DateTime.makeUnsafe(box.clock.now())
    await deadRun(stores, at, "run-live", planned.plan, month)
    const now = DateTime.makeUnsafe(Date.now())
    const lease = await run(
      stores.leases.acquire(LINK, {
        runId: "run-live",
        job: Jobs.apply,
        at: now,
        until: DateTime.add(now, { hours: 1 })
      })
    )
    expect(lease._tag).toBe("Acquired")

    expect((await rejection(link.reconciliation.apply(planned))).reason).toMatchObject({
      _tag: "Busy",
      holder: "run-live"
    })
    expect((await rejection(link.runs.abandon("run-live"))).reason).toMatchObject({ _tag: "Busy", holder: "run-live" })
    expect((await rejection(link.runs.resume("run-live"))).reason).toMatchObject({ _tag: "Busy", holder: "run-live" })
    expect((await link.runs.unfinished()).map((r) => r.runId)).toEqual(["run-live"])
    expect((await link.runs.get("run-live"))?.status).toBe("running")
  })
})
