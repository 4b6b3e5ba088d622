import { createConnectWiseClient } from "@psa-ledger/connectwise-client"
import { createExactClient, memoryTokenStore } from "@psa-ledger/exact-client"
import { LinkSettings } from "@psa-ledger/reconcile-core"
import { createWorld, type SandboxServer, startSandboxServer, virtualClock, type World } from "@psa-ledger/sandbox"
import { type LinkStorage, SalesSourceSettings } from "../../src/index.ts"

/** A small world: 40 customers × 6 products × 3 months (the default deviations, all in the last month). */
export const smallWorld = (): World => createWorld({ seed: 11, customers: 40, products: 6, months: 3 })

/** The sandbox server on one virtual clock, with both clients authorised on that clock. */
export const openSandbox = async (world: World) => {
  const clock = virtualClock(Date.UTC(2025, 3, 2, 8))
  const server = await startSandboxServer({ world, clock, port: 0 })
  const connectwise = createConnectWiseClient({
    baseUrl: server.baseUrls.connectwise,
    ...server.credentials.connectwise,
    sleep: (ms) => clock.sleep(ms)
  })
  const exact = createExactClient({
    baseUrl: server.baseUrls.exact,
    ...server.credentials.exact,
    tokens: memoryTokenStore(),
    clock
  })
  await exact.auth.exchangeCode(server.authorizationCode())
  return { clock, server, connectwise, exact }
}

export type OpenSandbox = Awaited<ReturnType<typeof openSandbox>> & { readonly server: SandboxServer }

/** The world's sales invoices compared on the lines' cost (`CostPriceFC`), cancellations proposed. */
export const source = new SalesSourceSettings({ kind: "sales", unitCost: "line" })

export const settingsFor = (world: World) => {
  const managed = world.connectwise.agreementTypes.find((type) => type.name === "Managed Services")
  return new LinkSettings({
    compare: "unitCost",
    identifierKeys: ["vatNumber"],
    proposeCancellations: true,
    // Credit notes are part of the month: the net quantity is what the addition should say.
    creditLines: "net",
    agreementTypeId: managed?.id ?? 1,
    newAgreement: { typeId: managed?.id ?? 1, name: "{customer} - Managed Services" }
  })
}

export type { LinkStorage }
