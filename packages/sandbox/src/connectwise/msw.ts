import { type HttpHandler, http } from "msw"
import type { ConnectWiseSimulation } from "./Simulation.ts"

/**
 * msw handlers that answer every request to `origin` from the simulation.
 *
 * @example
 * ```ts
 * const sim = new ConnectWiseSimulation()
 * const server = setupServer(...connectWiseHandlers(sim))
 * server.listen({ onUnhandledFrame: "error" })
 * ```
 *
 * @since 0.1.0
 */
export const connectWiseHandlers = (
  simulation: ConnectWiseSimulation,
  origin: string = simulation.origin
): Array<HttpHandler> => [http.all(`${origin.replace(/\/$/, "")}/*`, ({ request }) => simulation.handle(request))]
