/**
 * The sandbox over real HTTP: one node:http server on 127.0.0.1 serving both systems.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
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
    // A dropped connection: no status line, no body.
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
  let sandbox: Sandbox | undefined
  let origin = ""
  const server = createServer((incoming, outgoing) => {
    const abort = new AbortController()
    // A client that gives up closes the socket; a hanging fault then ends too.
    outgoing.on("close", () => abort.abort())
    toRequest(incoming, origin, abort.signal)
      .then((request) =>
        sandbox
          ? sandbox.handle(request)
          : Response.json({ message: "The sandbox is still loading its world." }, { status: 503 })
      )
      .then((response) => send(response, outgoing))
      .catch((error: unknown) => {
        if (outgoing.destroyed) return
        if (!outgoing.headersSent) outgoing.writeHead(500, { "content-type": "application/json" })
        outgoing.end(JSON.stringify({ message: error instanceof Error ? error.message : "Sandbox failure." }))
      })
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve())
  })
  const { port } = server.address() as AddressInfo
  origin = `http://127.0.0.1:${port}`
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
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      })
  }
}
