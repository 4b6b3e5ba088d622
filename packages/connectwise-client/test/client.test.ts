import { inspect } from "node:util"
import {
  ConnectWiseSimulation,
  connectWiseHandlers,
  parseConditions,
  rawNumber,
  seedConnectWise,
  startConnectWiseServer
} from "@psa-ledger/sandbox"
import { BigDecimal } from "effect"
import { setupServer } from "msw/node"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { ConnectWiseError, conditions, createConnectWiseClient, patch } from "../src/index.ts"

const secrets = {
  companyId: "acme",
  publicKey: "PUBKEY-7f3a9c",
  privateKey: "PRIVKEY-91bd55e2",
  clientId: "CLIENTID-5e2d-4c11"
}
const authHeader = `Basic ${Buffer.from(`${secrets.companyId}+${secrets.publicKey}:${secrets.privateKey}`).toString("base64")}`
const sim = new ConnectWiseSimulation({ ...secrets, clientIds: [secrets.clientId] })
const server = setupServer(...connectWiseHandlers(sim))
const sleeps: Array<number> = []
const logs: Array<string> = []
const makeClient = (extra: Partial<Parameters<typeof createConnectWiseClient>[0]> = {}) =>
  createConnectWiseClient({
    site: "api-eu.myconnectwise.net",
    ...secrets,
    sleep: async (ms) => {
      sleeps.push(ms)
    },
    random: () => 0.5,
    logger: {
      warn: (m, f) => logs.push(`${m} ${JSON.stringify(f)}`),
      debug: (m, f) => logs.push(`${m} ${JSON.stringify(f)}`)
    },
    ...extra
  })

beforeAll(() => server.listen({ onUnhandledFrame: "error" }))
afterEach(() => {
  sim.reset()
  sleeps.length = 0
})
afterAll(() => server.close())

const secretTexts = [secrets.privateKey, secrets.publicKey, secrets.clientId, authHeader, authHeader.slice(6)]
const expectNoSecrets = (...texts: Array<string>) => {
  for (const text of texts) for (const secret of secretTexts) expect(text).not.toContain(secret)
}
const failure = async (promise: Promise<unknown>): Promise<ConnectWiseError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(ConnectWiseError)
  return error as ConnectWiseError
}

describe("ConnectWise client against the simulation", () => {
  it("discovers the codebase once and sends auth, clientId and the pinned version first in Accept", async () => {
    const client = makeClient()
    await client.api.GET("/system/info")
    await client.api.GET("/system/info")
    expect(sim.requests.count("GET", "/login/companyinfo/{companyId}")).toBe(1)
    expect(sim.requests.count("GET", "/system/info")).toBe(2)
    const entry = sim.requests.log.find((e) => e.template === "/system/info")!
    expect(entry.authorized).toBe(true)
    expect(entry.clientIdPresent).toBe(true)
    expect(entry.accept?.split(",")[0]).toBe("application/vnd.connectwise.com+json; version=2026.4")
    expect(await client.resolveBaseUrl()).toBe("https://api-eu.myconnectwise.net/v2026_1/apis/3.0")
  })

  it("reads 2,500 records in exactly 3 requests, forward-only", async () => {
    for (let i = 1; i <= 2500; i++) sim.store.insert("companies", { identifier: `C${i}`, name: `Company ${i}` })
    const client = makeClient({ codebase: "v2026_1/" })
    const all = await client.listAll("/company/companies")
    expect(all.length).toBe(2500)
    expect(new Set(all.map((c) => c.id)).size).toBe(2500)
    expect(sim.requests.count("GET", "/company/companies")).toBe(3)
    expect(sim.requests.total()).toBe(3)
    expect(sim.requests.log.every((e) => e.paginationType === "forward-only")).toBe(true)
    expect(sim.requests.log[1]!.url).toContain("pageId=1000")
  })

  it("falls back to page numbers where forward-only is not supported, asking for no extra page", async () => {
    const local = new ConnectWiseSimulation({
      ...secrets,
      clientIds: [secrets.clientId],
      forwardOnlyUnsupported: ["/procurement/catalog"]
    })
    for (let i = 1; i <= 2000; i++) local.store.insert("catalogItems", { identifier: `P${i}`, description: `P${i}` })
    const client = makeClient({ codebase: "v2026_1/", fetch: local.handle })
    expect((await client.listAll("/procurement/catalog")).length).toBe(2000)
    expect(local.requests.count("GET", "/procurement/catalog")).toBe(2)
    expect(local.requests.log[1]!.url).toContain("page=2")
  })

  it("pages a nested list and counts", async () => {
    seedConnectWise(sim.store, { companies: 1, additionsPerAgreement: 5 })
    const client = makeClient({ codebase: "v2026_1/" })
    const additions = await client.listAll("/finance/agreements/{parentId}/additions", { path: { parentId: 1 } })
    expect(additions.map((a) => a.agreementId)).toEqual([1, 1, 1, 1, 1])
    expect(await client.count("/finance/agreements/{parentId}/additions", { path: { parentId: 1 } })).toBe(5)
  })

  it("retries a 429 after Retry-After without surfacing it", async () => {
    sim.store.insert("companies", { identifier: "A", name: "A" })
    sim.faults.failNext({ status: 429, count: 2, retryAfterSeconds: 7 })
    const client = makeClient({ codebase: "v2026_1/" })
    expect((await client.listAll("/company/companies")).length).toBe(1)
    expect(sleeps).toEqual([7000, 7000])
    expect(sim.requests.count("GET", "/company/companies")).toBe(3)
  })

  it("retries 503 with exponential backoff and jitter on GET, but not a POST that may have created something", async () => {
    sim.store.insert("companies", { identifier: "A", name: "A" })
    sim.faults.failNext({ status: 503, count: 2 })
    const client = makeClient({ codebase: "v2026_1/", retryBaseDelayMs: 100 })
    await client.listAll("/company/companies")
    expect(sleeps).toEqual([75, 150])
    sim.faults.failNext({ status: 503, method: "POST" })
    const error = await failure(client.create("/company/companies", { identifier: "B", name: "B" }))
    // Sent and answered 5xx: it may have been written, so it is the caller's to look up.
    expect(error.reason).toMatchObject({ _tag: "AmbiguousWriteError", why: "server" })
    expect(error.status).toBe(503)
    expect(sim.requests.count("POST", "/company/companies")).toBe(1)
  })

  it("retries a POST when the idempotency check finds nothing, and returns what it finds otherwise", async () => {
    const client = makeClient({ codebase: "v2026_1/" })
    sim.faults.failNext({ status: 503, method: "POST" })
    const created = await client.create(
      "/company/companies",
      { identifier: "B", name: "B" },
      {
        idempotencyCheck: async () =>
          (await client.listAll("/company/companies", { conditions: conditions.eq("identifier", "B") }))[0]
      }
    )
    expect(created.identifier).toBe("B")
    expect(sim.requests.count("POST", "/company/companies")).toBe(2)
  })

  it("retries a POST only when the connection was refused", async () => {
    const local = new ConnectWiseSimulation({ ...secrets, clientIds: [secrets.clientId] })
    const http = await startConnectWiseServer(local)
    const baseUrl = http.baseUrl
    await http.close()
    const client = makeClient({ baseUrl, maxRetries: 2 })
    server.close()
    try {
      const error = await failure(client.create("/company/companies", { identifier: "X", name: "X" }))
      expect(error.reason._tag).toBe("TransportError")
      expect(sleeps.length).toBe(2)
    } finally {
      server.listen({ onUnhandledFrame: "error" })
    }
  })

  it("times out a request that hangs", async () => {
    sim.faults.hangNext({ count: 5 })
    const client = makeClient({ codebase: "v2026_1/", timeoutMs: 50, maxRetries: 1 })
    const error = await failure(client.api.GET("/system/info"))
    expect(error.reason._tag).toBe("TimeoutError")
    expect(sim.requests.count("GET", "/system/info")).toBe(2)
  })

  it("maps every error status to its reason", async () => {
    const ok = makeClient({ codebase: "v2026_1/", maxRetries: 0 })
    expect(
      (await failure(makeClient({ codebase: "v2026_1/", privateKey: "wrong" }).api.GET("/system/info"))).reason._tag
    ).toBe("UnauthorizedError")
    expect(
      (await failure(makeClient({ codebase: "v2026_1/", clientId: "nope" }).api.GET("/system/info"))).reason._tag
    ).toBe("ForbiddenError")
    const notFound = await failure(ok.get("/company/companies/{id}", { id: 99 }))
    expect([notFound.reason._tag, notFound.status, notFound.path]).toEqual([
      "NotFoundError",
      404,
      "/company/companies/{id}"
    ])
    const invalid = await failure(ok.create("/company/companies", { name: "no identifier" }))
    expect(invalid.reason._tag).toBe("ValidationError")
    expect(invalid.reason._tag === "ValidationError" && invalid.reason.errors.map((e) => e.field)).toEqual([
      "identifier"
    ])
    sim.faults.failNext({ status: 429 })
    expect((await failure(ok.api.GET("/system/info"))).reason._tag).toBe("RateLimitedError")
    sim.faults.failNext({ status: 500 })
    expect((await failure(ok.api.GET("/system/info"))).reason._tag).toBe("ServerError")
    sim.faults.malformNext()
    sim.store.insert("companies", { identifier: "A", name: "A" })
    expect((await failure(ok.listAll("/company/companies"))).reason._tag).toBe("DecodeError")
  })

  it("names the field when a record does not match the document", async () => {
    seedConnectWise(sim.store, { companies: 1, additionsPerAgreement: 2 })
    sim.faults.malformNext({
      mutate: (body) =>
        (body as Array<Record<string, unknown>>).map((r, i) => (i === 1 ? { ...r, quantity: "lots" } : r))
    })
    const client = makeClient({ codebase: "v2026_1/" })
    const error = await failure(client.listAll("/finance/agreements/{parentId}/additions", { path: { parentId: 1 } }))
    expect(error.reason._tag).toBe("DecodeError")
    expect(error.reason._tag === "DecodeError" && [error.reason.field, error.reason.recordId]).toEqual(["quantity", 2])
    expect(error.message).toContain("quantity")
  })

  it('round-trips a company named O\'Brien "B.V." \\ Ltd through conditions', async () => {
    const name = `O'Brien "B.V." \\ Ltd`
    sim.store.insert("companies", { identifier: "OB", name })
    sim.store.insert("companies", { identifier: "OB2", name: "O'Brien" })
    const condition = conditions.eq("name", name)
    expect(parseConditions(condition)).toMatchObject({
      kind: "compare",
      field: "name",
      values: [{ kind: "string", value: name }]
    })
    const client = makeClient({ codebase: "v2026_1/" })
    const found = await client.listAll("/company/companies", { conditions: condition })
    expect(found.map((c) => c.name)).toEqual([name])
    const injected = await client.listAll("/company/companies", {
      conditions: conditions.eq("name", `x" or name like "%`)
    })
    expect(injected).toEqual([])
  })

  it("keeps money exact and patches an addition's quantity", async () => {
    seedConnectWise(sim.store, { companies: 1, additionsPerAgreement: 1 })
    sim.store.put("additions", {
      ...sim.store.get("additions", 1)!,
      id: 1,
      unitCost: rawNumber("12.345678901234567890")
    })
    const client = makeClient({ codebase: "v2026_1/" })
    const [addition] = await client.listAll("/finance/agreements/{parentId}/additions", { path: { parentId: 1 } })
    expect(BigDecimal.equals(addition!.unitCost!, BigDecimal.fromStringUnsafe("12.345678901234567890"))).toBe(true)
    const updated = await client.patch(
      "/finance/agreements/{parentId}/additions/{id}",
      { parentId: 1, id: 1 },
      patch.fromPartial({ quantity: BigDecimal.fromStringUnsafe("14.5"), description: undefined })
    )
    expect(updated.quantity && BigDecimal.format(updated.quantity)).toBe("14.5")
    expect(sim.store.get("additions", 1)!.quantity).toBe(14.5)
  })

  it("keeps keys, clientId and the Authorization header out of errors, logs and inspection", async () => {
    const client = makeClient({ codebase: "v2026_1/", maxRetries: 1 })
    const errors: Array<ConnectWiseError> = []
    errors.push(
      await failure(makeClient({ codebase: "v2026_1/", privateKey: `${secrets.privateKey}x` }).api.GET("/system/info"))
    )
    sim.faults.failNext({ status: 503, count: 2 })
    errors.push(await failure(client.api.GET("/system/info")))
    sim.faults.hangNext()
    errors.push(
      await failure(makeClient({ codebase: "v2026_1/", timeoutMs: 20, maxRetries: 0 }).api.GET("/system/info"))
    )
    expect(logs.length).toBeGreaterThan(0)
    for (const error of errors)
      expectNoSecrets(
        error.message,
        String(error),
        JSON.stringify(error),
        inspect(error, { depth: 10 }),
        error.stack ?? ""
      )
    expectNoSecrets(inspect(client, { depth: 10, showHidden: true }), JSON.stringify(client), String(client), ...logs)
  })

  it("answers with promises and rejects with the tagged error (the Effect service is gone: pass a signal instead)", async () => {
    seedConnectWise(sim.store, { companies: 2 })
    const client = makeClient({ ...secrets, sleep: () => Promise.resolve(), fetch: sim.handle })
    const agreements = await client.listAll("/finance/agreements", {
      conditions: conditions.eq("agreementStatus", "Active")
    })
    const missing = await failure(client.get("/finance/agreements/{id}", { id: 404 }))
    expect({ count: agreements.length, reason: missing.reason._tag }).toEqual({ count: 2, reason: "NotFoundError" })
  })
})
