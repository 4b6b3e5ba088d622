/**
 * The sandbox a benchmark runs against, and a link on it: over real HTTP on 127.0.0.1, or in the
 * process (the clients' `fetch` is the sandbox's handler) when simulated latency must be timed on the
 * sandbox's virtual clock without the event loop's idle turns between socket reads moving it.
 */
import { type ConnectWiseClient, createConnectWiseClient } from "@psa-ledger/connectwise-client"
import { memoryTokenStore } from "@psa-ledger/exact-client"
import { createLink, type ExactConnection, type LinkApi, SalesSourceSettings } from "@psa-ledger/link"
import {
  LinkSettings,
  makeMemoryMappingStore,
  makeMemoryPlanJournal,
  makeMemoryRunStore,
  makeMemoryTransferLedger
} from "@psa-ledger/reconcile-core"
import {
  createSandbox,
  type FaultRule,
  type Sandbox,
  startSandboxServer,
  type VirtualClock,
  virtualClock,
  type World
} from "@psa-ledger/sandbox"

/** How a bench opens the sandbox. */
export interface BenchSandboxOptions {
  /** Real HTTP on 127.0.0.1 (default) or the in-process handler. */
  readonly transport?: "http" | "in-process"
  /** Added to every request of both systems, on the virtual clock. */
  readonly latencyMs?: number
  readonly faults?: ReadonlyArray<FaultRule>
  /** ConnectWise requests in flight at once (the client's default is 4). */
  readonly concurrency?: number
  /** Exact's rate limits: lifted (default; P1 is about calls, not pacing) or Exact's real 60 a minute. */
  readonly exactLimits?: "lifted" | "real"
}

/** A sandbox, its virtual clock, a ConnectWise client and the Exact connection of a link. */
export interface BenchSandbox {
  readonly sandbox: Sandbox
  readonly clock: VirtualClock
  readonly connectwise: ConnectWiseClient
  readonly exact: ExactConnection
  /** The ConnectWise client's concurrency. */
  readonly concurrency: number
  /** A link on memory stores, its Exact division connected. */
  readonly link: (settings: LinkSettings) => Promise<LinkApi>
  close(): Promise<void>
}

const IN_PROCESS_ORIGIN = "http://sandbox.bench"

/** Opens the sandbox on `world`, Exact's rate limits lifted unless asked for (they are P4's subject, not P1's). */
export const openBenchSandbox = async (world: World, options: BenchSandboxOptions = {}): Promise<BenchSandbox> => {
  const clock = virtualClock(Date.parse(`${world.meta.latestPeriod}-28T08:00:00Z`))
  const sandboxOptions = {
    world,
    clock,
    ...(options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs }),
    ...(options.faults === undefined ? {} : { faults: options.faults }),
    ...(options.exactLimits === "real" ? {} : { exact: { minutelyLimit: 1_000_000, dailyLimit: 10_000_000 } })
  }
  const http = (options.transport ?? "http") === "http"
  const server = http ? await startSandboxServer({ ...sandboxOptions, port: 0 }) : undefined
  const sandbox = server ?? createSandbox(sandboxOptions)
  const urls = server?.baseUrls ?? sandbox.urls(IN_PROCESS_ORIGIN)
  const fetchOption = http ? {} : { fetch: (request: Request) => sandbox.handle(request) }
  const concurrency = options.concurrency ?? 4
  const connectwise = createConnectWiseClient({
    baseUrl: urls.connectwise,
    ...sandbox.credentials.connectwise,
    maxConcurrency: concurrency,
    sleep: (ms, signal) => clock.sleep(ms, signal),
    now: () => clock.now(),
    ...fetchOption
  })
  const exact: ExactConnection = { baseUrl: urls.exact, ...sandbox.credentials.exact, clock, ...fetchOption }
  const link = async (settings: LinkSettings) => {
    const tokens = memoryTokenStore()
    const opened = createLink({
      id: "bench",
      exact,
      connectwise,
      storage: {
        tokens: () => tokens,
        mappings: makeMemoryMappingStore(),
        runs: makeMemoryRunStore(),
        journal: makeMemoryPlanJournal(),
        transfers: makeMemoryTransferLedger()
      },
      settings,
      source: new SalesSourceSettings({ kind: "sales", unitCost: "line" }),
      now: () => clock.now(),
      concurrency
    })
    await opened.exact.auth.exchangeCode(sandbox.authorizationCode())
    return opened
  }
  return { sandbox, clock, connectwise, exact, concurrency, link, close: () => server?.close() ?? Promise.resolve() }
}

/** The link settings of the world's MSP: unit cost compared, VAT numbers identify, cancellations proposed. */
export const worldSettings = (world: World): LinkSettings => {
  const managed = world.connectwise.agreementTypes.find((type) => type.name === "Managed Services")
  return new LinkSettings({
    compare: "unitCost",
    identifierKeys: ["vatNumber"],
    proposeCancellations: true,
    creditLines: "net",
    agreementTypeId: managed?.id ?? 1,
    newAgreement: { typeId: managed?.id ?? 1, name: "{customer} - Managed Services" }
  })
}

/** Request counts of both systems since the last reset, by `METHOD endpoint` (Exact's OAuth calls left out). */
export const requestCounts = (sandbox: Sandbox) => ({
  exact: Object.fromEntries(
    Object.entries(sandbox.exact.requestCounts()).filter(([endpoint]) => !endpoint.includes("oauth2/"))
  ) as Readonly<Record<string, number>>,
  connectwise: sandbox.connectwise.requests.snapshot() as Readonly<Record<string, number>>
})

/** Forgets both systems' request counts. */
export const resetCounts = (sandbox: Sandbox): void => {
  sandbox.exact.resetCounters()
  sandbox.connectwise.requests.reset()
}

/** The sum of a count table. */
export const total = (counts: Readonly<Record<string, number>>): number =>
  Object.values(counts).reduce((sum, n) => sum + n, 0)
