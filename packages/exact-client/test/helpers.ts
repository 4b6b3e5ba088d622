import {
  createExactSimulation,
  type ExactSimulation,
  type ExactSimulationOptions,
  exactHandlers,
  virtualClock
} from "@psa-ledger/sandbox"
import { setupServer } from "msw/node"
import { afterAll, beforeAll } from "vitest"
import {
  createExactClient,
  type ExactClientOptions,
  memoryTokenStore,
  type TokenSet,
  type TokenStore
} from "../src/index.ts"

export const app = {
  clientId: "psa-ledger-test-client",
  clientSecret: "TOP-SECRET-client-secret-4f1c",
  redirectUri: "https://psa-ledger.example/exact/callback"
}

let current: ExactSimulation | undefined
const delegate = {
  handle: (request: Request) => {
    if (!current) throw new Error("no simulation in this test")
    return current.handle(request)
  }
} as ExactSimulation

/** Installs msw (unhandled requests are errors) routing Exact's hosts to the current test's simulation. */
export const useMsw = () => {
  const server = setupServer(...exactHandlers(delegate))
  beforeAll(() => server.listen({ onUnhandledFrame: "error" }))
  afterAll(() => server.close())
}

/** A token store that records every set ever saved (to check no secret leaks). */
export const recordingStore = (inner: TokenStore = memoryTokenStore()) => {
  const saved: Array<TokenSet> = []
  const store: TokenStore = {
    load: () => inner.load(),
    compareAndSet: async (previous, next) => {
      const ok = await inner.compareAndSet(previous, next)
      if (ok) saved.push(next)
      return ok
    },
    withLock: (fn) => inner.withLock(fn)
  }
  return { store, saved }
}

/** A fresh simulation on a virtual clock, and a client factory sharing that clock. */
export const world = (options: ExactSimulationOptions = {}) => {
  const clock = virtualClock(Date.UTC(2026, 1, 2, 8))
  const sim = createExactSimulation({ clock, apps: [app], ...options })
  current = sim
  const logs: Array<string> = []
  const logger = {
    debug: (m: string, f?: object) => logs.push(`${m} ${JSON.stringify(f ?? {})}`),
    info: (m: string, f?: object) => logs.push(`${m} ${JSON.stringify(f ?? {})}`),
    warn: (m: string, f?: object) => logs.push(`${m} ${JSON.stringify(f ?? {})}`),
    error: (m: string, f?: object) => logs.push(`${m} ${JSON.stringify(f ?? {})}`)
  }
  const client = (overrides: Partial<ExactClientOptions> = {}) =>
    createExactClient({ ...app, tokens: memoryTokenStore(), clock, logger, ...overrides })
  /** Consents and exchanges the code for a client. */
  const authorise = async (exact: ReturnType<typeof client>) => {
    const code = sim.authorize()
    await exact.auth.exchangeCode(code)
    return code
  }
  return { clock, sim, client, authorise, logs }
}
