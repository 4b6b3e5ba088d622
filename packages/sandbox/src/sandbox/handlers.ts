/**
 * msw handlers for a whole sandbox: both systems on their vendors' hosts, and the same layout as the
 * HTTP server on one origin.
 */
import { HttpResponse, http, type RequestHandler } from "msw"
import { exactHosts } from "../exact/handlers.ts"
import type { World } from "../world/World.ts"
import { createSandbox, type Sandbox, type SandboxOptions } from "./Sandbox.ts"

/**
 * Options of {@link sandboxHandlers}; with a `World`, the {@link SandboxOptions} to build its sandbox.
 *
 * @since 0.1.0
 */
export interface SandboxHandlerOptions extends Omit<SandboxOptions, "world"> {
  /**
   * The origin that serves the server's layout (`{origin}/connectwise/…`, `{origin}/exact/…`,
   * `{origin}/sandbox/…`). Default `https://sandbox.psa-ledger.test`.
   */
  readonly origin?: string
  /** Also answer on the vendors' own hosts. Default true. */
  readonly vendorHosts?: boolean
  /** The ConnectWise host answered when `vendorHosts` is on. Default `https://api-eu.myconnectwise.net`. */
  readonly connectwiseOrigin?: string
  /** The Exact Online hosts answered when `vendorHosts` is on. Default every region's `start.exactonline.*`. */
  readonly exactHosts?: ReadonlyArray<string>
}

/**
 * The default origin of the sandbox layout under msw.
 *
 * @since 0.1.0
 */
export const sandboxOrigin = "https://sandbox.psa-ledger.test"

// msw answers a network failure with HttpResponse.error(), not with a Response.error() passed through.
const passError = (response: Response): Response => (response.type === "error" ? HttpResponse.error() : response)

/**
 * msw handlers answering both systems from one sandbox: give a `World` (a sandbox is built from it and
 * the options) or a `Sandbox` you made with `createSandbox` to assert on its state and request counts.
 *
 * @example
 * ```ts
 * import { createSandbox, createWorld, sandboxHandlers, virtualClock } from "@psa-ledger/sandbox"
 * import { setupServer } from "msw/node"
 *
 * const sandbox = createSandbox({ world: createWorld({ seed: 7 }), clock: virtualClock() })
 * const server = setupServer(...sandboxHandlers(sandbox))
 * server.listen({ onUnhandledFrame: "error" })
 * // ConnectWise at https://api-eu.myconnectwise.net, Exact Online at https://start.exactonline.nl,
 * // or both under https://sandbox.psa-ledger.test/connectwise and …/exact
 * ```
 *
 * @since 0.1.0
 */
export const sandboxHandlers = (
  source: World | Sandbox,
  options: SandboxHandlerOptions = {}
): Array<RequestHandler> => {
  const sandbox = "handle" in source ? source : createSandbox({ ...options, world: source })
  const origin = (options.origin ?? sandboxOrigin).replace(/\/+$/, "")
  const handlers: Array<RequestHandler> = [
    http.all(`${origin}/*`, async ({ request }) => passError(await sandbox.handle(request)))
  ]
  if (options.vendorHosts !== false) {
    const cw = (options.connectwiseOrigin ?? sandbox.connectwise.origin).replace(/\/+$/, "")
    handlers.push(http.all(`${cw}/*`, async ({ request }) => passError(await sandbox.handleConnectWise(request))))
    for (const host of options.exactHosts ?? exactHosts) {
      handlers.push(
        http.all(`${host.replace(/\/+$/, "")}/api/*`, async ({ request }) =>
          passError(await sandbox.handleExact(request))
        )
      )
    }
  }
  return handlers
}
