import { createConnectWiseClient } from "@psa-ledger/connectwise-client"
import { type ExactClient, memoryTokenStore } from "@psa-ledger/exact-client"
import {
  LinkSettings,
  makeMemoryMappingStore,
  makeMemoryPlanJournal,
  makeMemoryRunStore,
  makeMemoryTransferLedger
} from "@psa-ledger/reconcile-core"
import { createWorld, type SandboxServer, startSandboxServer, virtualClock, type World } from "@psa-ledger/sandbox"
import { type ExactConnection, type LinkStorage, SalesSourceSettings } from "../../src/index.ts"

/** A small world: 40 customers × 6 products × 3 months (the default deviations, all in the last month). */
export const smallWorld = (): World => createWorld({ seed: 11, customers: 40, products: 6, months: 3 })

/** The sandbox server on one virtual clock, with both clients authorised on that clock. */
export const openSandbox = async (world: World) => {
  const clock = virtualClock(Date.UTC(2025, 3, 2, 8))
  const server = await startSandboxServer({ world, clock, port: 0 })
  const connectwise = createConnectWiseClient({
    baseUrl: server.baseUrls.connectwise,
    ...server.credentials.connectwise,
    sleep: (ms) => clock.sleep(ms),
    now: () => clock.now()
  })
  // How a link reaches the sandbox's Exact; the link builds its client on its own token store.
  const exact: ExactConnection = { baseUrl: server.baseUrls.exact, ...server.credentials.exact, clock }
  /** Connects the link's Exact division, as the OAuth redirect would. */
  const connect = async (link: { readonly exact: ExactClient }) => {
    await link.exact.auth.exchangeCode(server.authorizationCode())
  }
  return { clock, server, connectwise, exact, connect }
}

/** Memory stores of one link, with a token store for its Exact client. */
export const memoryStores = (): LinkStorage => {
  const tokens = memoryTokenStore()
  return {
    tokens: () => tokens,
    mappings: makeMemoryMappingStore(),
    runs: makeMemoryRunStore(),
    journal: makeMemoryPlanJournal(),
    transfers: makeMemoryTransferLedger()
  }
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
