import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Readable } from "node:stream"
import type { DeploymentApi } from "@psa-ledger/deployment"
import { Hono } from "hono"
import { ApiError } from "./ApiError.ts"
import { type AuthOptions, canSeeLink, hasRole } from "./Auth.ts"
import type { ServerContext, ServerLog } from "./internal/context.ts"
import { decodeInput, encodeOutput } from "./internal/decode.ts"
import { toApiError } from "./internal/errors.ts"
import { openApiDocument } from "./internal/openapi.ts"
import { type ServerQueueOptions, serverQueue } from "./internal/queue.ts"
import { Reply, type Route } from "./internal/route.ts"
import { startScheduling } from "./internal/scheduling.ts"
import { checkCsrf, identify } from "./internal/session.ts"
import { routes } from "./routes/index.ts"

/**
 * What `createServer` needs: the deployment, how callers are known (`auth`, default the built-in
 * sign-in), and optionally a handler for the portal's static files.
 *
 * @since 0.1.0
 */
export interface ServerOptions {
  readonly deployment: DeploymentApi
  readonly auth?: AuthOptions | undefined
  /** Serves everything outside `/api/` (the portal's built files); default 404. */
  readonly assets?: ((request: Request) => Response | Promise<Response>) | undefined
  /** The server's log (default none); it never receives a secret. */
  readonly log?: ServerLog | undefined
  /** The clock for sessions, throttling and run ages: give the deployment's clock when it has one (default `Date.now`). */
  readonly now?: (() => number) | undefined
  /** How often event streams look for new events in storage, ms (default 250). */
  readonly pollMs?: number | undefined
  /**
   * How often the server re-reads the links' schedules and starts what fell due by `now`, ms
   * (default 15 000). It does so only while the deployment's `scheduling` is `in-process`.
   */
  readonly scheduleTickMs?: number | undefined
  /**
   * The worker fleet's run queue (PostgreSQL). While the deployment's `scheduling` is `workers`, a
   * manual transfer or payment sync is queued there for the workers, and answered with its job id;
   * without it, such a run starts in this server.
   */
  readonly queue?: ServerQueueOptions | undefined
}

/**
 * Per-request facts the host knows and the `Request` does not: the client's address (for the
 * sign-in throttle).
 *
 * @since 0.1.0
 */
export interface RequestInfo {
  readonly clientAddress?: string | undefined
}

/**
 * A running server: a Web-standard `fetch` handler and `close()`, which stops the schedules, waits
 * for runs and loads started here (up to `graceMs`, default 30 s) and then aborts what is left.
 *
 * @since 0.1.0
 */
export interface Server {
  fetch(request: Request, info?: RequestInfo): Promise<Response>
  /**
   * Plans the schedules now (the server does this every `scheduleTickMs` on its own): in
   * `in-process` mode starts every occurrence that fell due by the clock since the last plan and
   * resolves with how many; in `workers` mode starts none (0).
   */
  runDueSchedules(): Promise<number>
  close(options?: { readonly graceMs?: number | undefined }): Promise<void>
}

const PREFIX = "/api/v1"

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: {
      ...(status === 204 ? {} : { "content-type": "application/json; charset=utf-8" }),
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      ...headers
    }
  })

const errorResponse = (error: ApiError) => json(error.status, error.body, { ...error.extra.headers })

/**
 * The most a request body may be when its route says nothing: a month's draft of decisions for tens
 * of thousands of rows fits; a body meant to exhaust the server's memory does not.
 */
export const DEFAULT_BODY_LIMIT_BYTES = 16 * 1024 * 1024

const tooLarge = (limit: number) =>
  new ApiError(413, "TooLarge", `the body is over ${Math.floor(limit / 1024 / 1024)} MB`, { field: "body" })

/**
 * The body's text, read as it arrives and refused with 413 as soon as it passes `limit` bytes
 * (a `content-length` over it is refused before a byte is read), so no client makes the server
 * hold more than the limit.
 */
const readText = async (request: Request, limit: number): Promise<string> => {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN)
  if (declared > limit) throw tooLarge(limit)
  if (request.body === null) return ""
  const reader = request.body.getReader()
  const chunks: Array<Uint8Array> = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel().catch(() => {})
      throw tooLarge(limit)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks, size).toString("utf8")
}

const readBody = async (request: Request, limit: number): Promise<unknown> => {
  const type = request.headers.get("content-type") ?? ""
  const text = await readText(request, limit)
  if (text === "") return {}
  if (!/^application\/json\b/i.test(type)) {
    throw new ApiError(415, "UnsupportedMediaType", "send the body as application/json", { field: "body" })
  }
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new ApiError(400, "InvalidInput", "the body is not valid JSON", { field: "body" })
  }
}

const queryOf = (url: URL): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [k, v] of url.searchParams) out[k] = v
  return out
}

/** The pipeline of one route: who, may they, is the input right, then the handler and its Schema'd answer. */
const handlerOf = (ctx: ServerContext, route: Route) => async (request: Request, params: Record<string, string>) => {
  try {
    const caller = route.access === "public" ? undefined : await identify(ctx, request)
    if (route.access !== "public") {
      if (caller === undefined) throw new ApiError(401, "Unauthenticated", "sign in first")
      if (!hasRole(caller.principal.role, route.access)) {
        throw new ApiError(403, "Forbidden", `this needs the ${route.access} role`)
      }
    }
    if (route.method !== "get") checkCsrf(request, caller)
    const decodedParams = route.params === undefined ? {} : decodeInput(route.params, params, "path")
    const linkId = (decodedParams as { linkId?: string }).linkId
    // No grant, no link: the same 404 as a link that does not exist.
    if (linkId !== undefined && caller !== undefined && !canSeeLink(caller.principal, linkId)) {
      throw new ApiError(404, "NotFound", "no such link")
    }
    const url = new URL(request.url)
    const query = route.query === undefined ? {} : decodeInput(route.query, queryOf(url), "query")
    const body =
      route.body === undefined
        ? undefined
        : decodeInput(route.body, await readBody(request, route.maxBodyBytes ?? DEFAULT_BODY_LIMIT_BYTES), "body")
    const result = await route.handle({
      params: decodedParams,
      query,
      body,
      principal: caller?.principal ?? { user: "anonymous", role: "viewer", links: [] },
      request,
      server: ctx,
      deployment: ctx.deployment
    })
    if (result instanceof Response) return result
    const reply = result instanceof Reply ? result : new Reply(result)
    const status = reply.options.status ?? route.status ?? 200
    if (route.response === "text") {
      return new Response(String(reply.body), {
        status,
        headers: { "cache-control": "no-store", ...reply.options.headers }
      })
    }
    if (route.response === "none" || route.response === "redirect")
      return json(status === 200 ? 204 : status, undefined, { ...reply.options.headers })
    if (typeof route.response === "string") throw new Error(`route ${route.operationId} answered no Response`)
    return json(status, encodeOutput(route.response, reply.body), { ...reply.options.headers })
  } catch (error) {
    const api = toApiError(error)
    if (api.status >= 500) {
      ctx.log("error", `${route.operationId} failed`, {
        code: api.code,
        error: error instanceof Error ? error.name : "unknown"
      })
    }
    return errorResponse(api)
  }
}

/**
 * The HTTP API over a deployment: `/api/v1/…` (see `/api/v1/openapi.json`), a Web-standard
 * `fetch(Request) → Response`, so it runs under Node's HTTP server (`serve`), behind any framework
 * or in a serverless function.
 *
 * @example
 * ```ts
 * import { createServer } from "@psa-ledger/server"
 *
 * const server = createServer({ deployment })
 * const res = await server.fetch(new Request("http://localhost/api/v1/openapi.json"))
 * ```
 *
 * @since 0.1.0
 */
export const createServer = (options: ServerOptions): Server => {
  const ctx: ServerContext = {
    deployment: options.deployment,
    storage: options.deployment.storage,
    auth: options.auth ?? {},
    now: options.now ?? Date.now,
    log: options.log ?? (() => {}),
    months: new Map(),
    loaded: new Map(),
    active: new Map(),
    work: new Set(),
    shutdown: new AbortController(),
    pollMs: options.pollMs ?? 250,
    queue: options.queue === undefined ? undefined : serverQueue(options.queue)
  }
  const app = new Hono()
  for (const route of routes) {
    const handle = handlerOf(ctx, route)
    const path = PREFIX + route.path.replace(/\{(\w+)\}/g, ":$1")
    app.on(route.method.toUpperCase(), path, (c) => handle(c.req.raw, c.req.param() as Record<string, string>))
  }
  const document = openApiDocument(routes)
  app.get(`${PREFIX}/openapi.json`, () => json(200, document, { "cache-control": "public, max-age=60" }))
  app.all(`${PREFIX}/*`, () => errorResponse(new ApiError(404, "NotFound", "no such route")))
  app.all("*", (c) =>
    options.assets === undefined ? errorResponse(new ApiError(404, "NotFound", "not found")) : options.assets(c.req.raw)
  )
  app.onError((error) => {
    ctx.log("error", "unhandled", { error: error.name })
    return errorResponse(new ApiError(500, "Internal", "the server failed; see its log"))
  })
  const scheduling = startScheduling(ctx, options.scheduleTickMs ?? 15_000)
  let closing = false
  return {
    runDueSchedules: () => scheduling.tick(),
    fetch: async (request, info) => {
      if (closing)
        return errorResponse(
          new ApiError(503, "ShuttingDown", "the server is shutting down", { headers: { "retry-after": "5" } })
        )
      // The throttle's address comes from the host, never from a header a client could set.
      const headers = new Headers(request.headers)
      headers.delete("x-psa-client-address")
      if (info?.clientAddress !== undefined) headers.set("x-psa-client-address", info.clientAddress)
      const init: RequestInit & { duplex?: "half" } = { method: request.method, headers, signal: request.signal }
      if (request.body !== null) {
        init.body = request.body
        init.duplex = "half"
      }
      return app.fetch(new Request(request.url, init))
    },
    close: async (closeOptions) => {
      closing = true
      const grace = closeOptions?.graceMs ?? 30_000
      const all = Promise.allSettled([...ctx.work, scheduling.stop()])
      let timer: ReturnType<typeof setTimeout> | undefined
      await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, grace)))])
      clearTimeout(timer)
      ctx.shutdown.abort(new Error("the server is shutting down"))
      await Promise.allSettled([...ctx.work, scheduling.stop({ abort: true })])
      await ctx.queue?.close()
    }
  }
}

/**
 * Serves a server on Node's HTTP server; resolves once listening with the bound address and `close()`.
 *
 * @since 0.1.0
 */
export const serve = async (
  server: Server,
  options: { readonly port?: number | undefined; readonly host?: string | undefined } = {}
): Promise<{ readonly url: string; close(options?: { readonly graceMs?: number | undefined }): Promise<void> }> => {
  const host = options.host ?? "127.0.0.1"
  const http = createHttpServer((req, res) => void bridge(server, req, res, host))
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject)
    http.listen(options.port ?? 8080, host, () => resolve())
  })
  const address = http.address() as AddressInfo
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address
  return {
    url: `http://${shown}:${address.port}`,
    close: async (closeOptions) => {
      const stopped = new Promise<void>((resolve) => http.close(() => resolve()))
      await server.close(closeOptions)
      http.closeAllConnections()
      await stopped
    }
  }
}

const bridge = async (server: Server, req: IncomingMessage, res: ServerResponse, host: string) => {
  const controller = new AbortController()
  res.on("close", () => controller.abort())
  try {
    const url = `http://${req.headers.host ?? host}${req.url ?? "/"}`
    const headers = new Headers()
    for (const [k, v] of Object.entries(req.headers)) {
      if (Array.isArray(v)) for (const item of v) headers.append(k, item)
      else if (v !== undefined) headers.set(k, v)
    }
    const hasBody = req.method !== "GET" && req.method !== "HEAD"
    const init: RequestInit & { duplex?: "half" } = { method: req.method ?? "GET", headers, signal: controller.signal }
    if (hasBody) {
      // Streamed, not buffered here: the route's body limit stops a body too large as it arrives.
      init.body = Readable.toWeb(req) as ReadableStream<Uint8Array>
      init.duplex = "half"
    }
    const response = await server.fetch(new Request(url, init), { clientAddress: req.socket.remoteAddress })
    const out: Record<string, string | Array<string>> = {}
    response.headers.forEach((value, key) => {
      if (key === "set-cookie") return
      out[key] = value
    })
    const cookies = response.headers.getSetCookie()
    if (cookies.length > 0) out["set-cookie"] = cookies
    res.writeHead(response.status, out)
    if (response.body === null) return void res.end()
    const reader = response.body.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      res.write(value)
    }
    res.end()
  } catch {
    if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" })
    res.end(JSON.stringify({ error: { code: "Internal", message: "the server failed; see its log" } }))
  }
}
