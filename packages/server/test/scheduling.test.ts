// The deployment's `scheduling` setting on the server: in `in-process` mode (the default) the server
// runs every enabled schedule itself on its clock, picking up edits without a restart; in `workers`
// mode it runs none. Either way the API shows each link's next runs in the schedule's time zone.
// Several servers on one storage run each occurrence once: it is claimed in storage before it runs.
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { deriveStorageKey } from "@psa-ledger/deployment"
import { createSandbox, createWorld, virtualClock } from "@psa-ledger/sandbox"
import { sqliteStorage } from "@psa-ledger/storage-adapters/sqlite"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { createServer } from "../src/index.ts"
import { addUsers, client, connectedLink, openWorld, until } from "./support.ts"

const at = (iso: string) => Date.parse(iso)

const scheduledRuns = async (w: Awaited<ReturnType<typeof openWorld>>, job: string) =>
  (await Effect.runPromise(w.storage.runs.list("acme", { limit: 50 }))).filter(
    (r) => r.trigger === "schedule" && r.job === job
  )

describe("scheduling on the server", () => {
  it("runs a link's schedule in-process on its clock, takes an edit at the next occurrence, and stops in workers mode", async () => {
    const w = await openWorld()
    await addUsers(w.storage)
    // Planned by hand (`runDueSchedules`) in this test, not by the server's own tick.
    const server = createServer({ deployment: w.deployment, now: () => w.clock.now(), scheduleTickMs: 3_600_000 })
    const ann = client(server)
    await ann.signIn("ann")
    const config = {
      ...w.config("Acme"),
      schedules: [{ job: "transfer.syncPayments", cron: "0 6 * * *", timeZone: "Europe/Amsterdam", enabled: true }]
    }
    const created = await ann.post("/links", { id: "acme", config })
    expect(created.status).toBe(201)
    const connect = await ann.post("/links/acme/exact/connect", {})
    await ann.get(`/oauth/exact/callback${await w.consent(connect.body.url)}`)

    // 2026-04-02 08:00 UTC is 10:00 in Amsterdam (summer time): the next 06:00 there is tomorrow.
    w.clock.advance(at("2026-04-02T08:00:00Z") - w.clock.now())
    const links = await ann.get("/links")
    expect(links.body[0]).toMatchObject({
      id: "acme",
      scheduling: "in-process",
      nextRuns: [
        { job: "transfer.syncPayments", at: "2026-04-03T06:00:00.000+02:00", timeZone: "Europe/Amsterdam" },
        // The keep-alive every link connected to Exact gets, in the deployment's time zone (UTC).
        { job: "exact.keepAlive", at: "2026-04-05T04:17:00.000+00:00", timeZone: "UTC" }
      ]
    })
    const schedules = await ann.get("/links/acme/schedules")
    expect(schedules.body.scheduling).toBe("in-process")
    expect(schedules.body.schedules[0]).toEqual({
      job: "transfer.syncPayments",
      cron: "0 6 * * *",
      timeZone: "Europe/Amsterdam",
      nextRuns: ["2026-04-03T06:00:00.000+02:00", "2026-04-04T06:00:00.000+02:00", "2026-04-05T06:00:00.000+02:00"]
    })
    expect((await ann.get("/links/nobody/schedules")).status).toBe(404)

    // The server plans from now on: nothing before it is owed.
    await server.runDueSchedules()
    expect(await server.runDueSchedules()).toBe(0)
    w.clock.advance(at("2026-04-03T04:30:00Z") - w.clock.now())
    expect(await server.runDueSchedules()).toBe(1)
    await until(
      async () => (await scheduledRuns(w, "transfer.syncPayments")).some((r) => r.status !== "running"),
      "the scheduled payment sync"
    )
    expect(await scheduledRuns(w, "transfer.syncPayments")).toHaveLength(1)

    // Edited to 07:30 through the API: today's 07:30 (05:30 UTC) runs; the old 06:00 would not.
    await ann.signIn("ann") // the clock moved past the session's idle limit
    const current = await ann.get("/links/acme")
    const edited = await ann.put("/links/acme", {
      version: current.body.version,
      config: { ...config, schedules: [{ ...config.schedules[0], cron: "30 7 * * *" }] }
    })
    expect(edited.status).toBe(200)
    w.clock.advance(at("2026-04-03T06:00:00Z") - w.clock.now())
    expect(await server.runDueSchedules()).toBe(1)
    await until(
      async () => (await scheduledRuns(w, "transfer.syncPayments")).filter((r) => r.status !== "running").length === 2,
      "the edited schedule's run"
    )

    // Workers mode, set by an administrator: the server runs nothing, however much time passes.
    await ann.signIn("ann")
    expect((await ann.get("/settings/scheduling")).body).toEqual({ scheduling: "in-process" })
    expect((await ann.put("/settings/scheduling", { scheduling: "cron" })).status).toBe(400)
    expect((await ann.put("/settings/scheduling", { scheduling: "workers" })).body).toEqual({ scheduling: "workers" })
    w.clock.advance(at("2026-04-10T00:00:00Z") - w.clock.now())
    expect(await server.runDueSchedules()).toBe(0)
    await ann.signIn("ann") // a week later: a new session
    expect((await ann.get("/links")).body[0].scheduling).toBe("workers")
    expect(await scheduledRuns(w, "transfer.syncPayments")).toHaveLength(2)
    expect(await scheduledRuns(w, "exact.keepAlive")).toHaveLength(0)

    // Back to in-process: what fell due meanwhile belonged to the workers, nothing is owed.
    expect((await ann.put("/settings/scheduling", { scheduling: "in-process" })).status).toBe(200)
    await server.runDueSchedules()
    w.clock.advance(at("2026-04-10T05:00:00Z") - w.clock.now())
    expect(await server.runDueSchedules()).toBe(0)
    await server.close({ graceMs: 5_000 })
    w.clock.advance(at("2026-04-11T05:00:00Z") - w.clock.now())
    expect(await server.runDueSchedules()).toBe(0)
  })
})

describe("a manual run in workers mode without a queue", () => {
  it("starts in the server (under the link's lease) and answers with its run id", async () => {
    const w = await openWorld()
    const ann = await connectedLink(w)
    await w.deployment.settings.update({ scheduling: "workers" }, { expectedVersion: 0 })
    const started = await ann.post("/links/acme/transfer/payments")
    expect(started.status).toBe(202)
    expect(started.body).toEqual({ runId: expect.any(String) })
    expect((await ann.get(`/links/acme/queued-runs/${crypto.randomUUID()}`)).status).toBe(404)
    await w.server.close({ graceMs: 5_000 })
  })
})

describe("two servers with in-process schedules on one storage", () => {
  it("run each occurrence once: the first to claim it in storage runs it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "psa-schedules-"))
    const secretKey = randomBytes(32).toString("base64")
    const open = () => sqliteStorage({ filename: join(dir, "ledger.db"), encryptionKey: deriveStorageKey(secretKey) })
    // One time line and one outside world for both, as two processes on one machine would have.
    const clock = virtualClock(at("2026-04-02T08:00:00Z"))
    const sandbox = createSandbox({ world: createWorld({ seed: 11, customers: 12, products: 4, months: 2 }), clock })
    const a = await openWorld({ storage: await open(), secretKey, sandbox, clock })
    const b = await openWorld({ storage: await open(), secretKey, sandbox, clock })
    try {
      await addUsers(a.storage)
      const ann = client(a.server)
      await ann.signIn("ann")
      const config = {
        ...a.config("Acme"),
        schedules: [{ job: "transfer.syncPayments", cron: "0 6 * * *", timeZone: "Europe/Amsterdam", enabled: true }]
      }
      expect((await ann.post("/links", { id: "acme", config })).status).toBe(201)
      const connect = await ann.post("/links/acme/exact/connect", {})
      await ann.get(`/oauth/exact/callback${await a.consent(connect.body.url)}`)
      const both = async () => {
        const counts = await Promise.all([a.server.runDueSchedules(), b.server.runDueSchedules()])
        return counts[0] + counts[1]
      }
      const finished = async () =>
        (await scheduledRuns(a, "transfer.syncPayments")).filter((r) => r.status !== "running").length

      // Both plan from now on; then 06:00 in Amsterdam falls due on both, planned at once.
      expect(await both()).toBe(0)
      clock.advance(at("2026-04-03T04:30:00Z") - clock.now())
      expect(await both()).toBe(1)
      await until(async () => (await finished()) === 1, "the scheduled payment sync")
      expect(await both()).toBe(0)
      // The next day's, planned one after the other.
      clock.advance(at("2026-04-04T04:30:00Z") - clock.now())
      expect((await b.server.runDueSchedules()) + (await a.server.runDueSchedules())).toBe(1)
      await until(async () => (await finished()) === 2, "the next day's payment sync")
      expect(await scheduledRuns(a, "transfer.syncPayments")).toHaveLength(2)
    } finally {
      await a.server.close({ graceMs: 5_000 })
      await b.server.close({ graceMs: 5_000 })
      await a.storage.close()
      await b.storage.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
