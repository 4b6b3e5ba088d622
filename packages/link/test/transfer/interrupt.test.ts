import { createConnectWiseClient } from "@psa-ledger/connectwise-client"
import { createExactClient, memoryTokenStore } from "@psa-ledger/exact-client"
import { LinkSettings, TransferSettings } from "@psa-ledger/reconcile-core"
import { type ConnectWiseServer, ConnectWiseSimulation, startConnectWiseServer } from "@psa-ledger/sandbox"
import { memoryStorage } from "@psa-ledger/storage-adapters"
import { Effect, Fiber } from "effect"
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest"
import { createLink } from "../../src/index.ts"
import { runTransfer } from "../../src/transfer/Transfer.ts"
import type { TransferDeps } from "../../src/transfer/TransferTypes.ts"
import { app, secrets } from "./world.ts"

// Over real HTTP: the simulation's hang fault answers (504, in its log) only once the server sees
// the client's connection close, so that entry proves the interruption reached the socket.
const sim = new ConnectWiseSimulation({ ...secrets, clientIds: [secrets.clientId] })
let server: ConnectWiseServer
beforeAll(async () => {
  server = await startConnectWiseServer(sim)
})
afterEach(() => sim.reset())
afterAll(() => server.close())

const JANUARY = { from: "2026-01-01", to: "2026-02-01" }
const INVOICES = "/finance/invoices"
const settings = new LinkSettings({ transfer: new TransferSettings({ mode: "invoice", journal: "70", vatCodes: {} }) })
const connectwise = () => createConnectWiseClient({ ...secrets, baseUrl: server.baseUrl, timeoutMs: 60_000 })

/** Holds the next read of the ConnectWise invoices until the client closes its connection. */
const holdInvoices = () => sim.faults.hangNext({ template: INVOICES })
const held = () => vi.waitFor(() => expect(sim.faults.hangs.length).toBe(0), { timeout: 5000, interval: 5 })
const closedByClient = () =>
  vi.waitFor(() => expect(sim.requests.log.some((e) => e.template === INVOICES && e.status === 504)).toBe(true), {
    timeout: 2000,
    interval: 5
  })

describe("interrupting a transfer", () => {
  it("aborts the ConnectWise request in flight when its Effect is interrupted", async () => {
    const storage = memoryStorage()
    // Exact is not reached before the ConnectWise invoices are read.
    const deps: TransferDeps = {
      linkId: "link-interrupt",
      exact: createExactClient({ ...app, tokens: memoryTokenStore(), division: 1001 }),
      connectwise: connectwise(),
      ledger: storage.transfers,
      journal: storage.journal,
      mappings: storage.mappings,
      settings
    }
    await holdInvoices()
    const fiber = Effect.runFork(runTransfer(deps, JANUARY, { runId: "run-1" }))
    await held()
    await Effect.runPromise(Fiber.interrupt(fiber))
    await closedByClient()
  })

  it("aborts it when transfer.run's signal fires, and the run ends cancelled", async () => {
    const storage = memoryStorage()
    const link = createLink({ id: "link-interrupt", exact: { ...app }, connectwise: connectwise(), storage, settings })
    await holdInvoices()
    const controller = new AbortController()
    const result = link.transfer.run(JANUARY, { signal: controller.signal })
    await held()
    controller.abort()
    await closedByClient()
    const { status, run } = await result
    expect(status).toBe("cancelled")
    expect(run.status).toBe("cancelled")
  })
})
