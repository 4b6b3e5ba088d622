/**
 * Kills a child process at chosen points of its conversation with the sandbox, deterministically.
 *
 * A small HTTP proxy sits between the child and the sandbox server and numbers the writes it
 * forwards (every non-GET request except Exact's token endpoint), across all children of a run.
 * A kill point names a write number and a moment:
 * - `before`: the write arrives and the child is killed before it reaches the server (nothing written);
 * - `answered`: the server has carried out the write, the child is killed before the answer reaches it
 *   (written, but the child never learnt it — the case that duplicates naive writers);
 * - `delivered`: the answer reaches the child and it is killed at once (it may or may not have
 *   journaled it).
 * Each point fires once, in order; then the driver restarts the child until a run completes.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { createServer, type IncomingMessage, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { finished } from "node:stream/promises"

export type KillMoment = "before" | "answered" | "delivered"

export interface KillPoint {
  /** The 1-based number of the forwarded write at which the child dies. */
  readonly write: number
  readonly moment: KillMoment
}

/** A seeded PRNG (mulberry32): the same seed gives the same kill points on every machine. */
export const prng = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * `count` kill points spread over writes 1…`writes`: one in each of `count` equal slices, at a seeded
 * place inside the slice, each with a seeded moment.
 */
export const killPoints = (writes: number, count: number, seed: number): ReadonlyArray<KillPoint> => {
  if (writes < count) throw new Error(`${count} kill points need at least ${count} writes, the run has ${writes}`)
  const random = prng(seed)
  const moments: ReadonlyArray<KillMoment> = ["before", "answered", "delivered"]
  return Array.from({ length: count }, (_, i) => {
    const low = Math.floor((i * writes) / count) + 1
    const high = Math.floor(((i + 1) * writes) / count)
    return {
      write: low + Math.floor(random() * (high - low + 1)),
      moment: moments[Math.floor(random() * moments.length)] as KillMoment
    }
  })
}

const isWrite = (method: string, url: string) => method !== "GET" && method !== "HEAD" && !url.includes("/oauth2/")

/** What happened at one kill. */
export interface Kill extends KillPoint {
  readonly attempt: number
  readonly request: string
}

/** The proxy in front of a sandbox origin. */
export class KillingProxy {
  readonly kills: Array<Kill> = []
  /** Writes forwarded to the server (all children). */
  writes = 0
  /** Requests forwarded to the server (all children). */
  requests = 0
  /** Every forwarded write: its number, the child's attempt, the request and the answer's status. */
  readonly log: Array<{ write: number; attempt: number; request: string; status: number; body: string }> = []
  private points: Array<KillPoint> = []
  /** Only a live, attached child can be killed: requests of a killed child still in flight fire nothing. */
  private armed = false
  private child: ChildProcess | undefined
  private attempt = 0
  private inFlight = 0
  private idleWaiters: Array<() => void> = []
  private server: Server | undefined
  origin = ""
  // A plain field rather than a parameter property: Node's type stripping rejects those.
  private readonly upstream: string

  constructor(upstream: string) {
    this.upstream = upstream
  }

  async start(): Promise<this> {
    this.server = createServer((incoming, outgoing) => {
      this.inFlight++
      this.forward(incoming)
        .then(async (answer) => {
          if (answer === undefined) {
            outgoing.socket?.destroy()
            return
          }
          outgoing.writeHead(answer.status, answer.headers)
          // `finished`, not end's callback: when the child died while its request was with the server,
          // the answer meets a closed socket and end's callback never comes (the driver then waited for
          // this request for ever, on a loaded machine where kills land before answers do).
          outgoing.end(answer.body)
          await finished(outgoing).catch(() => undefined)
          answer.after?.()
        })
        .catch(() => outgoing.socket?.destroy())
        .finally(() => {
          this.inFlight--
          if (this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve()
        })
    })
    this.server.keepAliveTimeout = 1
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve))
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
    return this
  }

  /** Kill points for the children to come (strictly increasing write numbers). */
  arm(points: ReadonlyArray<KillPoint>) {
    this.points = [...points]
  }

  get pointsLeft() {
    return this.points.length
  }

  /** The child now talking through the proxy. */
  attach(child: ChildProcess, attempt: number) {
    this.child = child
    this.attempt = attempt
    this.armed = true
  }

  /** Resolves when no forwarded request is still open (a killed child's writes have all landed). */
  idle(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server?.closeAllConnections()
      this.server?.close(() => resolve())
    })
  }

  private kill(point: KillPoint, request: string) {
    this.kills.push({ ...point, attempt: this.attempt, request })
    this.child?.kill("SIGKILL")
  }

  private async forward(incoming: IncomingMessage) {
    const method = incoming.method ?? "GET"
    const url = incoming.url ?? "/"
    const chunks: Array<Buffer> = []
    for await (const chunk of incoming) chunks.push(chunk as Buffer)
    const write = isWrite(method, url)
    const next = this.points[0]
    // `<=`: writes of a killed child that were in flight may have moved the count past the next point.
    const due = this.armed && write && next !== undefined && next.write <= this.writes + 1 ? next : undefined
    const label = `${method} ${url.replace(/\?.*$/, "")}`
    if (due !== undefined) {
      // One point per child: it is as good as dead from here on, whenever the kill lands.
      this.points.shift()
      this.armed = false
    }
    if (due?.moment === "before") {
      this.kill(due, label)
      return undefined
    }
    const headers = new Headers()
    for (const [name, value] of Object.entries(incoming.headers)) {
      if (value === undefined || ["host", "connection", "content-length", "transfer-encoding"].includes(name)) continue
      headers.set(name, Array.isArray(value) ? value.join(", ") : value)
    }
    this.requests++
    const number = write ? ++this.writes : 0
    const attempt = this.attempt
    const response = await fetch(`${this.upstream}${url}`, {
      method,
      headers,
      ...(method === "GET" || method === "HEAD" ? {} : { body: Buffer.concat(chunks) })
    })
    const body = Buffer.from(await response.arrayBuffer())
    if (write) {
      const sent = Buffer.concat(chunks).toString("utf8")
      this.log.push({ write: number, attempt, request: label, status: response.status, body: sent.slice(0, 120) })
    }
    if (due?.moment === "answered") {
      this.kill(due, label)
      return undefined
    }
    const out: Record<string, string> = {}
    response.headers.forEach((value, name) => {
      if (!["content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive"].includes(name)) {
        out[name] = value
      }
    })
    return {
      status: response.status,
      headers: out,
      body,
      after: due?.moment === "delivered" ? () => this.kill(due, label) : undefined
    }
  }
}

/** How a sequence of children went. */
export interface Restarts {
  /** Children started (1 + kills when every kill point fired). */
  readonly attempts: number
  readonly kills: ReadonlyArray<Kill>
  readonly wallMs: number
}

/**
 * Starts `command` again and again — each time after the killed child is gone and its forwarded
 * requests have landed — until a child exits 0. A child that exits otherwise fails the run with its stderr.
 */
export const runUntilComplete = async (
  proxy: KillingProxy,
  start: (attempt: number) => ChildProcess,
  maxAttempts = 60
): Promise<Restarts> => {
  const started = performance.now()
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const child = start(attempt)
    proxy.attach(child, attempt)
    let stderr = ""
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null]
    await proxy.idle()
    if (code === 0) return { attempts: attempt, kills: [...proxy.kills], wallMs: performance.now() - started }
    if (signal !== "SIGKILL") throw new Error(`child ${attempt} exited with ${code ?? signal}:\n${stderr}`)
  }
  throw new Error(`no child completed in ${maxAttempts} attempts`)
}

/** Spawns the child script with the workspace's source condition. */
export const spawnChild = (configFile: string) =>
  spawn(
    process.execPath,
    ["--conditions=@psa-ledger/source", new URL("./child.ts", import.meta.url).pathname, configFile],
    { stdio: ["ignore", "ignore", "pipe"] }
  )
