// The sandbox world the portal runs on with `npm start` (and in its end-to-end test): a seeded MSP
// whose ConnectWise and Exact Online are simulated in this process and mounted on the portal's own
// origin under /sandbox-world, a deployment on SQLite, demo users of each role, and one link to the
// sandbox with Exact Online already connected. One builder, for the start script and the tests.
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type DeploymentApi, openDeployment } from "@psa-ledger/deployment"
import { createSandbox, createWorld, type Sandbox } from "@psa-ledger/sandbox"
import { addUser, createServer, type Server, serve } from "@psa-ledger/server"
import { staticFiles } from "./assets.ts"

/** Where the simulated systems answer on the portal's origin. */
export const SANDBOX_MOUNT = "/sandbox-world"

/** The demo sign-ins, printed by `npm start`. */
export const DEMO_USERS = {
  admin: { username: "admin@demo.example", password: "admin demo password", role: "admin" },
  finance: { username: "finance@demo.example", password: "finance demo password", role: "finance", allLinks: true },
  viewer: { username: "viewer@demo.example", password: "viewer demo password", role: "viewer", allLinks: true }
} as const

/** The id of the link `npm start` sets up. */
export const DEMO_LINK = "demo"

export interface WorldOptions {
  /** Port to listen on (0: any free port). */
  readonly port?: number | undefined
  readonly host?: string | undefined
  /** The SQLite file; default a fresh file in a new temporary folder. */
  readonly database?: string | undefined
  /** The built portal (vite's `dist`); without it only the API and the sandbox answer. */
  readonly assetsDir?: string | undefined
  readonly seed?: number | undefined
  readonly customers?: number | undefined
  readonly products?: number | undefined
  readonly months?: number | undefined
}

export interface PortalWorld {
  readonly url: string
  readonly sandbox: Sandbox
  readonly deployment: DeploymentApi
  readonly server: Server
  readonly database: string
  close(): Promise<void>
}

/** The link configuration an administrator would enter for the sandbox (with the sandbox's secrets). */
export const sandboxLinkConfig = (sandbox: Sandbox, origin: string, name = "Demo MSP") => {
  const config = sandbox.linkConfig(`${origin}${SANDBOX_MOUNT}`, { name })
  const [managed] = sandbox.world.connectwise.agreementTypes
  return {
    ...config,
    settings: {
      ...config.settings,
      // What "Create agreement…" in the grid makes: the world's managed-services agreement type.
      ...(managed === undefined ? {} : { newAgreement: { typeId: managed.id, name: "Managed Services {customer}" } })
    }
  }
}

/** Starts the portal's server on a fresh sandbox world. */
export const startPortalWorld = async (options: WorldOptions = {}): Promise<PortalWorld> => {
  const folder = options.database === undefined ? mkdtempSync(join(tmpdir(), "psa-ledger-portal-")) : undefined
  const database = options.database ?? join(folder ?? "", "ledger.db")
  // The sandbox needs the portal's origin (Exact's redirect comes back to it), so it is made after listening.
  let sandbox: Sandbox | undefined
  const world = () => {
    if (sandbox === undefined) throw new Error("the sandbox world is still being built")
    return sandbox
  }
  const deployment = await openDeployment({
    storage: async (encryptionKey) => {
      const { sqliteStorage } = await import("@psa-ledger/storage-adapters/sqlite")
      return sqliteStorage({ filename: database, encryptionKey })
    },
    secretKey: randomBytes(32).toString("base64"),
    actor: "portal",
    fetch: (request) => world().handle(request, SANDBOX_MOUNT)
  })
  const files = options.assetsDir === undefined ? undefined : staticFiles(options.assetsDir)
  const server = createServer({
    deployment,
    pollMs: 100,
    assets: (request) => {
      const path = new URL(request.url).pathname
      if (path === SANDBOX_MOUNT || path.startsWith(`${SANDBOX_MOUNT}/`)) return world().handle(request, SANDBOX_MOUNT)
      return files === undefined ? new Response("not found", { status: 404 }) : files(request)
    }
  })
  const listening = await serve(server, { port: options.port ?? 0, host: options.host ?? "127.0.0.1" })
  const origin = listening.url
  sandbox = createSandbox({
    world: createWorld({
      seed: options.seed ?? 7,
      customers: options.customers ?? 25,
      products: options.products ?? 6,
      months: options.months ?? 3
    }),
    credentials: { exact: { redirectUri: `${origin}/api/v1/oauth/exact/callback` } },
    // The rate limits are lifted: the demo shows the flows, not Exact's governor's patience.
    exact: { minutelyLimit: 100_000, dailyLimit: 1_000_000 }
  })
  for (const user of Object.values(DEMO_USERS)) await addUser(deployment.storage, user)
  await deployment.links.create(DEMO_LINK, sandboxLinkConfig(sandbox, origin), { actor: DEMO_USERS.admin.username })
  const { url } = await deployment.exact.connect(DEMO_LINK, { returnTo: "/", actor: DEMO_USERS.admin.username })
  const { code, state } = await sandbox.grantConsent(url)
  await deployment.exact.complete({ code, state, actor: DEMO_USERS.admin.username })
  const built = sandbox
  return {
    url: origin,
    sandbox: built,
    deployment,
    server,
    database,
    close: async () => {
      await listening.close({ graceMs: 5_000 })
      await deployment.close()
      // A ledger of our own making goes with the world; one the caller named stays.
      if (folder !== undefined) rmSync(folder, { recursive: true, force: true })
    }
  }
}
