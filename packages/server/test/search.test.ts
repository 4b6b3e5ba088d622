import { describe, expect, it } from "vitest"
import { client, connectedLink, openWorld, until } from "./support.ts"

type Answer = {
  source: string
  more: boolean
  hits: Array<{ id: number; name: string; detail?: string }>
}

describe("type-ahead over ConnectWise records", () => {
  it("finds any company, product or agreement by part of its name: from the loaded month when it fills the page, else from ConnectWise", async () => {
    const w = await openWorld()
    await connectedLink(w)
    const fin = client(w.server)
    await fin.signIn("fin")
    const cw = w.sandbox.connectwise
    const companies = cw.store.all("companies") as Array<{ id: number; name: string; identifier: string }>
    const company = companies[companies.length - 1]
    if (company === undefined) throw new Error("the world has no companies")
    // Part of the name, in another case: a person types what they remember.
    const part = company.name.slice(1, 6).toUpperCase()

    const before = cw.requests.count("GET", "/company/companies")
    const found = await fin.get(`/links/acme/lookups/companies?q=${encodeURIComponent(part)}`)
    expect(found.status).toBe(200)
    const answer = found.body as Answer
    expect(answer.source).toBe("connectwise")
    expect(answer.hits.map((h) => h.id)).toContain(company.id)
    expect(answer.hits.find((h) => h.id === company.id)).toEqual({
      id: company.id,
      name: company.name,
      detail: company.identifier
    })
    for (const hit of answer.hits) expect(`${hit.name} ${hit.detail ?? ""}`.toLowerCase()).toContain(part.toLowerCase())
    expect(cw.requests.count("GET", "/company/companies")).toBe(before + 1)

    // Paged: two pages of one are two different companies, the first saying more follow.
    const first = (await fin.get("/links/acme/lookups/companies?limit=1")).body as Answer
    const second = (await fin.get("/links/acme/lookups/companies?limit=1&offset=1")).body as Answer
    expect(first.more).toBe(true)
    expect(first.hits).toHaveLength(1)
    expect(second.hits[0]?.id).not.toBe(first.hits[0]?.id)

    // Quotes and the conditions language in what is typed are text, not a query.
    const odd = await fin.get(`/links/acme/lookups/companies?q=${encodeURIComponent('" or id > 0 or name = "')}`)
    expect(odd.status).toBe(200)
    expect((odd.body as Answer).hits).toEqual([])

    // With the month loaded, a page its records fill costs no ConnectWise call.
    const month = (await fin.get("/links/acme/months")).body.months[0] as string
    await fin.post(`/links/acme/months/${month}/load`)
    await until(async () => (await fin.get(`/links/acme/months/${month}`)).body.state === "ready", "the month")
    const calls = cw.requests.total()
    const fast = (await fin.get(`/links/acme/lookups/companies?month=${month}&limit=2`)).body as Answer
    expect(fast.source).toBe("snapshot")
    expect(fast.hits).toHaveLength(2)
    expect(cw.requests.total()).toBe(calls)

    // Agreements of one company only; products by identifier or description.
    const agreements = cw.store.all("agreements") as Array<{ id: number; company: { id: number } }>
    const owner = agreements[0]?.company.id ?? 0
    const ofOwnerReply = await fin.get(`/links/acme/lookups/agreements?companyId=${owner}&limit=100`)
    expect(ofOwnerReply.text).toContain("hits")
    const ofOwner = ofOwnerReply.body as Answer
    expect(ofOwner.hits.map((h) => h.id).sort()).toEqual(
      agreements
        .filter((a) => a.company.id === owner)
        .map((a) => a.id)
        .sort()
    )
    const products = cw.store.all("catalogItems") as Array<{ id: number; identifier: string; inactiveFlag?: boolean }>
    const product = products.find((p) => p.inactiveFlag !== true)
    if (product === undefined) throw new Error("the world has no active products")
    const byCode = (await fin.get(`/links/acme/lookups/products?q=${encodeURIComponent(product.identifier)}`))
      .body as Answer
    expect(byCode.hits.map((h) => h.id)).toContain(product.id)

    // A viewer does not search (it costs ConnectWise calls); an unknown kind is refused.
    const vic = client(w.server)
    await vic.signIn("vic")
    expect((await vic.get("/links/acme/lookups/companies?q=a")).status).toBe(403)
    expect((await fin.get("/links/acme/lookups/invoices?q=a")).status).toBe(400)
  })
})
