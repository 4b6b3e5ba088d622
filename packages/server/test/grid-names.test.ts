import { describe, expect, it } from "vitest"
import { connectedLink, openWorld, until } from "./support.ts"

describe("grid names", () => {
  it("sends the ConnectWise names of the companies, products and agreements the page's rows link", async () => {
    const w = await openWorld()
    const ann = await connectedLink(w)
    const month = (await ann.get("/links/acme/months")).body.months[0] as string
    await ann.post(`/links/acme/months/${month}/load`)
    await until(async () => (await ann.get(`/links/acme/months/${month}`)).body.state === "ready", "the month")

    const page = await ann.get(`/links/acme/months/${month}/grid?limit=1000`)
    expect(page.status).toBe(200)
    const cw = w.world.connectwise
    const companies = new Map(cw.companies.map((c) => [c.id, c.name]))
    const agreements = new Map(cw.agreements.map((a) => [a.id, a.name]))
    const items = new Map(cw.catalogItems.map((p) => [p.id, p]))
    type Res = { _tag: string; targetId?: number; candidates?: Array<{ targetId: number }> }
    const linked = (r: Res) => (r._tag === "Mapped" || r._tag === "Matched" ? r.targetId : undefined)
    let checked = { companies: 0, products: 0, agreements: 0 }
    for (const { row } of page.body.rows as Array<{ row: Record<string, Res> }>) {
      const company = linked(row.customerResolution as Res)
      if (company !== undefined) {
        expect(page.body.names.companies[String(company)]).toBe(companies.get(company))
        checked = { ...checked, companies: checked.companies + 1 }
      }
      const agreement = linked(row.agreementResolution as Res)
      if (agreement !== undefined) {
        expect(page.body.names.agreements[String(agreement)]).toBe(agreements.get(agreement))
        checked = { ...checked, agreements: checked.agreements + 1 }
      }
      const product = linked(row.productResolution as Res)
      if (product !== undefined) {
        const item = items.get(product)
        expect(page.body.names.products[String(product)]).toContain(item?.identifier)
        checked = { ...checked, products: checked.products + 1 }
      }
      for (const c of (row.customerResolution as Res).candidates ?? []) {
        expect(page.body.names.companies[String(c.targetId)]).toBe(companies.get(c.targetId))
      }
    }
    // The world links most rows with certainty: every kind was checked.
    expect(checked.companies).toBeGreaterThan(0)
    expect(checked.products).toBeGreaterThan(0)
    expect(checked.agreements).toBeGreaterThan(0)

    // A page carries the names of its own rows only.
    const small = await ann.get(`/links/acme/months/${month}/grid?limit=1`)
    const [only] = small.body.rows as Array<{ row: Record<string, Res> }>
    const customer = only?.row.customerResolution as Res
    const own = linked(customer)
    expect(Object.keys(small.body.names.companies).length).toBeLessThanOrEqual(1 + (customer.candidates?.length ?? 0))
    if (own !== undefined) expect(small.body.names.companies[String(own)]).toBe(companies.get(own))
  })
})
