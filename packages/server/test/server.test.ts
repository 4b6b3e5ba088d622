import { describe, expect, it } from "vitest"
import { addUsers, client, openWorld, until } from "./support.ts"

describe("server: sign-in, links, the grid, decisions, apply", () => {
  it("signs in, lists links by grant, loads a month, pages the grid, saves drafts, plans and applies", async () => {
    const w = await openWorld()
    await addUsers(w.storage)
    const ann = client(w.server)
    expect((await ann.get("/session")).status).toBe(401)
    const signed = await ann.signIn("ann")
    expect(signed.status).toBe(200)
    expect(signed.body).toMatchObject({ user: "ann", role: "admin", links: "all" })
    const cookie = signed.headers.get("set-cookie") ?? ""
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Strict/)
    expect(cookie).not.toMatch(/Secure/) // localhost
    const created = await ann.post("/links", { id: "acme", config: w.config("Acme") })
    expect(created.status).toBe(201)
    expect(created.body.config.connectwise.privateKey).toMatchObject({ set: true })
    expect((await ann.post("/links", { id: "other", config: w.config("Other") })).status).toBe(201)
    const connect = await ann.post("/links/acme/exact/connect", { returnTo: "/links/acme" })
    expect(connect.status).toBe(200)
    const callback = await ann.get(`/oauth/exact/callback${await w.consent(connect.body.url)}`)
    expect(callback.status).toBe(303)
    expect(callback.headers.get("location")).toBe("/links/acme")

    const fin = client(w.server)
    await fin.signIn("fin")
    expect((await fin.get("/links")).body.map((l: { id: string }) => l.id)).toEqual(["acme"])
    expect((await fin.get("/links/other")).status).toBe(404)
    const months = await fin.get("/links/acme/months")
    expect(months.status).toBe(200)
    const month = months.body.months[0] as string
    const load = await fin.post(`/links/acme/months/${month}/load`)
    expect(load.status).toBe(202)
    await until(async () => (await fin.get(`/links/acme/months/${month}`)).body.state === "ready", "the month")
    const page = await fin.get(`/links/acme/months/${month}/grid?limit=5`)
    expect(page.status).toBe(200)
    expect(page.body.rows.length).toBeLessThanOrEqual(5)
    expect(page.body.total).toBeGreaterThan(0)
    const row = page.body.rows[0].row
    expect(typeof row.quantity).toBe("string")

    const draft = await fin.get(`/links/acme/months/${month}/draft`)
    expect(draft.body.version).toBe(0)
    const saved = await fin.put(`/links/acme/months/${month}/draft`, {
      version: 0,
      decisions: { [row.key]: { approve: "all" } }
    })
    expect(saved.status).toBe(200)
    expect(saved.body.version).toBe(1)
    const stale = await ann.put(`/links/acme/months/${month}/draft`, { version: 0, decisions: {} })
    expect(stale.status).toBe(409)
    expect(stale.body.error.code).toBe("VersionConflict")

    const plan = await fin.post(`/links/acme/months/${month}/plan`)
    expect(plan.status).toBe(200)
    expect(plan.body.draftVersion).toBe(1)
    const applied = await fin.post(`/links/acme/months/${month}/apply`, { version: 1 })
    expect(applied.status).toBe(202)
    const runId = applied.body.runId as string
    await until(async () => (await fin.get(`/links/acme/runs/${runId}`)).body.status !== "running", "the run")
    const log = await fin.get(`/links/acme/runs/${runId}/log`)
    expect(log.status).toBe(200)
    expect(log.body.entries.length).toBeGreaterThan(0)
    const text = await fin.get(`/links/acme/runs/${runId}/log.txt`)
    expect(text.headers.get("content-disposition")).toContain("attachment")
    await until(
      async () =>
        (await fin.get("/links/acme/approvals")).body.some(
          (a: { action: string }) => a.action === "reconciliation.apply"
        ),
      "the approval"
    )
    const approvals = (await fin.get("/links/acme/approvals")).body
    expect(approvals.map((a: { action: string; actor: string }) => [a.action, a.actor])).toEqual([
      ["reconciliation.apply", "fin"],
      ["decisions.save", "fin"]
    ])
  })
})
