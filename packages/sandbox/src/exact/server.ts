/**
 * The Exact Online simulation served over real HTTP on 127.0.0.1.
 *
 * @since 0.1.0
 */
import { serveFetch } from "../internal/serveFetch.ts"
import type { ExactSimulation } from "./ExactSimulation.ts"

/**
 * A running HTTP server for a simulation.
 *
 * @since 0.1.0
 */
export interface ExactServer {
  /** `http://127.0.0.1:{port}`: use it as the client's `baseUrl`. */
  readonly url: string
  close(): Promise<void>
}

/**
 * Serves the simulation on `127.0.0.1` (port 0 picks a free one).
 *
 * @example
 * ```ts
 * import { createExactSimulation, startExactServer } from "@psa-ledger/sandbox"
 *
 * const server = await startExactServer(createExactSimulation())
 * // createExactClient({ baseUrl: server.url, ... })
 * await server.close()
 * ```
 *
 * @since 0.1.0
 */
export const startExactServer = async (
  sim: ExactSimulation,
  options: { readonly port?: number } = {}
): Promise<ExactServer> => {
  const server = await serveFetch((request) => sim.handle(request), {
    port: options.port,
    // Exact's OData error body.
    failure: (message) =>
      Response.json({ error: { code: "", message: { lang: "en-US", value: message } } }, { status: 500 })
  })
  return { url: server.origin, close: server.close }
}
