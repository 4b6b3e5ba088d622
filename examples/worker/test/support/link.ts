// A link on the sandbox's HTTP server, connected to its Exact through the consent page, as the
// process tests (kill, play) set it up.
import { type DeploymentApi, openDeployment } from "@psa-ledger/deployment"
import { createWorld, type SandboxServer, startSandboxServer } from "@psa-ledger/sandbox"
import { postgresStorage } from "@psa-ledger/storage-adapters/postgres"

/** The month three months back from now, so the world's last month is the one the transfer takes. */
export const startMonth = () => {
  const now = new Date()
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 3, 1))
  return first.toISOString().slice(0, 7)
}

export const linkConfig = (server: SandboxServer) => {
  const { connectwise, exact } = server.credentials
  const taxCodes = new Map(server.world.connectwise.taxCodes.map((code) => [code.id, code.identifier]))
  return {
    name: "Acme",
    connectwise: {
      baseUrl: server.baseUrls.connectwise,
      companyId: connectwise.companyId,
      publicKey: connectwise.publicKey,
      privateKey: connectwise.privateKey,
      clientId: connectwise.clientId
    },
    exact: {
      baseUrl: server.baseUrls.exact,
      clientId: exact.clientId,
      clientSecret: exact.clientSecret,
      redirectUri: exact.redirectUri,
      division: exact.division
    },
    settings: {
      compare: "unitCost",
      transfer: {
        journal: "70",
        vatCodes: Object.fromEntries(
          server.world.truth.links.taxCodes.map((l) => [taxCodes.get(l.taxCodeId) ?? "", l.vatCode])
        ),
        paymentConditions: Object.fromEntries(
          server.world.truth.links.billingTerms.map((l) => [String(l.billingTermsId), l.paymentCondition])
        )
      }
    },
    source: { kind: "sales", unitCost: "line" },
    // Flow B may create the Exact customers it needs, so every invoice of the month is booked.
    approval: { createAccounts: "auto" }
  }
}

/** Creates the link and grants its Exact consent through the sandbox's consent page. */
export const connectLink = async (deployment: DeploymentApi, server: SandboxServer, id: string): Promise<void> => {
  await deployment.links.create(id, linkConfig(server))
  // The administrator's consent, through the sandbox's consent page.
  const { url: authorize } = await deployment.exact.connect(id, { returnTo: "/" })
  const page = new URL(authorize)
  const granted = await fetch(`${page.origin}${page.pathname}`, {
    method: "POST",
    body: new URLSearchParams({
      ...Object.fromEntries(page.searchParams),
      division: String(server.credentials.exact.division)
    }),
    redirect: "manual"
  })
  const back = new URL(granted.headers.get("location") ?? "")
  await deployment.exact.complete({
    code: back.searchParams.get("code") ?? "",
    state: back.searchParams.get("state") ?? ""
  })
}

/**
 * The process tests' fleet: a small sandbox world over HTTP (Exact's limits lifted), a deployment on
 * PostgreSQL in `schema` whose scheduling is `workers` (or the workers refuse to start), and the link
 * `acme` connected to the sandbox.
 */
export const openFleet = async (options: {
  readonly seed: number
  readonly connectionString: string
  readonly schema: string
  readonly secretKey: string
}): Promise<{ readonly sandbox: SandboxServer; readonly deployment: DeploymentApi }> => {
  const sandbox = await startSandboxServer({
    world: createWorld({ seed: options.seed, customers: 8, products: 4, months: 3, startMonth: startMonth() }),
    port: 0,
    exact: { minutelyLimit: 100_000, dailyLimit: 1_000_000 }
  })
  const deployment = await openDeployment({
    storage: (encryptionKey) =>
      postgresStorage({ connectionString: options.connectionString, schema: options.schema, encryptionKey }),
    secretKey: options.secretKey
  })
  await deployment.settings.update({ scheduling: "workers" }, { expectedVersion: 0 })
  await connectLink(deployment, sandbox, "acme")
  return { sandbox, deployment }
}
