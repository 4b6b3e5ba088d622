import { Run } from "@psa-ledger/reconcile-core"
import { DateTime, Effect, Option } from "effect"
import { describe, expect, it } from "vitest"
import { createServer } from "../src/index.ts"
import { addUsers, client, connectedLink, openWorld, PASSWORD, until } from "./support.ts"

const connected = async () => {
  const w = await openWorld()
  const ann = await connectedLink(w)
  return { w, ann }
}

describe("server routes", () => {
  it("manages users and grants; a new password or a disabled account ends the user's sessions", async () => {
    const { w, ann } = await connected()
    const created = await ann.post("/users", { username: "zoe", role: "viewer", password: PASSWORD, links: ["acme"] })
    expect(created.status).toBe(201)
    expect(created.body).toEqual({
      username: "zoe",
      displayName: "zoe",
      role: "viewer",
      allLinks: false,
      links: ["acme"],
      disabled: false,
      version: 1
    })
    expect(JSON.stringify(created.body)).not.toContain("scrypt")
    expect((await ann.post("/users", { username: "zoe", role: "viewer", password: PASSWORD })).status).toBe(409)
    expect((await ann.get("/users")).body.map((u: { username: string }) => u.username)).toEqual([
      "ann",
      "fin",
      "oth",
      "vic",
      "zoe"
    ])
    const zoe = client(w.server)
    expect((await zoe.signIn("zoe")).status).toBe(200)
    const stale = await ann.put("/users/zoe", { version: 0, role: "finance" })
    expect([stale.status, stale.body.error.code]).toEqual([409, "VersionConflict"])
    const promoted = await ann.put("/users/zoe", { version: 1, role: "finance", password: "a brand new password" })
    expect(promoted.body).toMatchObject({ role: "finance", version: 2 })
    expect((await zoe.get("/session")).status).toBe(401)
    expect((await zoe.signIn("zoe", "a brand new password")).body.role).toBe("finance")
    expect((await ann.put("/users/zoe", { version: 2, disabled: true })).status).toBe(200)
    expect((await zoe.get("/session")).status).toBe(401)
    expect((await zoe.signIn("zoe", "a brand new password")).status).toBe(401)
    expect((await ann.del("/users/zoe")).body).toEqual({ removed: true })
    expect((await ann.put("/users/zoe", { version: 3 })).status).toBe(404)
  })

  it("gets, updates with a version, tests, audits and removes links", async () => {
    const { w, ann } = await connected()
    const link = await ann.get("/links/acme")
    expect(link.body.version).toBe(1)
    expect(link.body.config.exact.clientSecret).toMatchObject({ set: true })
    const { privateKey: _p, ...connectwise } = w.config("Acme").connectwise
    const { clientSecret: _c, ...exact } = w.config("Acme").exact
    const config = { ...w.config("Acme Europe"), connectwise, exact }
    const updated = await ann.put("/links/acme", { version: 1, config })
    expect([updated.status, updated.body.version, updated.body.config.name]).toEqual([200, 2, "Acme Europe"])
    const stale = await ann.put("/links/acme", { version: 1, config })
    expect([stale.status, stale.body.error.code]).toEqual([409, "VersionConflict"])
    const tested = await ann.post("/links/acme/test")
    expect(tested.status).toBe(200)
    expect(tested.body.connectwise).toMatchObject({ ok: true })
    const audit = await ann.get("/links/acme/audit")
    expect(audit.body.map((e: { action: string; actor: string }) => [e.action, e.actor])).toContainEqual([
      "link.update",
      "ann"
    ])
    const listed = await ann.get("/links")
    expect(listed.body[0]).toMatchObject({ id: "acme", name: "Acme Europe", version: 2 })
    expect((await ann.del("/links/acme")).body).toEqual({ removed: true })
    expect((await ann.get("/links/acme")).status).toBe(404)
  })

  it("previews and runs a transfer, syncs payments, and lists runs and mappings", async () => {
    const { w } = await connected()
    const fin = client(w.server)
    await fin.signIn("fin")
    const month = (await fin.get("/links/acme/months")).body.months[0] as string
    const [year, mm] = month.split("-").map(Number) as [number, number]
    const last = new Date(Date.UTC(year, mm, 0)).toISOString().slice(0, 10)
    const range = { from: `${month}-01`, to: last }
    const preview = await fin.post("/links/acme/transfer/preview", range)
    expect(preview.status).toBe(200)
    const bad = await fin.post("/links/acme/transfer/preview", { from: "March", to: last })
    expect(bad.status).toBe(400)
    const run = await fin.post("/links/acme/transfer/run", range)
    expect(run.status).toBe(202)
    await until(async () => (await fin.get(`/links/acme/runs/${run.body.runId}`)).body.status !== "running", "the run")
    const runs = await fin.get("/links/acme/runs?limit=10")
    expect(runs.body.map((r: { id: string }) => r.id)).toContain(run.body.runId)
    expect(runs.body[0].startedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/)
    expect((await fin.get("/links/acme/runs/nope")).status).toBe(404)
    // The run's result per invoice, as the run kept it; none for a run that is not a transfer.
    const result = await fin.get(`/links/acme/transfer/runs/${run.body.runId}`)
    expect(result.status).toBe(200)
    expect(result.body.runId).toBe(run.body.runId)
    const finished = (await fin.get(`/links/acme/runs/${run.body.runId}`)).body
    const created = result.body.invoices.filter((i: { status: string }) => i.status === "created").length
    expect(created).toBe(result.body.counts.created)
    expect(finished.counts.done).toBe(result.body.counts.created + result.body.counts.processed)
    expect(result.body.invoices.length).toBeGreaterThan(0)
    expect((await fin.get("/links/acme/transfer/runs/nope")).status).toBe(404)

    await fin.post(`/links/acme/months/${month}/load`)
    await until(async () => (await fin.get(`/links/acme/months/${month}`)).body.state === "ready", "the month")
    const all = await fin.get(`/links/acme/months/${month}/grid?limit=1000`)
    const counts = all.body.counts as Record<string, number>
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(all.body.total)
    const [state] = Object.keys(counts)
    const filtered = await fin.get(`/links/acme/months/${month}/grid?state=${state}`)
    expect(filtered.body.total).toBe(counts[state ?? ""])
    const name = all.body.rows[0].row.customer.name as string
    const searched = await fin.get(`/links/acme/months/${month}/grid?q=${encodeURIComponent(name.slice(0, 5))}`)
    expect(
      searched.body.rows.every((r: { row: { customer: { name: string } } }) =>
        JSON.stringify(r).toLowerCase().includes(name.slice(0, 5).toLowerCase())
      )
    ).toBe(true)

    const ref = { kind: "customer", sourceKey: "manual-test" }
    const set = await fin.put("/links/acme/mappings", { ref, targetId: 42 })
    expect(set.body).toMatchObject({ kind: "customer", sourceKey: "manual-test", targetId: 42, method: "manual" })
    const mappings = await fin.get("/links/acme/mappings?kind=customer")
    expect(mappings.body.some((m: { sourceKey: string }) => m.sourceKey === "manual-test")).toBe(true)
    expect((await fin.post("/links/acme/mappings/remove", { ref })).body).toEqual({ removed: true })
    const approvals = (await fin.get("/links/acme/approvals")).body.map((a: { action: string }) => a.action)
    expect(approvals).toEqual(expect.arrayContaining(["mapping.set", "mapping.remove", "transfer.run"]))
  })

  it("takes the host's own authentication when embedded", async () => {
    const w = await openWorld()
    const server = createServer({
      deployment: w.deployment,
      auth: {
        kind: "host",
        authenticate: (request) =>
          request.headers.get("x-host-user") === "portal-user"
            ? { user: "portal-user", role: "viewer", links: ["acme"] }
            : undefined
      }
    })
    const anonymous = await server.fetch(new Request("http://portal.example/api/v1/session"))
    expect(anonymous.status).toBe(401)
    const me = await server.fetch(
      new Request("http://portal.example/api/v1/session", { headers: { "x-host-user": "portal-user" } })
    )
    expect(await me.json()).toEqual({ user: "portal-user", role: "viewer", links: ["acme"] })
    const write = await server.fetch(
      new Request("http://portal.example/api/v1/links", {
        method: "POST",
        headers: { "x-host-user": "portal-user", "content-type": "application/json" },
        body: "{}"
      })
    )
    expect(write.status).toBe(403)
    const signIn = await server.fetch(
      new Request("http://portal.example/api/v1/session", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "x", password: "y" })
      })
    )
    expect(signIn.status).toBe(404)
  })

  it("serves the portal's assets outside /api and answers unknown API paths with the error shape", async () => {
    const w = await openWorld()
    const server = createServer({ deployment: w.deployment, assets: () => new Response("<html>portal</html>") })
    expect(await (await server.fetch(new Request("https://ledger.example/links/acme"))).text()).toBe(
      "<html>portal</html>"
    )
    const unknown = await server.fetch(new Request("https://ledger.example/api/v1/nothing"))
    expect([unknown.status, (await unknown.json()).error.code]).toEqual([404, "NotFound"])
    // Outside localhost the session cookie is Secure.
    await addUsers(w.storage)
    const signIn = await server.fetch(
      new Request("https://ledger.example/api/v1/session", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "ann", password: PASSWORD })
      })
    )
    expect(signIn.headers.get("set-cookie")).toMatch(/; Secure/)
  })

  it("refuses a run while another process's stored run of the link is going, and a replayed OAuth state", async () => {
    const { w, ann } = await connected()
    const fin = client(w.server)
    await fin.signIn("fin")
    // Another process's run: only its stored row is visible here.
    await Effect.runPromise(
      w.storage.runs.create(
        "acme",
        new Run({
          id: "run-elsewhere",
          job: "transfer.run",
          trigger: "manual",
          status: "running",
          startedAt: DateTime.makeUnsafe(w.clock.now()),
          counts: {}
        })
      )
    )
    const busy = await fin.post("/links/acme/transfer/payments")
    expect([busy.status, busy.body.error.code, busy.body.error.details]).toEqual([
      409,
      "Busy",
      { job: "transfer.run", runId: "run-elsewhere" }
    ])
    const replay = await ann.get("/oauth/exact/callback?code=abc&state=never-issued")
    expect([replay.status, replay.body.error.code]).toEqual([400, "OAuthRefused"])
  })

  it("closes gracefully: finishes the run it started, then answers 503", async () => {
    const { w } = await connected()
    const fin = client(w.server)
    await fin.signIn("fin")
    const started = await fin.post("/links/acme/transfer/payments")
    expect(started.status).toBe(202)
    await w.server.close()
    const run = await Effect.runPromise(w.storage.runs.get("acme", started.body.runId))
    expect(Option.getOrThrow(run).status).not.toBe("running")
    const after = await fin.get("/session")
    expect([after.status, after.body.error.code, after.headers.get("retry-after")]).toEqual([503, "ShuttingDown", "5"])
  })
})
