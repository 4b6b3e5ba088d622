// Excluding rows from the grid: "always ignore this product / customer" remembered on the link
// (GET/POST/DELETE /links/{linkId}/exclusions), "this month only" in the month's draft, both shown
// as the row state `excluded` with why, and both left out of the plan; against the sandbox world.
import { Effect, Option } from "effect"
import { describe, expect, it } from "vitest"
import { decodeLoadedMonth } from "../src/internal/loadedMonths.ts"
import { client, connectedLink, openWorld, until } from "./support.ts"

interface Entry {
  state: string
  stateIfIncluded?: string
  row: { key: string; origin: string; product: { key: string }; customer: { key: string } }
  excluded?: Record<string, unknown>
}

const loaded = async () => {
  const w = await openWorld()
  await connectedLink(w)
  const fin = client(w.server)
  await fin.signIn("fin")
  const vic = client(w.server)
  await vic.signIn("vic")
  const month = (await fin.get("/links/acme/months")).body.months[0] as string
  const path = `/links/acme/months/${month}`
  await fin.post(`${path}/load`)
  await until(async () => (await fin.get(path)).body.state === "ready", "the month")
  const grid = async (query = ""): Promise<{ rows: Array<Entry>; counts: Record<string, number>; total: number }> =>
    (await fin.get(`${path}/grid?limit=1000${query}`)).body
  return { w, fin, vic, month, path, grid }
}

/** The row keys the plan's operations touch. */
const plannedRows = (plan: { operations: Array<{ rowKeys: Array<string> }> }) =>
  new Set(plan.operations.flatMap((op) => op.rowKeys))

describe("exclusions over HTTP", () => {
  it("always ignores a product: listed, shown as excluded with why at once, left out of the plan, then forgotten", async () => {
    const { fin, vic, path, grid } = await loaded()
    const before = await grid()
    const all = Object.fromEntries(before.rows.map((r) => [r.row.key, { approve: "all" }]))
    expect((await fin.put(`${path}/draft`, { version: 0, decisions: all })).status).toBe(200)
    const planned = plannedRows((await fin.post(`${path}/plan`)).body.plan)
    // A product whose rows the approved plan changes.
    const target = before.rows.find((r) => r.row.origin === "invoice" && planned.has(r.row.key))
    expect(target).toBeDefined()
    const productKey = target?.row.product.key as string
    const covered = before.rows.filter((r) => r.row.origin === "invoice" && r.row.product.key === productKey)

    const remembered = await fin.post("/links/acme/exclusions", {
      kind: "product",
      key: productKey,
      reason: "shipping is not an agreement addition",
      label: "SHIP Shipping"
    })
    expect(remembered.status).toBe(201)
    expect(remembered.body).toMatchObject({
      kind: "product",
      key: productKey,
      reason: "shipping is not an agreement addition",
      label: "SHIP Shipping",
      createdBy: "fin"
    })
    expect(remembered.body.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T/)
    expect((await vic.get("/links/acme/exclusions")).body).toEqual([remembered.body])
    expect((await vic.get("/links/acme/exclusions?kind=customer")).body).toEqual([])

    // The loaded month shows it at once: state `excluded`, with the exclusion.
    const excluded = await grid("&state=excluded")
    expect(excluded.rows.map((r) => r.row.key).sort()).toEqual(covered.map((r) => r.row.key).sort())
    expect(excluded.rows[0]?.excluded).toEqual({
      scope: "always",
      kind: "product",
      key: productKey,
      reason: "shipping is not an agreement addition",
      by: "fin",
      at: remembered.body.createdAt
    })
    expect((await grid()).counts.excluded).toBe(covered.length)
    // …and the plan leaves its rows out.
    const without = plannedRows((await fin.post(`${path}/plan`)).body.plan)
    for (const r of covered) expect(without.has(r.row.key)).toBe(false)
    expect(without.size).toBeGreaterThan(0)

    // Stop ignoring: the rows are back in the grid and the plan.
    expect((await vic.del(`/links/acme/exclusions/product/${encodeURIComponent(productKey)}`)).status).toBe(403)
    const forgotten = await fin.del(`/links/acme/exclusions/product/${encodeURIComponent(productKey)}`)
    expect(forgotten.body).toEqual({ removed: true })
    expect((await fin.del(`/links/acme/exclusions/product/${encodeURIComponent(productKey)}`)).body).toEqual({
      removed: false
    })
    expect((await grid("&state=excluded")).total).toBe(0)
    expect(plannedRows((await fin.post(`${path}/plan`)).body.plan).has(target?.row.key as string)).toBe(true)
    const actions = (await fin.get("/links/acme/approvals")).body.map((a: { action: string }) => a.action)
    expect(actions).toEqual(expect.arrayContaining(["exclusion.remember", "exclusion.forget"]))
  })

  it("shows a row the month's draft leaves out as excluded this month only, with the reason given", async () => {
    const { fin, path, grid } = await loaded()
    const [first] = (await grid()).rows
    const key = first?.row.key as string
    const draft = { [key]: { exclude: true, excludeReason: "credit note follows" } }
    expect((await fin.put(`${path}/draft`, { version: 0, decisions: draft })).status).toBe(200)
    const excluded = await grid("&state=excluded")
    // With the state it had before, so a client taking the exclusion back knows where the row goes.
    expect(excluded.rows.map((r) => [r.row.key, r.state, r.excluded, r.stateIfIncluded])).toEqual([
      [key, "excluded", { scope: "month", reason: "credit note follows" }, first?.state]
    ])
    expect((await fin.get("/links/acme/exclusions")).body).toEqual([])
  })

  it("refuses a viewer's writes (403) and bad input (400 naming the field); keys may hold a slash", async () => {
    const { fin, vic } = await loaded()
    const ok = { kind: "customer", key: "ACC/10 01", reason: "internal account" }
    const viewer = await vic.post("/links/acme/exclusions", ok)
    expect([viewer.status, viewer.body.error.code]).toEqual([403, "Forbidden"])
    const field = async (body: unknown) => {
      const r = await fin.post("/links/acme/exclusions", body)
      return [r.status, r.body.error?.code, r.body.error?.field]
    }
    expect(await field({ ...ok, kind: "agreement" })).toEqual([400, "InvalidInput", "kind"])
    expect(await field({ ...ok, key: "" })).toEqual([400, "InvalidInput", "key"])
    expect(await field({ ...ok, key: "   " })).toEqual([400, "InvalidInput", "key"])
    expect(await field({ ...ok, reason: " " })).toEqual([400, "InvalidInput", "reason"])
    expect(await field({ kind: "customer", key: "x" })).toEqual([400, "InvalidInput", "reason"])
    const badKind = await fin.del("/links/acme/exclusions/agreement/x")
    expect([badKind.status, badKind.body.error.field]).toEqual([400, "path.kind"])
    expect((await fin.get("/links/acme/exclusions?kind=agreement")).body.error.field).toBe("query.kind")
    expect((await fin.get("/links/acme/exclusions")).body).toEqual([])

    expect((await fin.post("/links/acme/exclusions", ok)).status).toBe(201)
    expect((await fin.get("/links/acme/exclusions")).body.map((e: { key: string }) => e.key)).toEqual(["ACC/10 01"])
    expect((await fin.del(`/links/acme/exclusions/customer/${encodeURIComponent(ok.key)}`)).body).toEqual({
      removed: true
    })
  })

  it("keeps a load's exclusions and excluded lines in the stored month", async () => {
    const { w, fin, month, path, grid } = await loaded()
    const [first] = (await grid()).rows.filter((r) => r.row.origin === "invoice")
    const customerKey = first?.row.customer.key as string
    await fin.post("/links/acme/exclusions", { kind: "customer", key: customerKey, reason: "intercompany" })
    await fin.post(`${path}/load`)
    await until(async () => (await fin.get(path)).body.state === "ready", "the second load")
    const stored = Option.getOrThrow(await Effect.runPromise(w.storage.loadedMonths.get("acme", month)))
    const read = await decodeLoadedMonth(stored.document, "acme")
    expect(read.exclusions?.map((e) => [e.kind, e.key, e.reason])).toEqual([["customer", customerKey, "intercompany"]])
    const lines = read.lines.filter((l) => l.customer.key === customerKey).map((l) => l.id)
    expect(lines.length).toBeGreaterThan(0)
    expect(read.excluded?.map((e) => e.lineId).sort()).toEqual(lines.sort())
    expect(read.excluded?.[0]?.exclusion.reason).toBe("intercompany")
  })
})
