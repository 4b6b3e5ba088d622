/**
 * A write whose outcome is unknown (sent, then a timeout, a dropped connection, a 5xx, or a 2xx
 * whose body does not decode) is `AmbiguousWriteError`, never repeated blindly; a write that never
 * left, or met a 429 (answered before any work), is still retried.
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { ConnectWiseSimulation, connectWiseHandlers, seedConnectWise } from "@psa-ledger/sandbox"
import { BigDecimal } from "effect"
import { setupServer } from "msw/node"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { ConnectWiseError, createConnectWiseClient, patch } from "../src/index.ts"

const secrets = { companyId: "acme", publicKey: "PUB-a1", privateKey: "PRIV-b2", clientId: "CLIENT-c3" }
const sim = new ConnectWiseSimulation({ ...secrets, clientIds: [secrets.clientId] })
const server = setupServer(...connectWiseHandlers(sim))
const makeClient = (extra: Partial<Parameters<typeof createConnectWiseClient>[0]> = {}) =>
  createConnectWiseClient({
    site: "api-eu.myconnectwise.net",
    codebase: "v2026_1/",
    ...secrets,
    maxRetries: 3,
    sleep: async () => undefined,
    ...extra
  })

beforeAll(() => server.listen({ onUnhandledFrame: "error" }))
afterEach(() => sim.reset())
afterAll(() => server.close())

const failure = async (promise: Promise<unknown>): Promise<ConnectWiseError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(ConnectWiseError)
  return error as ConnectWiseError
}

const additionPath = "/finance/agreements/{parentId}/additions/{id}" as const
const quantity = (value: string) => patch.fromPartial({ quantity: BigDecimal.fromStringUnsafe(value) })

describe("a write whose outcome is unknown", () => {
  it("is AmbiguousWriteError on a 5xx, after one request, for POST and PATCH", async () => {
    seedConnectWise(sim.store, { companies: 1, additionsPerAgreement: 1 })
    const client = makeClient()
    sim.faults.failNext({ status: 503, method: "POST" })
    const post = await failure(client.create("/company/companies", { identifier: "B", name: "B" }))
    expect(post.reason).toMatchObject({ _tag: "AmbiguousWriteError", why: "server" })
    expect(post).toMatchObject({ method: "POST", path: "/company/companies", status: 503 })
    expect(sim.requests.count("POST", "/company/companies")).toBe(1)

    sim.faults.failNext({ status: 500, method: "PATCH" })
    const patched = await failure(client.patch(additionPath, { parentId: 1, id: 1 }, quantity("3")))
    expect(patched.reason).toMatchObject({ _tag: "AmbiguousWriteError", why: "server" })
    expect(patched.status).toBe(500)
    expect(sim.requests.count("PATCH", additionPath)).toBe(1)
    // A 5xx read is still retried.
    sim.faults.failNext({ status: 503, method: "GET" })
    expect(await client.get("/company/companies/{id}", { id: 1 })).toMatchObject({ id: 1 })
  })

  it("is AmbiguousWriteError on a timeout, without a second request", async () => {
    seedConnectWise(sim.store, { companies: 1, additionsPerAgreement: 1 })
    const client = makeClient({ timeoutMs: 30 })
    sim.faults.hangNext({ method: "PATCH" })
    const error = await failure(client.patch(additionPath, { parentId: 1, id: 1 }, quantity("3")))
    expect(error.reason).toMatchObject({ _tag: "AmbiguousWriteError", why: "timeout" })
    expect(sim.requests.count("PATCH", additionPath)).toBe(1)
    sim.faults.hangNext({ method: "POST" })
    const post = await failure(client.create("/company/companies", { identifier: "C", name: "C" }))
    expect(post.reason).toMatchObject({ _tag: "AmbiguousWriteError", why: "timeout" })
    expect(sim.requests.count("POST", "/company/companies")).toBe(1)
  })

  it("is AmbiguousWriteError (body) on a 2xx whose body is cut short or not the record, which was written", async () => {
    const client = makeClient()
    sim.faults.malformNext({ method: "POST" })
    const cut = await failure(client.create("/company/companies", { identifier: "D", name: "D" }))
    expect(cut.reason).toMatchObject({ _tag: "AmbiguousWriteError", why: "body" })
    expect(cut.status).toBe(201)
    sim.faults.malformNext({ method: "POST", mutate: (body) => ({ ...(body as object), id: "seven" }) })
    const wrong = await failure(client.create("/company/companies", { identifier: "E", name: "E" }))
    expect(wrong.reason).toMatchObject({ _tag: "AmbiguousWriteError", why: "body", field: "id" })
    // Both were written, once each.
    expect(sim.store.all("companies").map((c) => c.identifier)).toEqual(expect.arrayContaining(["D", "E"]))
    expect(sim.requests.count("POST", "/company/companies")).toBe(2)
  })

  it("still retries a write a 429 refused before any work", async () => {
    seedConnectWise(sim.store, { companies: 1, additionsPerAgreement: 1 })
    const client = makeClient()
    sim.faults.failNext({ status: 429, method: "PATCH", retryAfterSeconds: 0 })
    const updated = await client.patch(additionPath, { parentId: 1, id: 1 }, quantity("4"))
    expect(updated.quantity && BigDecimal.format(updated.quantity)).toBe("4")
    expect(sim.requests.count("PATCH", additionPath)).toBe(2)
  })
})

describe("a write whose connection drops", () => {
  let http: Server | undefined
  afterEach(async () => {
    await new Promise<void>((resolve) => (http === undefined ? resolve() : http.close(() => resolve())))
    http = undefined
  })

  it("is AmbiguousWriteError (transport) after one request", async () => {
    let requests = 0
    http = createServer((incoming) => {
      incoming.resume()
      requests++
      // The request arrived; the answer never does.
      incoming.socket.destroy()
    })
    await new Promise<void>((resolve) => http!.listen(0, "127.0.0.1", resolve))
    const { port } = http.address() as AddressInfo
    const client = createConnectWiseClient({
      baseUrl: `http://127.0.0.1:${port}/v2026_1/apis/3.0`,
      ...secrets,
      maxRetries: 3,
      sleep: async () => undefined
    })
    // The simulation's interception is off while a real server answers.
    server.close()
    try {
      const error = await failure(client.create("/company/companies", { identifier: "F", name: "F" }))
      expect(error.reason).toMatchObject({ _tag: "AmbiguousWriteError", why: "transport" })
      expect(requests).toBe(1)
    } finally {
      server.listen({ onUnhandledFrame: "error" })
    }
  })
})
