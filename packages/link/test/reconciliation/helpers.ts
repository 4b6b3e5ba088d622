import { createConnectWiseClient } from "@psa-ledger/connectwise-client"
import { createExactClient, memoryTokenStore } from "@psa-ledger/exact-client"
import {
  ConnectWiseSimulation,
  connectWiseHandlers,
  createExactSimulation,
  type ExactSimulation,
  exactHandlers,
  virtualClock
} from "@psa-ledger/sandbox"
import { setupServer } from "msw/node"
import { afterAll, beforeAll } from "vitest"

export const DIVISION = 1001
export const exactApp = {
  clientId: "flow-a-test-client",
  clientSecret: "FLOW-A-exact-secret-9c1d",
  redirectUri: "https://psa-ledger.example/exact/callback"
}
export const cwSecrets = {
  companyId: "msp",
  publicKey: "FLOWA-PUB-71aa",
  privateKey: "FLOWA-PRIV-22bb",
  clientId: "FLOWA-CLIENT-33cc"
}

let exactSim: ExactSimulation | undefined
let cwSim: ConnectWiseSimulation | undefined

/** msw in front of both simulations of the current test (unhandled requests are errors). */
export const useSimulations = () => {
  const server = setupServer(
    ...exactHandlers({
      handle: (request: Request) => {
        if (!exactSim) throw new Error("no Exact simulation in this test")
        return exactSim.handle(request)
      }
    } as ExactSimulation),
    ...connectWiseHandlers({
      handle: (request: Request) => {
        if (!cwSim) throw new Error("no ConnectWise simulation in this test")
        return cwSim.handle(request)
      },
      origin: "https://api-eu.myconnectwise.net"
    } as ConnectWiseSimulation)
  )
  beforeAll(() => server.listen({ onUnhandledFrame: "error" }))
  afterAll(() => server.close())
}

/** Fresh simulations and authorised clients on a virtual clock (Exact's rate limits cost no real time). */
export const simulations = async (options: { readonly exactDailyLimit?: number } = {}) => {
  const clock = virtualClock(Date.UTC(2026, 1, 2, 8))
  exactSim = createExactSimulation({
    clock,
    apps: [exactApp],
    dailyLimit: options.exactDailyLimit ?? 100_000,
    minutelyLimit: 100_000
  })
  cwSim = new ConnectWiseSimulation({ ...cwSecrets, clientIds: [cwSecrets.clientId] })
  const exact = createExactClient({ ...exactApp, tokens: memoryTokenStore(), clock, division: DIVISION })
  await exact.auth.exchangeCode(exactSim.authorize())
  const connectwise = createConnectWiseClient({
    site: "api-eu.myconnectwise.net",
    ...cwSecrets,
    codebase: cwSim.codebase,
    sleep: async () => undefined
  })
  exactSim.resetCounters()
  return { clock, exactSim, cwSim, exact, connectwise }
}

/** Requests per `METHOD /template` on ConnectWise, writes only. */
export const cwWrites = (sim: ConnectWiseSimulation) =>
  Object.entries(sim.requests.snapshot()).filter(([key]) => !key.startsWith("GET "))
