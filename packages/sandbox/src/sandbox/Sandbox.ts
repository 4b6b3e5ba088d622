/**
 * One simulated MSP in both systems: a world loaded into a ConnectWise and an Exact Online
 * simulation that share a clock, a set of demo credentials and seeded fault injection.
 */
import { type SandboxClock, wallClock } from "../clock.ts"
import { ConnectWiseSimulation, type ConnectWiseSimulationOptions } from "../connectwise/Simulation.ts"
import { createExactSimulation, type ExactSimulation, type ExactSimulationOptions } from "../exact/ExactSimulation.ts"
import type { World } from "../world/World.ts"
import { type FaultRule, SandboxFaults, type SandboxSystem, withFaults } from "./Faults.ts"
import { grantConsent, linkConfig, type SandboxConsent, type SandboxLinkConfigWith } from "./link.ts"
import { exactDivisionOf, loadConnectWiseWorld, loadExactWorld } from "./load.ts"

/**
 * What a ConnectWise client needs to log in to the sandbox.
 *
 * @since 0.1.0
 */
export interface ConnectWiseCredentials {
  readonly companyId: string
  readonly publicKey: string
  readonly privateKey: string
  readonly clientId: string
  /** The codebase `/login/companyinfo` reports, e.g. `v2026_1/`. */
  readonly codebase: string
}

/**
 * What an Exact Online client needs: the registered app, and the division the world lives in.
 *
 * @since 0.1.0
 */
export interface ExactCredentials {
  readonly clientId: string
  readonly clientSecret: string
  readonly redirectUri: string
  readonly division: number
}

/**
 * The demo credentials of both systems. They open nothing but the sandbox.
 *
 * @since 0.1.0
 */
export interface SandboxCredentials {
  readonly connectwise: ConnectWiseCredentials
  readonly exact: ExactCredentials
}

/** Where each system is mounted on a sandbox origin. */
const sandboxPaths = {
  connectwise: "/connectwise",
  exact: "/exact",
  control: "/sandbox"
} as const

/**
 * The credentials a sandbox accepts unless told otherwise (the Exact division comes from the world).
 *
 * @since 0.1.0
 */
export const demoCredentials = {
  connectwise: {
    companyId: "psaledger",
    publicKey: "sandbox-public-key",
    privateKey: "sandbox-private-key",
    clientId: "00000000-0000-4000-8000-000000000000",
    codebase: "v2026_1/"
  },
  exact: {
    clientId: "00000000-0000-4000-8000-00000000e7ac",
    clientSecret: "sandbox-client-secret",
    redirectUri: "http://127.0.0.1/sandbox/exact/callback"
  }
} as const

/**
 * Options of {@link createSandbox} (and of `sandboxHandlers` and `startSandboxServer`).
 *
 * @since 0.1.0
 */
export interface SandboxOptions {
  readonly world: World
  /** The clock both simulations read. Default: the system clock; pass `virtualClock()` in tests. */
  readonly clock?: SandboxClock
  /** The seed of the fault decisions. Default: the world's seed. */
  readonly seed?: number
  /** Latency added to every request, on the clock: one value for both systems or one per system. */
  readonly latencyMs?: number | Partial<Record<SandboxSystem, number>>
  readonly faults?: ReadonlyArray<FaultRule>
  readonly credentials?: {
    readonly connectwise?: Partial<ConnectWiseCredentials>
    readonly exact?: Partial<Omit<ExactCredentials, "division">>
  }
  /** Exact Online limits (rate limits, token lifetimes, page sizes); Exact's documented values by default. */
  readonly exact?: Omit<ExactSimulationOptions, "clock" | "seed" | "apps" | "divisions">
  readonly connectwise?: Pick<ConnectWiseSimulationOptions, "apiVersion" | "forwardOnlyUnsupported">
}

/**
 * A running sandbox: the two simulations (state, request counts), the shared clock, the faults.
 *
 * @since 0.1.0
 */
export interface Sandbox {
  readonly world: World
  readonly clock: SandboxClock
  readonly credentials: SandboxCredentials
  readonly connectwise: ConnectWiseSimulation
  readonly exact: ExactSimulation
  readonly faults: SandboxFaults
  /**
   * Answers a request on a sandbox origin: `{basePath}/connectwise/…`, `{basePath}/exact/…` and the
   * control paths `{basePath}/sandbox/…`; anything else is a 404.
   */
  handle(request: Request, basePath?: string): Promise<Response>
  /** Answers a ConnectWise request (mounted at `basePath`, default the host root) through the faults. */
  handleConnectWise(request: Request, basePath?: string): Promise<Response>
  /** Answers an Exact Online request (mounted at `basePath`, default the host root) through the faults. */
  handleExact(request: Request, basePath?: string): Promise<Response>
  /** An Exact authorization code for the demo app, as if the demo user had just consented. */
  authorizationCode(): string
  /** The base URLs of both systems on `origin` (e.g. `http://127.0.0.1:4010`). */
  urls(origin: string): SandboxUrls
  /**
   * The link configuration that reaches this sandbox on `origin` (which may end in the path the
   * sandbox is mounted at): both connections with the sandbox's credentials and the settings an
   * administrator sets once (see `SandboxLinkSettings`). `overrides` replace top-level fields (the
   * name, or the whole `settings`: spread `config.settings` to change one).
   */
  linkConfig<const O extends object = {}>(origin: string, overrides?: O): SandboxLinkConfigWith<O>
  /**
   * The user answers the Exact consent page at `authorizeUrl` (the URL a deployment's
   * `exact.connect` returned, on this sandbox) with "grant" for `division` (default the world's).
   * Rejects with an `Error` giving the status when the page or the grant is refused.
   */
  grantConsent(
    authorizeUrl: string | URL,
    options?: { readonly division?: number | undefined }
  ): Promise<SandboxConsent>
}

/**
 * Where a client points for each system.
 *
 * @since 0.1.0
 */
export interface SandboxUrls {
  /** ConnectWise API base URL (the client's `baseUrl`): `{origin}/connectwise/{codebase}apis/3.0`. */
  readonly connectwise: string
  /** The ConnectWise site root (where `/login/companyinfo/{companyId}` answers). */
  readonly connectwiseSite: string
  /** Exact Online base URL (the client's `baseUrl`; the API is under `/api/v1`, OAuth under `/api/oauth2`). */
  readonly exact: string
  /** The sandbox's own control paths. */
  readonly control: string
}

const relativeConnectWisePath = (pathname: string, basePath: string, codebase: string): string => {
  const path = pathname.slice(basePath.length)
  const api = `/${codebase}apis/3.0`
  return path.startsWith(api) ? path.slice(api.length) || "/" : path
}

const relativeExactPath = (pathname: string, basePath: string): string =>
  pathname
    .slice(basePath.length)
    .replace(/^\/api\//, "")
    .replace(/^v1\/\d+\//, "")
    .replace(/^v1\//, "")

/**
 * Loads a world into both simulations, on one clock, behind seeded faults.
 *
 * @example
 * ```ts
 * import { createSandbox, createWorld, virtualClock } from "@psa-ledger/sandbox"
 *
 * const sandbox = createSandbox({ world: createWorld({ seed: 7 }), clock: virtualClock() })
 * sandbox.exact.records(sandbox.credentials.exact.division, "SalesInvoices").length
 * sandbox.connectwise.store.all("additions").length
 * ```
 *
 * @since 0.1.0
 */
export const createSandbox = (options: SandboxOptions): Sandbox => {
  const { world } = options
  const clock = options.clock ?? wallClock
  const credentials: SandboxCredentials = {
    connectwise: { ...demoCredentials.connectwise, ...options.credentials?.connectwise },
    exact: { ...demoCredentials.exact, ...options.credentials?.exact, division: world.exact.division.Code }
  }
  const connectwise = new ConnectWiseSimulation({
    ...options.connectwise,
    companyId: credentials.connectwise.companyId,
    publicKey: credentials.connectwise.publicKey,
    privateKey: credentials.connectwise.privateKey,
    clientIds: [credentials.connectwise.clientId],
    codebase: credentials.connectwise.codebase,
    clock
  })
  loadConnectWiseWorld(connectwise, world)
  const exact = createExactSimulation({
    ...options.exact,
    clock,
    seed: world.meta.options.seed,
    apps: [
      {
        clientId: credentials.exact.clientId,
        clientSecret: credentials.exact.clientSecret,
        redirectUri: credentials.exact.redirectUri
      }
    ],
    divisions: [exactDivisionOf(world)]
  })
  loadExactWorld(exact, world)
  const faults = new SandboxFaults(options.seed ?? world.meta.options.seed, options.faults)
  const latency = options.latencyMs
  faults.latencyMs.connectwise = typeof latency === "number" ? latency : (latency?.connectwise ?? 0)
  faults.latencyMs.exact = typeof latency === "number" ? latency : (latency?.exact ?? 0)

  const handleConnectWise = (request: Request, basePath = "") => {
    const mount = basePath.replace(/\/+$/, "")
    const path = relativeConnectWisePath(new URL(request.url).pathname, mount, credentials.connectwise.codebase)
    return withFaults(faults, clock, "connectwise", request, path, () => connectwise.handle(request, mount))
  }
  const handleExact = (request: Request, basePath = "") => {
    const mount = basePath.replace(/\/+$/, "")
    const path = relativeExactPath(new URL(request.url).pathname, mount)
    return withFaults(faults, clock, "exact", request, path, () => exact.handle(request, mount))
  }
  const authorizationCode = () => exact.authorize({ clientId: credentials.exact.clientId })
  const urls = (origin: string, basePath = ""): SandboxUrls => {
    const root = `${origin.replace(/\/+$/, "")}${basePath}`
    return {
      connectwise: connectwise.baseUrl(`${root}${sandboxPaths.connectwise}`),
      connectwiseSite: `${root}${sandboxPaths.connectwise}`,
      exact: `${root}${sandboxPaths.exact}`,
      control: `${root}${sandboxPaths.control}`
    }
  }

  const control = async (request: Request, url: URL, path: string, basePath: string): Promise<Response> => {
    if (path === "" || path === "/") {
      return Response.json({
        world: {
          seed: world.meta.options.seed,
          customers: world.meta.options.customers,
          products: world.meta.options.products,
          periods: world.meta.periods,
          latestPeriod: world.meta.latestPeriod
        },
        urls: urls(url.origin, basePath),
        credentials,
        now: new Date(clock.now()).toISOString()
      })
    }
    if (path === "/exact/authorization-code" && request.method === "POST") {
      return Response.json({ code: authorizationCode() })
    }
    if (path === "/exact/callback" && request.method === "GET") {
      return Response.json({ code: url.searchParams.get("code"), state: url.searchParams.get("state") })
    }
    if (path === "/requests" && request.method === "GET") {
      return Response.json({
        connectwise: connectwise.requests.snapshot(),
        exact: exact.requestCounts(),
        faults: faults.log
      })
    }
    return Response.json({ message: `No sandbox control path ${path}.` }, { status: 404 })
  }

  const handle = async (request: Request, basePath = ""): Promise<Response> => {
    const mount = basePath.replace(/\/+$/, "")
    const url = new URL(request.url)
    const path = url.pathname.startsWith(`${mount}/`) ? url.pathname.slice(mount.length) : ""
    const under = (prefix: string) => path === prefix || path.startsWith(`${prefix}/`)
    if (under(sandboxPaths.connectwise)) return handleConnectWise(request, `${mount}${sandboxPaths.connectwise}`)
    if (under(sandboxPaths.exact)) return handleExact(request, `${mount}${sandboxPaths.exact}`)
    if (under(sandboxPaths.control)) return control(request, url, path.slice(sandboxPaths.control.length), mount)
    return Response.json(
      {
        message: `Not a sandbox path: use ${sandboxPaths.connectwise}/…, ${sandboxPaths.exact}/… or ${sandboxPaths.control}.`
      },
      { status: 404 }
    )
  }

  return {
    world,
    clock,
    credentials,
    connectwise,
    exact,
    faults,
    handle,
    handleConnectWise,
    handleExact,
    authorizationCode,
    urls: (origin) => urls(origin),
    linkConfig: (origin, overrides) => linkConfig(world, credentials, urls(origin), overrides),
    grantConsent: (authorizeUrl, options) =>
      grantConsent(handle, authorizeUrl, options?.division ?? credentials.exact.division)
  }
}
