/**
 * The sandbox over real HTTP: one node:http server on 127.0.0.1 serving both systems.
 */
import { serveFetch } from "../internal/serveFetch.ts"
import { createSandbox, type Sandbox, type SandboxOptions, type SandboxUrls } from "./Sandbox.ts"

/**
 * Options of {@link startSandboxServer}: the sandbox's options and a port.
 *
 * @since 0.1.0
 */
export interface SandboxServerOptions extends SandboxOptions {
  /** The port on 127.0.0.1; 0 (the default) picks a free one. */
  readonly port?: number
}

/**
 * A running sandbox server.
 *
 * @since 0.1.0
 */
export interface SandboxServer extends Sandbox {
  /** `http://127.0.0.1:{port}` */
  readonly origin: string
  readonly port: number
  /** Where clients point: the ConnectWise and Exact base URLs and the control path. */
  readonly baseUrls: SandboxUrls
  /** Stops accepting connections and closes open ones. */
  close(): Promise<void>
}

/**
 * Starts both simulations, loaded with `world`, behind one HTTP server on 127.0.0.1: ConnectWise under
 * `/connectwise`, Exact Online (API and OAuth) under `/exact`, and the sandbox's control paths under
 * `/sandbox` (`GET /sandbox` describes it, `POST /sandbox/exact/authorization-code` hands out an
 * authorization code for the demo app, `GET /sandbox/requests` counts the calls).
 *
 * @example
 * ```ts
 * import { createWorld, startSandboxServer } from "@psa-ledger/sandbox"
 *
 * const server = await startSandboxServer({ world: createWorld({ seed: 7 }), port: 4010 })
 * server.baseUrls.connectwise // http://127.0.0.1:4010/connectwise/v2026_1/apis/3.0
 * server.baseUrls.exact       // http://127.0.0.1:4010/exact
 * server.credentials          // demo keys for both systems
 * server.exact.requestCounts() // what was called
 * await server.close()
 * ```
 *
 * @since 0.1.0
 */
export const startSandboxServer = async (options: SandboxServerOptions): Promise<SandboxServer> => {
  // The sandbox needs the server's origin (for the demo app's redirect), so it is made after listening.
  let sandbox: Sandbox | undefined
  const server = await serveFetch(
    (request) =>
      sandbox
        ? sandbox.handle(request)
        : Promise.resolve(Response.json({ message: "The sandbox is still loading its world." }, { status: 503 })),
    { port: options.port, failure: (message) => Response.json({ message }, { status: 500 }) }
  )
  const { origin, port } = server
  // The Exact demo app's redirect lands on the server's own callback page, which shows the code.
  const created = createSandbox({
    ...options,
    credentials: {
      ...options.credentials,
      exact: { redirectUri: `${origin}/sandbox/exact/callback`, ...options.credentials?.exact }
    }
  })
  sandbox = created
  return {
    ...created,
    origin,
    port,
    baseUrls: created.urls(origin),
    close: server.close
  }
}
