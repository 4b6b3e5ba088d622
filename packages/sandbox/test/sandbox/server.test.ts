// The sandbox server over real HTTP, answering the project's two real clients end to end. The clients
// are imported by name without being declared as devDependencies: they devDepend on the sandbox, and
// declaring the reverse makes a cycle that turbo refuses to build.
import { conditions, createConnectWiseClient, patch } from "@psa-ledger/connectwise-client"
import { createExactClient, memoryTokenStore, odata } from "@psa-ledger/exact-client"
import { BigDecimal } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createWorld, type SandboxServer, startSandboxServer, virtualClock } from "../../src/index.ts"

// 1,050 customers: more than one 1,000-row page of ConnectWise companies; two months keep it quick.
const world = createWorld({ seed: 11, customers: 1050, products: 10, months: 2 })
const clock = virtualClock(Date.UTC(2026, 1, 2, 8))
let server: SandboxServer

beforeAll(async () => {
  server = await startSandboxServer({ world, clock })
})
afterAll(() => server.close())

const cwClient = () =>
  createConnectWiseClient({
    baseUrl: server.baseUrls.connectwise,
    companyId: server.credentials.connectwise.companyId,
    publicKey: server.credentials.connectwise.publicKey,
    privateKey: server.credentials.connectwise.privateKey,
    clientId: server.credentials.connectwise.clientId,
    sleep: (ms) => clock.sleep(ms),
    now: () => clock.now()
  })

const exactClient = () =>
  createExactClient({
    baseUrl: server.baseUrls.exact,
    clientId: server.credentials.exact.clientId,
    clientSecret: server.credentials.exact.clientSecret,
    redirectUri: server.credentials.exact.redirectUri,
    division: server.credentials.exact.division,
    tokens: memoryTokenStore(),
    clock
  })

describe("startSandboxServer", () => {
  it("serves both systems on 127.0.0.1 under their own prefixes and describes itself", async () => {
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(server.baseUrls).toEqual({
      connectwise: `${server.origin}/connectwise/v2026_1/apis/3.0`,
      connectwiseSite: `${server.origin}/connectwise`,
      exact: `${server.origin}/exact`,
      control: `${server.origin}/sandbox`
    })
    const info = (await (await fetch(server.baseUrls.control)).json()) as Record<string, unknown>
    expect(info).toMatchObject({ world: { seed: 11, customers: 1050 }, urls: server.baseUrls })
    const login = await fetch(`${server.baseUrls.connectwiseSite}/login/companyinfo/psaledger`)
    expect(await login.json()).toMatchObject({ Codebase: "v2026_1/" })
    expect((await fetch(`${server.origin}/elsewhere`)).status).toBe(404)
  })

  it("runs Exact OAuth end to end: authorize → code → token → refresh on the shared virtual clock", async () => {
    const exact = exactClient()
    const authorizeUrl = new URL(exact.auth.authorizeUrl({ state: "e2e" }))
    const consentPage = await fetch(authorizeUrl)
    expect(consentPage.status).toBe(200)
    expect(await consentPage.text()).toContain(`value="${server.credentials.exact.division}"`)
    // The user grants access to the division on the consent page.
    const consent = await fetch(`${authorizeUrl.origin}${authorizeUrl.pathname}`, {
      method: "POST",
      body: new URLSearchParams({
        ...Object.fromEntries(authorizeUrl.searchParams),
        division: String(server.credentials.exact.division)
      }),
      redirect: "manual"
    })
    expect(consent.status).toBe(302)
    const landing = new URL(consent.headers.get("location") ?? "")
    expect(`${landing.origin}${landing.pathname}`).toBe(server.credentials.exact.redirectUri)
    expect(landing.searchParams.get("state")).toBe("e2e")
    await exact.auth.exchangeCode(landing.searchParams.get("code") ?? "")
    const before = server.exact.stats
    expect(await exact.division()).toBe(server.credentials.exact.division)
    clock.advance(600_000) // the access token's ten minutes pass in no time
    await exact.listAll("financial/Journals")
    const after = server.exact.stats
    expect(after.codeExchanges - before.codeExchanges).toBe(0)
    expect(after.refreshes - before.refreshes).toBe(1)
    expect(after.brokenChains).toBe(0)
    // The landing page on the server shows the code too, for people following the redirect in a browser.
    const page = await fetch(landing)
    expect(await page.json()).toMatchObject({ state: "e2e" })
  })

  it("hands out an authorization code without a browser", async () => {
    const response = await fetch(`${server.baseUrls.control}/exact/authorization-code`, { method: "POST" })
    const { code } = (await response.json()) as { code: string }
    const exact = exactClient()
    await exact.auth.exchangeCode(code)
    expect((await exact.auth.status()).authorised).toBe(true)
  })

  it("pages Exact's bulk sales lines 1,000 rows at a time, exactly the world's lines and digits", async () => {
    const exact = exactClient()
    await exact.auth.exchangeCode(server.authorizationCode())
    const key = "GET bulk/SalesInvoice/SalesInvoiceLines"
    const calls = server.exact.requestCount(key)
    const lines = await exact.listAll("salesinvoice/SalesInvoiceLines", {
      bulk: true,
      select: ["ID", "InvoiceID", "ItemCode", "Quantity", "NetPrice", "AmountFC", "CostPriceFC"]
    })
    const expected = world.exact.salesInvoices.flatMap((invoice) => invoice.SalesInvoiceLines)
    expect(expected.length).toBeGreaterThan(10_000)
    expect(lines).toHaveLength(expected.length)
    expect(server.exact.requestCount(key) - calls).toBe(Math.ceil(expected.length / 1000))
    const byId = new Map(lines.map((line) => [String(line.ID), line]))
    for (const want of [expected[0]!, expected[4321]!, expected.at(-1)!]) {
      const got = byId.get(want.ID)!
      expect(String(got.Quantity)).toBe(want.Quantity)
      expect(String(got.NetPrice)).toBe(want.NetPrice)
      expect(String(got.AmountFC)).toBe(want.AmountFC)
      expect(String(got.CostPriceFC)).toBe(want.CostPriceFC)
    }
  })

  it("matches an Exact Code filter with its leading spaces", async () => {
    const exact = exactClient()
    await exact.auth.exchangeCode(server.authorizationCode())
    const account = world.exact.accounts[17]!
    expect(account.Code).toMatch(/^ +\d+$/)
    const found = await exact.listAll("crm/Accounts", { filter: odata.eq("Code", account.Code) })
    expect(found.map((a) => [a.ID, a.Code, a.Name])).toEqual([[account.ID, account.Code, account.Name]])
    expect(await exact.listAll("crm/Accounts", { filter: odata.eq("Code", account.Code.trim()) })).toEqual([])
  })

  it("creates a sales invoice in Exact and the simulation holds it", async () => {
    const exact = exactClient()
    await exact.auth.exchangeCode(server.authorizationCode())
    const account = world.exact.accounts[3]!
    const item = world.exact.items[0]!
    const { invoice, created } = await exact.createSalesInvoice(
      {
        OrderedBy: account.ID,
        Journal: "70",
        Description: "ConnectWise invoice 4711",
        OrderDate: new Date(Date.UTC(2026, 1, 1)),
        SalesInvoiceLines: [{ Item: item.ID, Quantity: "3", NetPrice: "20.605" }]
      },
      { yourRef: "CW-4711" }
    )
    expect(created).toBe(true)
    expect(invoice.AmountFCExclVat).toBe("61.82")
    const stored = server.exact
      .records(server.credentials.exact.division, "SalesInvoices")
      .filter((record) => record.YourRef === "CW-4711")
    expect(stored).toHaveLength(1)
    expect(stored[0]!.OrderedBy).toBe(account.ID)
    expect(server.exact.records(server.credentials.exact.division, "SalesInvoices")).toHaveLength(
      world.exact.salesInvoices.length + 1
    )
  })

  it("pages ConnectWise companies 1,000 at a time, exactly the world's companies", async () => {
    const cw = cwClient()
    const calls = server.connectwise.requests.count("GET", "/company/companies")
    const companies = await cw.listAll("/company/companies")
    expect(companies.map((c) => c.id)).toEqual(world.connectwise.companies.map((c) => c.id))
    expect(server.connectwise.requests.count("GET", "/company/companies") - calls).toBe(
      Math.ceil(world.connectwise.companies.length / 1000)
    )
    expect(companies.find((c) => c.deletedFlag)?.identifier).toBe(
      world.connectwise.companies.find((c) => c.deletedFlag)?.identifier
    )
  })

  it("patches an addition's quantity in ConnectWise and the simulation holds the exact decimal", async () => {
    const cw = cwClient()
    const addition = world.connectwise.additions.find((a) => a.agreementStatus === "Active")!
    const listed = await cw.listAll("/finance/agreements/{parentId}/additions", {
      path: { parentId: addition.agreementId }
    })
    expect(listed.map((a) => a.id)).toEqual(
      world.connectwise.additions.filter((a) => a.agreementId === addition.agreementId).map((a) => a.id)
    )
    const current = listed.find((a) => a.id === addition.id)!
    expect(BigDecimal.format(current.quantity as BigDecimal.BigDecimal)).toBe(
      BigDecimal.format(BigDecimal.fromStringUnsafe(addition.quantity))
    )
    await cw.patch(
      "/finance/agreements/{parentId}/additions/{id}",
      { parentId: addition.agreementId, id: addition.id },
      patch.fromPartial({ quantity: BigDecimal.fromStringUnsafe("17.25") })
    )
    const stored = server.connectwise.store.get("additions", addition.id)!
    expect(String(stored.quantity)).toBe("17.25")
    const again = await cw.listAll("/finance/agreements/{parentId}/additions", {
      path: { parentId: addition.agreementId },
      conditions: conditions.eq("id", addition.id)
    })
    expect(BigDecimal.format(again[0]!.quantity as BigDecimal.BigDecimal)).toBe("17.25")
  })
})
