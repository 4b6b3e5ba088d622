/**
 * The Exact Online simulation served over real HTTP on 127.0.0.1.
 *
 * @since 0.1.0
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
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

const toRequest = async (incoming: IncomingMessage, origin: string): Promise<Request> => {
  const chunks: Array<Buffer> = []
  for await (const chunk of incoming) chunks.push(chunk as Buffer)
  const headers = new Headers()
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v)
    else if (value !== undefined) headers.set(name, value)
  }
  const method = incoming.method ?? "GET"
  return new Request(new URL(incoming.url ?? "/", origin), {
    method,
    headers,
    ...(method === "GET" || method === "HEAD" ? {} : { body: Buffer.concat(chunks) })
  })
}

const send = async (response: Response, outgoing: ServerResponse) => {
  if (response.type === "error") {
    outgoing.socket?.destroy()
    return
  }
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => {
    headers[name] = value
  })
  outgoing.writeHead(response.status, headers)
  outgoing.end(Buffer.from(await response.arrayBuffer()))
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
  const server = createServer((incoming, outgoing) => {
    const address = server.address() as AddressInfo
    toRequest(incoming, `http://127.0.0.1:${address.port}`)
      .then((request) => sim.handle(request))
      .then((response) => send(response, outgoing))
      .catch(() => {
        if (!outgoing.headersSent) outgoing.writeHead(500, { "Content-Type": "application/json" })
        outgoing.end(JSON.stringify({ error: { code: "", message: { lang: "en-US", value: "Simulation failure." } } }))
      })
  })
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      })
  }
}
