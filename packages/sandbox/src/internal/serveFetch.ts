import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

/** A fetch-style handler served by {@link serveFetch}. */
export type FetchHandler = (request: Request) => Promise<Response>

/** A running server: its origin, port, and a close that also ends open connections. */
export interface FetchServer {
  readonly origin: string
  readonly port: number
  close(): Promise<void>
}

const toRequest = async (incoming: IncomingMessage, origin: string, signal: AbortSignal): Promise<Request> => {
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
    signal,
    ...(method === "GET" || method === "HEAD" ? {} : { body: Buffer.concat(chunks) })
  })
}

const send = async (response: Response, outgoing: ServerResponse): Promise<void> => {
  if (response.type === "error") {
    // A dropped connection (a fault): no status line, no body.
    outgoing.socket?.destroy()
    return
  }
  const headers: Record<string, string> = {}
  response.headers.forEach((value, name) => {
    headers[name] = value
  })
  const body = Buffer.from(await response.arrayBuffer())
  if (outgoing.destroyed) return
  outgoing.writeHead(response.status, headers)
  outgoing.end(body)
}

/**
 * Serves a fetch-style handler over real HTTP on 127.0.0.1 (port 0 picks a free one). A client that
 * gives up aborts the request's signal, so a hanging fault ends with it; a handler that throws
 * answers 500 with the body `failure` makes, in the simulated system's own error shape.
 */
export const serveFetch = async (
  handle: FetchHandler,
  options: { readonly port?: number | undefined; readonly failure: (message: string) => Response }
): Promise<FetchServer> => {
  let origin = ""
  const server = createServer((incoming, outgoing) => {
    const abort = new AbortController()
    outgoing.on("close", () => abort.abort())
    toRequest(incoming, origin, abort.signal)
      .then(handle)
      .catch((error: unknown) => options.failure(error instanceof Error ? error.message : "simulation failure"))
      .then((response) => send(response, outgoing))
      .catch(() => {
        if (!outgoing.destroyed) outgoing.destroy()
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
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      })
  }
}
