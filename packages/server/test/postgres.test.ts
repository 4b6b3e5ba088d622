import { randomBytes } from "node:crypto"
import { createSandbox, createWorld, virtualClock } from "@psa-ledger/sandbox"
import { postgresStorage } from "@psa-ledger/storage-adapters/postgres"
import pg from "pg"
import { afterAll, describe, expect, it } from "vitest"
import { addUsers, client, openWorld, until } from "./support.ts"

const PG_URL = process.env.PSA_LEDGER_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test"
const schema = `psa_server_${randomBytes(6).toString("hex")}`

afterAll(async () => {
  const c = new pg.Client({ connectionString: PG_URL })
  await c.connect()
  await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  await c.end()
})

describe("two servers on one PostgreSQL storage", () => {
  it("share sessions, and a run started on one streams its events from the other", async () => {
    const secretKey = randomBytes(32).toString("base64")
    const { deriveStorageKey } = await import("@psa-ledger/deployment")
    const open = () => postgresStorage({ connectionString: PG_URL, schema, encryptionKey: deriveStorageKey(secretKey) })
    // One outside world (the sandbox) for both, as two processes behind a load balancer would share.
    const sandbox = createSandbox({
      world: createWorld({ seed: 11, customers: 12, products: 4, months: 2 }),
      clock: virtualClock(Date.UTC(2026, 3, 2, 8))
    })
    const a = await openWorld({ storage: await open(), secretKey, sandbox })
    const b = await openWorld({ storage: await open(), secretKey, sandbox })
    try {
      await addUsers(a.storage)
      const ann = client(a.server)
      expect((await ann.signIn("ann")).status).toBe(200)
      expect((await ann.post("/links", { id: "acme", config: a.config("Acme") })).status).toBe(201)
      const connect = await ann.post("/links/acme/exact/connect", {})
      expect((await ann.get(`/oauth/exact/callback${await a.consent(connect.body.url)}`)).status).toBe(303)

      // The same cookie and CSRF token work on the other server.
      const onB = client(b.server)
      onB.cookie = ann.cookie
      onB.csrf = ann.csrf
      expect((await onB.get("/session")).body).toMatchObject({ user: "ann", role: "admin" })
      expect((await onB.get("/links")).body.map((l: { id: string }) => l.id)).toEqual(["acme"])

      const started = await ann.post("/links/acme/transfer/payments")
      expect(started.status).toBe(202)
      const stream = await onB.get(`/links/acme/runs/${started.body.runId}/events`)
      const frames = stream.text.split("\n\n").filter((f) => f.startsWith("id: "))
      expect(frames.some((f) => f.includes("event: log"))).toBe(true)
      expect(frames.at(-1)).toContain("event: end")
      await until(
        async () => (await onB.get(`/links/acme/runs/${started.body.runId}`)).body.status !== "running",
        "the run"
      )

      // Signing out on one ends the session on both.
      expect((await onB.del("/session")).status).toBe(204)
      expect((await ann.get("/session")).status).toBe(401)
    } finally {
      await a.server.close()
      await b.server.close()
      await a.storage.close()
      await b.storage.close()
    }
  })
})
