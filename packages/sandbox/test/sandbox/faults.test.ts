import { createConnectWiseClient } from "@psa-ledger/connectwise-client"
import { createExactClient, memoryTokenStore } from "@psa-ledger/exact-client"
import { setupServer } from "msw/node"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  createSandbox,
  createWorld,
  type FaultRule,
  type Sandbox,
  sandboxHandlers,
  startSandboxServer,
  virtualClock
} from "../../src/index.ts"

const world = createWorld({ seed: 3, customers: 40, products: 6, months: 2 })

const cwRequest = (box: Sandbox, path: string, init: RequestInit = {}) => {
  const { companyId, publicKey, privateKey, clientId } = box.credentials.connectwise
  return new Request(`${box.connectwise.baseUrl()}${path}`, {
    ...init,
    headers: {
      authorization: `Basic ${Buffer.from(`${companyId}+${publicKey}:${privateKey}`).toString("base64")}`,
      clientid: clientId
    }
  })
}

/** The 1-based numbers of the requests (out of `n` identical ones) that did not answer 200. */
const failing = async (seed: number, rules: ReadonlyArray<FaultRule>, n = 60): Promise<Array<number>> => {
  const box = createSandbox({ world, clock: virtualClock(), seed, faults: rules })
  const failed: Array<number> = []
  for (let i = 1; i <= n; i++) {
    const response = await box.handleConnectWise(cwRequest(box, "/company/companies"))
    if (response.status !== 200) failed.push(i)
  }
  expect(box.faults.log.map((event) => event.sequence)).toEqual(failed)
  return failed
}

describe("fault injection", () => {
  const rule: FaultRule = { system: "connectwise", path: "/company/*", kind: "serverError", probability: 0.25 }

  it("fails the same requests for the same seed, and others for another seed", async () => {
    const first = await failing(42, [rule])
    expect(first.length).toBeGreaterThan(3)
    expect(first.length).toBeLessThan(40)
    expect(await failing(42, [rule])).toEqual(first)
    expect(await failing(43, [rule])).not.toEqual(first)
  })

  it("matches per system, method and path", async () => {
    expect(await failing(1, [{ ...rule, probability: 1, path: "/finance/*" }])).toEqual([])
    expect(await failing(1, [{ ...rule, probability: 1, system: "exact" }])).toEqual([])
    expect(await failing(1, [{ ...rule, probability: 1, method: "POST" }])).toEqual([])
    expect(await failing(1, [{ ...rule, probability: 1, limit: 2, after: 3 }])).toEqual([4, 5])
  })

  it("sends 429 bursts with Retry-After, counts them in the log, and lets the rest through", async () => {
    const box = createSandbox({
      world,
      clock: virtualClock(),
      faults: [{ system: "connectwise", kind: "rateLimit", burst: 3, limit: 1, retryAfterSeconds: 2 }]
    })
    const statuses: Array<number> = []
    for (let i = 0; i < 5; i++) {
      const response = await box.handleConnectWise(cwRequest(box, "/system/info"))
      statuses.push(response.status)
      if (response.status === 429) expect(response.headers.get("retry-after")).toBe("2")
    }
    expect(statuses).toEqual([429, 429, 429, 200, 200])
    expect(box.connectwise.requests.total()).toBe(2)
  })

  it("drops connections, cuts bodies short, and holds answers until the caller gives up", async () => {
    const box = createSandbox({
      world,
      clock: virtualClock(),
      faults: [
        { path: "/company/companies", kind: "drop", limit: 1 },
        { path: "/procurement/catalog", kind: "malformed", limit: 1 },
        { path: "/finance/agreements", kind: "timeout", limit: 1 }
      ]
    })
    expect((await box.handleConnectWise(cwRequest(box, "/company/companies"))).type).toBe("error")
    const cut = await box.handleConnectWise(cwRequest(box, "/procurement/catalog"))
    expect(cut.status).toBe(200)
    await expect(cut.text().then((text) => JSON.parse(text))).rejects.toThrow()
    const abort = new AbortController()
    const pending = box.handleConnectWise(cwRequest(box, "/finance/agreements", { signal: abort.signal }))
    setTimeout(() => abort.abort(), 20)
    expect((await pending).status).toBe(504)
    expect(box.faults.log.map((e) => e.kind)).toEqual(["drop", "malformed", "timeout"])
  })

  it("adds latency on the shared clock, so a virtual minute passes in no time", async () => {
    const clock = virtualClock(0)
    const box = createSandbox({ world, clock, latencyMs: { exact: 5, connectwise: 60_000 } })
    const started = performance.now()
    await box.handleConnectWise(cwRequest(box, "/system/info"))
    expect(clock.now()).toBe(60_000)
    // Far below the minute a real wait would take, with room for any load on the machine.
    expect(performance.now() - started).toBeLessThan(30_000)
  })

  it("lets the real clients ride out 429 bursts and 503s over HTTP", async () => {
    const clock = virtualClock(Date.UTC(2026, 1, 2, 8))
    const server = await startSandboxServer({
      world,
      clock,
      faults: [
        { system: "connectwise", kind: "rateLimit", probability: 0.3, burst: 2 },
        { system: "exact", path: "crm/Accounts", kind: "serverError", probability: 0.5, status: 503 }
      ]
    })
    try {
      const cw = createConnectWiseClient({
        baseUrl: server.baseUrls.connectwise,
        ...server.credentials.connectwise,
        maxRetries: 10,
        sleep: (ms) => clock.sleep(ms),
        now: () => clock.now()
      })
      const companies = await cw.listAll("/company/companies", { pageSize: 10 })
      expect(companies).toHaveLength(world.connectwise.companies.length)
      const exact = createExactClient({
        baseUrl: server.baseUrls.exact,
        ...server.credentials.exact,
        tokens: memoryTokenStore(),
        clock,
        maxRetries: 10
      })
      await exact.auth.exchangeCode(server.authorizationCode())
      expect(await exact.listAll("crm/Accounts")).toHaveLength(world.exact.accounts.length)
      const kinds = new Set(server.faults.log.map((e) => `${e.system} ${e.kind}`))
      expect(kinds).toEqual(new Set(["connectwise rateLimit", "exact serverError"]))
    } finally {
      await server.close()
    }
  })
})

describe("sandboxHandlers (msw)", () => {
  const sandbox = createSandbox({ world, clock: virtualClock(Date.UTC(2026, 1, 2, 8)) })
  const msw = setupServer(...sandboxHandlers(sandbox))
  beforeAll(() => msw.listen({ onUnhandledFrame: "error" }))
  afterAll(() => msw.close())

  it("answers the clients on the vendors' own hosts", async () => {
    const cw = createConnectWiseClient({ site: "api-eu.myconnectwise.net", ...sandbox.credentials.connectwise })
    const agreements = await cw.listAll("/finance/agreements")
    expect(agreements.map((a) => a.id)).toEqual(world.connectwise.agreements.map((a) => a.id))
    const exact = createExactClient({
      region: "nl",
      ...sandbox.credentials.exact,
      tokens: memoryTokenStore(),
      clock: sandbox.clock
    })
    await exact.auth.exchangeCode(sandbox.authorizationCode())
    const invoices = await exact.listAll("salesinvoice/SalesInvoices", { expand: ["SalesInvoiceLines"] })
    expect(invoices).toHaveLength(world.exact.salesInvoices.length)
    const want = world.exact.salesInvoices[0]!
    const got = invoices.find((i) => i.InvoiceID === want.InvoiceID)!
    expect((got.SalesInvoiceLines as { results?: Array<unknown> }).results ?? got.SalesInvoiceLines).toHaveLength(
      want.SalesInvoiceLines.length
    )
  })

  it("answers the server's layout on one origin", async () => {
    const info = (await (await fetch("https://sandbox.psa-ledger.test/sandbox")).json()) as {
      urls: { connectwise: string }
    }
    expect(info.urls.connectwise).toBe("https://sandbox.psa-ledger.test/connectwise/v2026_1/apis/3.0")
    const cw = createConnectWiseClient({ baseUrl: info.urls.connectwise, ...sandbox.credentials.connectwise })
    expect(await cw.count("/company/companies")).toBe(world.connectwise.companies.length)
  })
})
