/**
 * msw handlers that answer Exact Online requests from a simulation.
 *
 * @since 0.1.0
 */
import { HttpResponse, http, type RequestHandler } from "msw"
import type { ExactSimulation } from "./ExactSimulation.ts"

/**
 * The Exact Online hosts, one per region, that the handlers answer by default.
 *
 * @since 0.1.0
 */
export const exactHosts: ReadonlyArray<string> = [
  "https://start.exactonline.nl",
  "https://start.exactonline.be",
  "https://start.exactonline.de",
  "https://start.exactonline.co.uk",
  "https://start.exactonline.fr",
  "https://start.exactonline.es",
  "https://start.exactonline.com"
]

/**
 * msw handlers routing `{host}/api/*` to the simulation.
 *
 * @example
 * ```ts
 * import { createExactSimulation, exactHandlers } from "@psa-ledger/sandbox"
 * import { setupServer } from "msw/node"
 *
 * const sim = createExactSimulation()
 * setupServer(...exactHandlers(sim)).listen({ onUnhandledFrame: "error" })
 * ```
 *
 * @since 0.1.0
 */
export const exactHandlers = (
  sim: ExactSimulation,
  options: { readonly hosts?: ReadonlyArray<string> } = {}
): Array<RequestHandler> =>
  (options.hosts ?? exactHosts).map((host) =>
    http.all(`${host.replace(/\/$/, "")}/api/*`, async ({ request }) => {
      const response = await sim.handle(request)
      // A network failure in the simulation becomes one for the caller too.
      if (response.type === "error") return HttpResponse.error()
      return response
    })
  )
