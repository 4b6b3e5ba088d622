import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import type { ConnectWiseSimulation } from "./Simulation.ts"

/** A running node:http server in front of a simulation. */
export interface ConnectWiseServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string
  /** The API base URL (origin + codebase + `/apis/3.0`). */
  readonly baseUrl: string
  readonly port: number
  /** Stops accepting connections and closes open ones. */
  readonly close: () => Promise<void>
}

const toRequest = async (req: IncomingMessage, origin: string, signal: AbortSignal): Promise<Request> => {
  const chunks: Array<Buffer> = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v)
    else if (value !== undefined) headers.set(name, value)
  }
  const body = chunks.length > 0 && req.method !== "GET" && req.method !== "HEAD" ? Buffer.concat(chunks) : undefined
  return new Request(new URL(req.url ?? "/", origin), {
    method: req.method ?? "GET",
    headers,
    signal,
    ...(body ? { body } : {})
  })
}

const send = async (res: ServerResponse, response: Response): Promise<void> => {
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => {
    headers[name] = value
  })
  res.writeHead(response.status, headers)
  res.end(Buffer.from(await response.arrayBuffer()))
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
 */
export const startConnectWiseServer = async (
  simulation: ConnectWiseSimulation,
  options: { readonly port?: number } = {}
): Promise<ConnectWiseServer> => {
  let origin = ""
  const server = createServer((req, res) => {
    const abort = new AbortController()
    // A client that gives up closes the socket; a hanging fault then ends too.
    res.on("close", () => abort.abort())
    toRequest(req, origin, abort.signal)
      .then((request) => simulation.handle(request))
      .then((response) => (res.destroyed ? undefined : send(res, response)))
      .catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" })
        res.end(JSON.stringify({ code: "ServerError", message: error instanceof Error ? error.message : "error" }))
      })
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve())
  })
  const { port } = server.address() as AddressInfo
  origin = `http://127.0.0.1:${port}`
  return {
    origin,
    port,
    baseUrl: simulation.baseUrl(origin),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      })
  }
}
