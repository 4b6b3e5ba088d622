import { serveFetch } from "../internal/serveFetch.ts"
import type { ConnectWiseSimulation } from "./Simulation.ts"

/**
 * A running node:http server in front of a simulation.
 *
 * @since 0.1.0
 */
export interface ConnectWiseServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string
  /** The API base URL (origin + codebase + `/apis/3.0`). */
  readonly baseUrl: string
  readonly port: number
  /** Stops accepting connections and closes open ones. */
  readonly close: () => Promise<void>
}

/**
 * Serves a simulation over real HTTP on 127.0.0.1 (an ephemeral port unless one is given).
 *
 * @example
 * ```ts
 * const server = await startConnectWiseServer(new ConnectWiseSimulation())
 * // point a client at server.baseUrl
 * await server.close()
 * ```
 *
 * @since 0.1.0
 */
export const startConnectWiseServer = async (
  simulation: ConnectWiseSimulation,
  options: { readonly port?: number } = {}
): Promise<ConnectWiseServer> => {
  const server = await serveFetch((request) => simulation.handle(request), {
    port: options.port,
    failure: (message) => Response.json({ code: "ServerError", message }, { status: 500 })
  })
  return { ...server, baseUrl: simulation.baseUrl(server.origin) }
}
