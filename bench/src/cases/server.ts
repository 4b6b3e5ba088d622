/**
 * The server: a loaded month's grid served in pages of 500 (time per page and bytes), and one run's
 * server-sent events read by many listeners at once (time until every listener saw the run end, and
 * the frames delivered).
 *
 * Requests go through the server's `fetch` in this process, with a memory deployment over the
 * sandbox in process: what is measured is the server's own work (routing, access checks, the
 * Schemas that encode every response, the event polling), not a socket.
 */
import { randomBytes } from "node:crypto"
import { openDeployment } from "@psa-ledger/deployment"
import { createSandbox, createWorld, virtualClock } from "@psa-ledger/sandbox"
import { addUser, createServer, type Server } from "@psa-ledger/server"
import { memoryStorage } from "@psa-ledger/storage-adapters"
import { type CaseResult, peakRssMb, timed } from "../measure.ts"

/** Parameters of one run. */
export interface ServerParams {
  /** Invoice lines of the month (ten lines a customer). */
  readonly lines: number
  readonly pageSize: number
  /** Concurrent listeners on one run's event stream. */
  readonly listeners: number
}

const ORIGIN = "http://localhost"
const PASSWORD = "a long enough bench password"

/** A signed-in browser-like caller: the session cookie, and the CSRF token on writes. */
const caller = async (server: Server, username: string) => {
  let cookie = ""
  let csrf = ""
  const call = async (method: string, path: string, body?: unknown): Promise<Response> => {
    const headers = new Headers({ cookie })
    if (method !== "GET") headers.set("x-csrf-token", csrf)
    if (body !== undefined) headers.set("content-type", "application/json")
    return server.fetch(
      new Request(`${ORIGIN}/api/v1${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) })
      }),
      { clientAddress: "10.0.0.1" }
    )
  }
  const signedIn = await call("POST", "/session", { username, password: PASSWORD })
  cookie = (signedIn.headers.get("set-cookie") ?? "").split(";")[0] ?? ""
  csrf = ((await signedIn.json()) as { csrfToken: string }).csrfToken
  const json = async <A>(method: string, path: string, body?: unknown): Promise<A> => {
    const response = await call(method, path, body)
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
    return (await response.json()) as A
  }
  return { call, json }
}

const eventually = async <A>(what: string, probe: () => Promise<A | undefined>): Promise<A> => {
  for (let i = 0; i < 60_000; i++) {
    const found = await probe()
    if (found !== undefined) return found
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  throw new Error(`gave up waiting for ${what}`)
}

/** One run at `params.lines` lines. */
export const run = async (params: ServerParams): Promise<CaseResult> => {
  const clock = virtualClock(Date.UTC(2026, 3, 2, 8))
  const customers = Math.max(1, Math.round(params.lines / 10))
  const world = createWorld({ seed: 7, customers, products: 10, months: 1, linesPerCustomer: 10 })
  const sandbox = createSandbox({ world, clock })
  const storage = memoryStorage()
  const deployment = await openDeployment({
    storage,
    secretKey: randomBytes(32).toString("base64"),
    clock,
    fetch: (request) => sandbox.handle(request)
  })
  const server = createServer({ deployment, log: () => {}, pollMs: 25, now: () => clock.now() })
  try {
    await addUser(storage, { username: "ann", password: PASSWORD, role: "admin" })
    const ann = await caller(server, "ann")
    await ann.json("POST", "/links", {
      id: "bench",
      config: sandbox.linkConfig("http://sandbox.test", { name: "Bench" })
    })
    const connect = await ann.json<{ url: string }>("POST", "/links/bench/exact/connect", {})
    const granted = await sandbox.grantConsent(connect.url)
    await ann.call("GET", `/oauth/exact/callback${granted.redirect.search}`)

    const month = world.meta.latestPeriod
    await ann.json("POST", `/links/bench/months/${month}/load`, {})
    await eventually("the month to load", async () => {
      const state = await ann.json<{ state: string }>("GET", `/links/bench/months/${month}`)
      if (state.state === "failed") throw new Error("the month failed to load")
      return state.state === "ready" ? true : undefined
    })

    // Every page of the grid, in order.
    const pageMs: Array<number> = []
    let bytes = 0
    let rows = 0
    let total = Number.POSITIVE_INFINITY
    const pages = await timed(async () => {
      for (let offset = 0; offset < total; offset += params.pageSize) {
        const t0 = performance.now()
        const response = await ann.call(
          "GET",
          `/links/bench/months/${month}/grid?offset=${offset}&limit=${params.pageSize}`
        )
        const text = await response.text()
        pageMs.push(performance.now() - t0)
        bytes += Buffer.byteLength(text)
        const page = JSON.parse(text) as { rows: Array<unknown>; total: number }
        total = page.total
        rows += page.rows.length
      }
    })

    // One run, many listeners: a transfer of every invoice not yet transferred, its events read live
    // by every listener until its end frame.
    const started = await ann.json<{ runId: string }>("POST", "/links/bench/transfer/run", { unposted: true })
    const streams = await timed(() =>
      Promise.all(
        Array.from({ length: params.listeners }, async () => {
          const response = await ann.call("GET", `/links/bench/runs/${started.runId}/events`)
          const text = await response.text()
          const frames = text.split("\n\n").filter((frame) => frame.startsWith("id: "))
          if (!frames.at(-1)?.includes("event: end")) throw new Error("a listener's stream ended without the run's end")
          return frames.length
        })
      )
    )
    const frames = streams.value.reduce((sum, n) => sum + n, 0)
    const sorted = [...pageMs].sort((a, b) => a - b)
    return {
      metrics: {
        lines: params.lines,
        rows,
        pages: pageMs.length,
        msPerPageMedian: sorted[sorted.length >> 1] ?? Number.NaN,
        msPerPageMax: sorted.at(-1) ?? Number.NaN,
        kbPerPage: bytes / 1024 / Math.max(1, pageMs.length),
        gridWallMs: pages.wallMs,
        gridCpuMs: pages.cpuMs,
        listeners: params.listeners,
        framesPerListener: frames / params.listeners,
        sseWallMs: streams.wallMs,
        sseCpuMs: streams.cpuMs,
        peakRssMb: peakRssMb()
      }
    }
  } finally {
    await server.close()
  }
}
