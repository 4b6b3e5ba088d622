import {
  type ConnectWiseServer,
  ConnectWiseSimulation,
  seedConnectWise,
  startConnectWiseServer
} from "@psa-ledger/sandbox"
import { Effect, Fiber } from "effect"
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest"
import { ConnectWiseError, createConnectWiseClient } from "../src/index.ts"

// Over real HTTP: the simulation's hang fault answers only once the server sees the client's
// connection close, so a logged (504) entry proves the abort reached the socket.
const secrets = { companyId: "acme", publicKey: "pub", privateKey: "priv", clientId: "client-1" }
const sim = new ConnectWiseSimulation({ ...secrets, clientIds: [secrets.clientId] })
let server: ConnectWiseServer
beforeAll(async () => {
  server = await startConnectWiseServer(sim)
})
afterEach(() => sim.reset())
afterAll(() => server.close())

const makeClient = (extra: Partial<Parameters<typeof createConnectWiseClient>[0]> = {}) =>
  createConnectWiseClient({ ...secrets, baseUrl: server.baseUrl, timeoutMs: 60_000, ...extra })

/** Starts `call` with a fresh signal, aborts it once the server holds the request, and returns the error. */
const abortMidRequest = async (
  template: string,
  call: (signal: AbortSignal) => Promise<unknown>
): Promise<{ error: ConnectWiseError; elapsedMs: number }> => {
  sim.faults.hangNext({ template })
  const controller = new AbortController()
  const settled = call(controller.signal).then(
    () => undefined,
    (e: unknown) => e
  )
  // The hang is taken when the request arrives; wait until it has.
  await vi.waitFor(() => expect(sim.faults.hangs.length).toBe(0), { timeout: 5000, interval: 5 })
  const started = performance.now()
  controller.abort()
  const error = await settled
  const elapsedMs = performance.now() - started
  expect(error).toBeInstanceOf(ConnectWiseError)
  await vi.waitFor(() => expect(sim.requests.log.some((e) => e.template === template && e.status === 504)).toBe(true), {
    timeout: 2000,
    interval: 5
  })
  return { error: error as ConnectWiseError, elapsedMs }
}

describe("aborting a call", () => {
  it.each([
    ["api.GET", "/system/info", (signal: AbortSignal) => makeClient().api.GET("/system/info", { signal })],
    ["listAll", "/company/companies", (signal: AbortSignal) => makeClient().listAll("/company/companies", { signal })],
    [
      "paginate",
      "/company/companies",
      async (signal: AbortSignal) => {
        for await (const _ of makeClient().paginate("/company/companies", { signal })) {
          // reading
        }
      }
    ],
    [
      "count",
      "/company/companies/count",
      (signal: AbortSignal) => makeClient().count("/company/companies", { signal })
    ],
    [
      "get",
      "/company/companies/{id}",
      (signal: AbortSignal) => makeClient().get("/company/companies/{id}", { id: 1 }, { signal })
    ],
    [
      "create",
      "/company/companies",
      (signal: AbortSignal) => makeClient().create("/company/companies", { identifier: "X", name: "X" }, { signal })
    ],
    [
      "patch",
      "/finance/agreements/{parentId}/additions/{id}",
      (signal: AbortSignal) =>
        makeClient().patch(
          "/finance/agreements/{parentId}/additions/{id}",
          { parentId: 1, id: 1 },
          [{ op: "replace", path: "quantity", value: 2 }],
          { signal }
        )
    ]
  ] as const)("%s closes the connection and rejects promptly with an Aborted reason", async (_name, template, call) => {
    seedConnectWise(sim.store, { companies: 1, additionsPerAgreement: 1 })
    const { error, elapsedMs } = await abortMidRequest(template, call)
    expect(error.reason._tag).toBe("AbortedError")
    expect(elapsedMs).toBeLessThan(1000)
  })

  it("interrupting an Effect that passes its signal aborts the request (the simulation sees the close)", async () => {
    sim.faults.hangNext({ template: "/company/companies" })
    const client = makeClient()
    const fiber = Effect.runFork(
      Effect.tryPromise({ try: (signal) => client.listAll("/company/companies", { signal }), catch: (e) => e })
    )
    await vi.waitFor(() => expect(sim.faults.hangs.length).toBe(0), { timeout: 5000, interval: 5 })
    await Effect.runPromise(Fiber.interrupt(fiber))
    await vi.waitFor(
      () => expect(sim.requests.log.some((e) => e.template === "/company/companies" && e.status === 504)).toBe(true),
      { timeout: 2000, interval: 5 }
    )
  })

  it("stops waiting before a retry", async () => {
    sim.faults.failNext({ status: 503, count: 5 })
    const controller = new AbortController()
    const client = makeClient({ retryBaseDelayMs: 60_000, retryMaxDelayMs: 60_000 })
    const settled = client.api.GET("/system/info", { signal: controller.signal }).then(
      () => undefined,
      (e: unknown) => e
    )
    await vi.waitFor(() => expect(sim.requests.count("GET", "/system/info")).toBe(1), { timeout: 5000, interval: 5 })
    const started = performance.now()
    controller.abort()
    const error = (await settled) as ConnectWiseError
    expect(performance.now() - started).toBeLessThan(1000)
    expect(error.reason._tag).toBe("AbortedError")
    expect(sim.requests.count("GET", "/system/info")).toBe(1)
  })

  it("leaves the queue when aborted while waiting for a turn, sending nothing", async () => {
    sim.faults.hangNext({ template: "/system/info" })
    const client = makeClient({ maxConcurrency: 1 })
    const first = new AbortController()
    const holding = client.api.GET("/system/info", { signal: first.signal }).catch((e: unknown) => e)
    await vi.waitFor(() => expect(sim.faults.hangs.length).toBe(0), { timeout: 5000, interval: 5 })
    const second = new AbortController()
    const waiting = client.count("/company/companies", { signal: second.signal }).catch((e: unknown) => e)
    second.abort()
    expect(((await waiting) as ConnectWiseError).reason._tag).toBe("AbortedError")
    first.abort()
    await holding
    expect(sim.requests.count("GET", "/company/companies/count")).toBe(0)
  })

  it("sends nothing for a signal aborted before the call", async () => {
    const error = await makeClient()
      .get("/company/companies/{id}", { id: 1 }, { signal: AbortSignal.abort() })
      .then(
        () => undefined,
        (e: unknown) => e as ConnectWiseError
      )
    expect(error?.reason._tag).toBe("AbortedError")
    expect(sim.requests.total()).toBe(0)
  })
})
