import { createConnectWiseClient } from "@psa-ledger/connectwise-client"
import { createExactClient, memoryTokenStore } from "@psa-ledger/exact-client"
import { type InvoiceLine, LinkSettings, makeInvoiceLine, makeMemoryMappingStore } from "@psa-ledger/reconcile-core"
import {
  type ConnectWiseServer,
  ConnectWiseSimulation,
  createExactSimulation,
  type ExactSimulation,
  startConnectWiseServer,
  startExactServer
} from "@psa-ledger/sandbox"
import { memoryStorage } from "@psa-ledger/storage-adapters"
import { Effect, Exit, Fiber } from "effect"
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest"
import { createLink, LinkError } from "../../src/index.ts"
import { exactSalesSource } from "../../src/reconciliation/ExactSales.ts"
import type { InvoiceSource } from "../../src/reconciliation/InvoiceSource.ts"
import { loadMonth } from "../../src/reconciliation/LoadMonth.ts"
import { cwSecrets, DIVISION, exactApp } from "./helpers.ts"

// Over real HTTP, so that "aborted" means the simulation's server saw the client close its
// connection while the request was held, not merely that a promise stopped being awaited.

const cwSim = new ConnectWiseSimulation({ ...cwSecrets, clientIds: [cwSecrets.clientId] })
let cwServer: ConnectWiseServer
beforeAll(async () => {
  cwServer = await startConnectWiseServer(cwSim)
})
afterEach(() => cwSim.reset())
afterAll(() => cwServer.close())

const servers: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

const connectwise = () => createConnectWiseClient({ ...cwSecrets, baseUrl: cwServer.baseUrl, timeoutMs: 60_000 })

const line = (): InvoiceLine =>
  makeInvoiceLine({
    id: "line-1",
    invoiceId: "inv-1",
    invoiceNumber: "1",
    period: { start: "2026-01-01", end: "2026-01-31" },
    customer: { key: "acme", code: "ACME", name: "Acme" },
    product: { key: "m365", code: "M365", description: "Microsoft 365" },
    quantity: 1,
    unitCost: 10,
    currency: "EUR",
    description: "Microsoft 365"
  })

/** A host's promise source: one line, read at once. */
const hostSource: InvoiceSource = {
  kind: "csv",
  months: async () => ["2026-01"],
  lines: async () => [line()]
}

/** An Exact server that holds every sales-invoice read until the client closes its connection. */
const holdingExact = async () => {
  const sim = createExactSimulation({ apps: [exactApp] })
  const seen = { held: 0, closedByClient: 0 }
  const handle = async (request: Request): Promise<Response> => {
    if (new URL(request.url).pathname.toLowerCase().includes("salesinvoice")) {
      seen.held++
      await new Promise<void>((resolve) => request.signal.addEventListener("abort", () => resolve(), { once: true }))
      seen.closedByClient++
      return new Response(null, { status: 499 })
    }
    return sim.handle(request)
  }
  const server = await startExactServer({ handle } as ExactSimulation)
  servers.push(server)
  const exact = createExactClient({ ...exactApp, baseUrl: server.url, tokens: memoryTokenStore(), division: DIVISION })
  await exact.auth.exchangeCode(sim.authorize())
  return { exact, seen }
}

describe("interrupting a month's load", () => {
  it("aborts the ConnectWise request in flight: the simulation sees the connection close", async () => {
    cwSim.faults.hangNext({ template: "/company/companies" })
    const deps = {
      linkId: "link-1",
      source: hostSource,
      connectwise: connectwise(),
      mappings: makeMemoryMappingStore()
    }
    const fiber = Effect.runFork(loadMonth(deps, "2026-01"))
    // The hang is taken when the request arrives; interrupt only once it has.
    await vi.waitFor(() => expect(cwSim.faults.hangs.length).toBe(0), { timeout: 5000, interval: 5 })
    const exit = await Effect.runPromise(Fiber.interrupt(fiber).pipe(Effect.andThen(Fiber.await(fiber))))
    expect(Exit.hasInterrupts(exit)).toBe(true)
    // The hang answers (504) only once the server sees the client's connection close.
    await vi.waitFor(
      () => expect(cwSim.requests.log.some((e) => e.template === "/company/companies" && e.status === 504)).toBe(true),
      { timeout: 2000, interval: 5 }
    )
  })

  it("aborts the Exact request in flight through the source's promise face", async () => {
    const { exact, seen } = await holdingExact()
    const deps = {
      linkId: "link-1",
      source: exactSalesSource(exact),
      connectwise: connectwise(),
      mappings: makeMemoryMappingStore()
    }
    const fiber = Effect.runFork(loadMonth(deps, "2026-01"))
    await vi.waitFor(() => expect(seen.held).toBe(1), { timeout: 5000, interval: 5 })
    const exit = await Effect.runPromise(Fiber.interrupt(fiber).pipe(Effect.andThen(Fiber.await(fiber))))
    expect(Exit.hasInterrupts(exit)).toBe(true)
    await vi.waitFor(() => expect(seen.closedByClient).toBe(1), { timeout: 2000, interval: 5 })
    // Nothing was read after the interrupt: no ConnectWise call at all.
    expect(cwSim.requests.log).toEqual([])
  })

  it("aborting the promise API's signal aborts the request in flight and rejects with a LinkError", async () => {
    const { exact, seen } = await holdingExact()
    const link = createLink({
      id: "link-1",
      storage: memoryStorage(),
      exact: { ...exactApp, division: DIVISION },
      connectwise: connectwise(),
      settings: new LinkSettings({}),
      source: exactSalesSource(exact)
    })
    const controller = new AbortController()
    const loading = link.reconciliation.load("2026-01", { signal: controller.signal }).then(
      () => undefined,
      (error: unknown) => error
    )
    await vi.waitFor(() => expect(seen.held).toBe(1), { timeout: 5000, interval: 5 })
    controller.abort()
    expect(await loading).toBeInstanceOf(LinkError)
    await vi.waitFor(() => expect(seen.closedByClient).toBe(1), { timeout: 2000, interval: 5 })
  })
})
