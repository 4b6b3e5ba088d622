// Two `psa-ledger-server` processes on one PostgreSQL storage, as two servers behind a load
// balancer: a session made on one is valid on the other, a month loaded on one is served by the
// other, and a run started on one streams its events from the other. The outside world is the sandbox over HTTP, shared by both.
import { type ChildProcess, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { deriveStorageKey } from "@psa-ledger/deployment"
import { createWorld, type SandboxServer, startSandboxServer } from "@psa-ledger/sandbox"
import { postgresStorage } from "@psa-ledger/storage-adapters/postgres"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { addUsers, client } from "./support.ts"

const PG_URL = process.env.PSA_LEDGER_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test"
const schema = `psa_servers_${randomBytes(6).toString("hex")}`
const secretKey = randomBytes(32).toString("base64")

/** Waits for `check` to give a value; the cap only keeps a broken run from hanging (it is not a timing assertion). */
const eventually = async <A>(what: string, check: () => Promise<A | undefined>): Promise<A> => {
  const deadline = Date.now() + 240_000
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

interface Process {
  readonly child: ChildProcess
  readonly exited: Promise<number | null>
  readonly stderr: () => string
  readonly url: string
}

const startServer = async (): Promise<Process> => {
  const child = spawn(process.execPath, ["--conditions=@psa-ledger/source", "src/bin.ts"], {
    cwd: new URL("..", import.meta.url).pathname,
    env: {
      PATH: process.env.PATH ?? "",
      PSA_LEDGER_STORAGE: PG_URL,
      PSA_LEDGER_PG_SCHEMA: schema,
      PSA_LEDGER_SECRET_KEY: secretKey,
      PORT: "0"
    },
    stdio: ["ignore", "ignore", "pipe"]
  })
  let stderr = ""
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  const url = await eventually("the server to listen", async () => {
    if (child.exitCode !== null) throw new Error(`the server exited: ${stderr}`)
    return /"url":"([^"]+)"/.exec(stderr)?.[1]
  })
  return { child, exited, stderr: () => stderr, url }
}

/** The tests' browser-like client, over HTTP to one process. */
const over = (process: Process) =>
  client({
    fetch: async (request: Request) => {
      const { pathname, search } = new URL(request.url)
      const body = request.method === "GET" ? undefined : await request.text()
      return fetch(`${process.url}${pathname}${search}`, {
        method: request.method,
        headers: request.headers,
        // As the in-process client sees it: a redirect is an answer, not followed.
        redirect: "manual",
        ...(body === undefined ? {} : { body })
      })
    }
  })

describe("two psa-ledger-server processes on one PostgreSQL storage", () => {
  let sandbox: SandboxServer
  const servers: Array<Process> = []

  beforeAll(async () => {
    sandbox = await startSandboxServer({ world: createWorld({ seed: 11, customers: 12, products: 4, months: 2 }) })
    // The first process creates the schema; the users are added beside it, as `psa-ledger users add` does.
    servers.push(await startServer())
    const storage = await postgresStorage({
      connectionString: PG_URL,
      schema,
      encryptionKey: deriveStorageKey(secretKey)
    })
    try {
      await addUsers(storage)
    } finally {
      await storage.close()
    }
    servers.push(await startServer())
  })

  afterAll(async () => {
    for (const server of servers) server.child.kill("SIGKILL")
    await Promise.all(servers.map((server) => server.exited))
    await sandbox?.close()
    const c = new pg.Client({ connectionString: PG_URL })
    await c.connect()
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await c.end()
  })

  it("share sessions and loaded months, and a run started on one streams its events from the other", async () => {
    const [a, b] = servers as [Process, Process]
    const ann = over(a)
    expect((await ann.signIn("ann")).status).toBe(200)
    const config = sandbox.linkConfig(sandbox.origin, { name: "Acme" })
    expect((await ann.post("/links", { id: "acme", config })).status).toBe(201)
    // The consent goes through the sandbox's page; its callback lands on the other process.
    const connect = await ann.post("/links/acme/exact/connect", {})
    expect(connect.status).toBe(200)
    const onB = over(b)
    onB.cookie = ann.cookie
    onB.csrf = ann.csrf
    const granted = await sandbox.grantConsent(connect.body.url)
    expect((await onB.get(`/oauth/exact/callback${granted.redirect.search}`)).status).toBe(303)

    // The session made on A is valid on B.
    expect((await onB.get("/session")).body).toMatchObject({ user: "ann", role: "admin" })
    expect((await onB.get("/links")).body.map((l: { id: string }) => l.id)).toEqual(["acme"])

    // A month loaded on A is served by B (no session affinity): its status, pages, draft and plan.
    const month = (await ann.get("/links/acme/months")).body.months[0] as string
    const path = `/links/acme/months/${month}`
    expect((await ann.post(`${path}/load`)).status).toBe(202)
    await eventually("the month to load on A", async () =>
      (await ann.get(path)).body.state === "ready" ? true : undefined
    )
    const gridA = await ann.get(`${path}/grid?limit=1000`)
    expect(gridA.body.total).toBeGreaterThan(0)
    expect((await onB.get(path)).body).toEqual({ month, state: "ready", rows: gridA.body.total })
    const pageB = await onB.get(`${path}/grid?offset=1&limit=3`)
    expect(pageB.status).toBe(200)
    expect([pageB.body.total, pageB.body.rows]).toEqual([gridA.body.total, gridA.body.rows.slice(1, 4)])
    const decisions = Object.fromEntries(
      gridA.body.rows.map((r: { row: { key: string } }) => [r.row.key, { approve: "all" }])
    )
    expect((await onB.put(`${path}/draft`, { version: 0, decisions })).status).toBe(200)
    const planB = await onB.post(`${path}/plan`)
    expect(planB.status).toBe(200)
    expect(planB.body.plan.operations.length).toBeGreaterThan(0)
    // The same plan on A (but for the plan's time: these processes read the real clock).
    const planA = (await ann.post(`${path}/plan`)).body
    const keys = (plan: { operations: Array<{ idempotencyKey: string }> }) =>
      plan.operations.map((o) => o.idempotencyKey)
    expect([planA.summary, keys(planA.plan)]).toEqual([planB.body.summary, keys(planB.body.plan)])

    // A run started on A, its events read from B until it ends.
    const started = await ann.post("/links/acme/transfer/payments")
    expect(started.status).toBe(202)
    const runId = started.body.runId as string
    const stream = await onB.get(`/links/acme/runs/${runId}/events`)
    const frames = stream.text.split("\n\n").filter((f) => f.startsWith("id: "))
    expect(frames.some((f) => f.includes("event: log"))).toBe(true)
    expect(frames.at(-1)).toContain("event: end")
    const run = await eventually("the run to finish", async () => {
      const found = (await onB.get(`/links/acme/runs/${runId}`)).body
      return found.status === "running" ? undefined : found
    })
    expect(run).toMatchObject({ id: runId, job: "transfer.syncPayments", status: "succeeded" })

    // Signing out on B ends the session on A.
    expect((await onB.del("/session")).status).toBe(204)
    expect((await ann.get("/session")).status).toBe(401)

    // Both stop gracefully, and neither logged a secret.
    for (const server of servers) server.child.kill("SIGTERM")
    expect(await Promise.all(servers.map((server) => server.exited))).toEqual([0, 0])
    const logs = servers.map((server) => server.stderr()).join("\n")
    for (const secret of [
      secretKey,
      sandbox.credentials.connectwise.privateKey,
      sandbox.credentials.exact.clientSecret
    ]) {
      expect(logs).not.toContain(secret)
    }
  })
})
