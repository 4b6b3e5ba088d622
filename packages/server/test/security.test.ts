import { request as httpRequest } from "node:http"
import { afterAll, describe, expect, it } from "vitest"
import { DEFAULT_BODY_LIMIT_BYTES, serve } from "../src/index.ts"
import { addUsers, client, connectedLink, logLines, openWorld, PASSWORD, seen, until } from "./support.ts"

const secrets: Array<string> = []

const connected = async () => {
  const w = await openWorld()
  secrets.push(...w.secrets)
  const ann = await connectedLink(w)
  return { w, ann }
}

describe("server: CSRF, throttling, bad input, conflicts, secrets", () => {
  it("refuses a state-changing request without the session's CSRF token or from another site", async () => {
    const { w } = await connected()
    const fin = client(w.server)
    await fin.signIn("fin")
    const token = fin.csrf
    fin.csrf = undefined
    const missing = await fin.put("/links/acme/months/2026-03/draft", { version: 0, decisions: {} })
    expect(missing.status).toBe(403)
    expect(missing.body.error.code).toBe("CsrfRefused")
    const wrong = await fin.call(
      "PUT",
      "/links/acme/months/2026-03/draft",
      { version: 0, decisions: {} },
      { "x-csrf-token": "guess" }
    )
    expect(wrong.status).toBe(403)
    fin.csrf = token
    const crossSite = await fin.call(
      "PUT",
      "/links/acme/months/2026-03/draft",
      { version: 0, decisions: {} },
      { origin: "https://evil.example" }
    )
    expect(crossSite.status).toBe(403)
    const signInFromElsewhere = await client(w.server).call(
      "POST",
      "/session",
      { username: "fin", password: PASSWORD },
      { origin: "https://evil.example" }
    )
    expect(signInFromElsewhere.status).toBe(403)
    const ok = await fin.put("/links/acme/months/2026-03/draft", { version: 0, decisions: {} })
    expect(ok.status).toBe(200)
    // The token can be read again after a reload.
    expect((await fin.get("/session")).body.csrfToken).toBe(token)
  })

  it("throttles failed sign-ins per account and per address, with Retry-After", async () => {
    const w = await openWorld()
    await addUsers(w.storage)
    const attacker = client(w.server, "10.9.9.9")
    for (let i = 0; i < 5; i++) expect((await attacker.signIn("fin", "wrong password!")).status).toBe(401)
    const throttled = await attacker.signIn("fin", PASSWORD)
    expect(throttled.status).toBe(429)
    expect(Number(throttled.headers.get("retry-after"))).toBeGreaterThan(0)
    expect(throttled.body.error.code).toBe("Throttled")
    // The account is throttled from every address; another account from this address still signs in.
    expect((await client(w.server, "10.1.1.1").signIn("fin", PASSWORD)).status).toBe(429)
    expect((await client(w.server, "10.9.9.9").signIn("vic")).status).toBe(200)
    // Per address: 20 failures over many accounts.
    const sprayer = client(w.server, "10.7.7.7")
    for (let i = 0; i < 20; i++) expect((await sprayer.signIn(`user${i}`, "nope")).status).toBe(401)
    expect((await sprayer.signIn("ann")).status).toBe(429)
    expect((await client(w.server, "10.7.7.8").signIn("ann")).status).toBe(200)
  })

  it("answers bad input with 400 naming the field", async () => {
    const { w, ann } = await connected()
    const bad = w.config("Bad")
    const link = await ann.post("/links", {
      id: "bad",
      config: { ...bad, exact: { ...bad.exact, redirectUri: "nope" } }
    })
    expect(link.status).toBe(400)
    expect(link.body.error).toMatchObject({ code: "InvalidInput", field: "exact.redirectUri" })
    const id = await ann.post("/links", { id: "Not An Id", config: bad })
    expect(id.body.error.field).toBe("id")
    const limit = await ann.get("/links/acme/months/2026-03/grid?limit=5000")
    expect([limit.status, limit.body.error.field]).toEqual([400, "query.limit"])
    const month = await ann.get("/links/acme/months/March/draft")
    expect([month.status, month.body.error.field]).toEqual([400, "path.month"])
    const version = await ann.put("/links/acme/months/2026-03/draft", { version: "one", decisions: {} })
    expect([version.status, version.body.error.field]).toEqual([400, "version"])
    const decision = await ann.put("/links/acme/months/2026-03/draft", {
      version: 0,
      decisions: { r: { approve: "some" } }
    })
    expect([decision.status, decision.body.error.field]).toEqual([400, "decisions.r.approve"])
    const extra = await ann.post("/session", { username: "ann", password: PASSWORD, admin: true })
    expect([extra.status, extra.body.error.field]).toEqual([400, "admin"])
    const notJson = await ann.call("POST", "/links/acme/test", undefined, { "content-type": "text/plain" })
    expect(notJson.status).toBe(200) // no body needed
    const user = await ann.post("/users", { username: "x", role: "finance", password: "short" })
    expect([user.status, user.body.error.field]).toEqual([400, "password"])
  })

  it("refuses a body over its route's limit with 413 as it arrives, declared or streamed, and stays up", async () => {
    const w = await openWorld()
    await addUsers(w.storage)
    const http = await serve(w.server, { port: 0 })
    try {
      const { hostname, port } = new URL(http.url)
      // Sends `size` bytes of a JSON string to the public sign-in, in 1 MB chunks, with or without
      // a content-length, and reads the answer (the server may answer before the body is sent).
      const post = (size: number, declare: boolean) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = httpRequest(
            {
              hostname,
              port,
              method: "POST",
              path: "/api/v1/session",
              headers: {
                "content-type": "application/json",
                origin: http.url,
                ...(declare ? { "content-length": String(size) } : {})
              }
            },
            (res) => {
              let body = ""
              res.on("data", (chunk: Buffer) => {
                body += chunk.toString("utf8")
              })
              res.on("end", () => resolve({ status: res.statusCode ?? 0, body }))
            }
          )
          req.on("error", reject)
          const chunk = Buffer.alloc(1024 * 1024, 0x61)
          let sent = 0
          const write = () => {
            while (sent < size) {
              const n = Math.min(chunk.length, size - sent)
              sent += n
              if (!req.write(chunk.subarray(0, n))) return void req.once("drain", write)
            }
            req.end()
          }
          req.on("response", () => {
            sent = size
          })
          write()
        })
      const over = DEFAULT_BODY_LIMIT_BYTES + 1024 * 1024
      for (const declare of [true, false]) {
        const answer = await post(over, declare)
        expect(answer.status, `content-length ${declare ? "declared" : "absent"}`).toBe(413)
        expect(JSON.parse(answer.body).error).toMatchObject({ code: "TooLarge", field: "body" })
      }
      // Still serving, and a body under the limit is read as before.
      const fin = client({ fetch: (r) => fetch(new Request(r.url.replace("http://localhost", http.url), r)) })
      expect((await fin.signIn("fin")).status).toBe(200)
    } finally {
      await http.close({ graceMs: 0 })
    }
  })

  it("refuses a second apply while one runs (409 Busy) and accepts the next once it ended", async () => {
    const { w } = await connected()
    const fin = client(w.server)
    await fin.signIn("fin")
    const month = (await fin.get("/links/acme/months")).body.months[0]
    await fin.post(`/links/acme/months/${month}/load`)
    await until(async () => (await fin.get(`/links/acme/months/${month}`)).body.state === "ready", "the month")
    const [a, b] = await Promise.all([
      fin.post(`/links/acme/months/${month}/apply`, { version: 0 }),
      fin.post(`/links/acme/months/${month}/apply`, { version: 0 })
    ])
    expect([a.status, b.status].sort()).toEqual([202, 409])
    const busy = a.status === 409 ? a : b
    expect(busy.body.error.code).toBe("Busy")
    const runId = (a.status === 202 ? a : b).body.runId
    await until(async () => (await fin.get(`/links/acme/runs/${runId}`)).body.status !== "running", "the run")
    await until(
      async () => (await fin.post(`/links/acme/months/${month}/apply`, { version: 0 })).status === 202,
      "a free link"
    )
    const stale = await fin.post(`/links/acme/months/${month}/apply`, { version: 7 })
    expect([stale.status, stale.body.error.code]).toEqual([409, "VersionConflict"])
  })

  it("streams a run's events and resumes after Last-Event-ID", async () => {
    const { w } = await connected()
    const fin = client(w.server)
    await fin.signIn("fin")
    const started = await fin.post("/links/acme/transfer/payments")
    expect(started.status).toBe(202)
    const stream = await fin.get(`/links/acme/runs/${started.body.runId}/events`)
    expect(stream.headers.get("content-type")).toContain("text/event-stream")
    const frames = stream.text.split("\n\n").filter((f) => f.startsWith("id: "))
    expect(frames.at(-1)).toContain("event: end")
    expect(frames.length).toBeGreaterThan(1)
    const firstId = /^id: (\S+)/.exec(frames[0] ?? "")?.[1] ?? ""
    const resumed = await fin.get(`/links/acme/runs/${started.body.runId}/events`, { "last-event-id": firstId })
    const again = resumed.text.split("\n\n").filter((f) => f.startsWith("id: "))
    expect(again.length).toBe(frames.length - 1)
    expect(again).toEqual(frames.slice(1))
  })

  afterAll(() => {
    // No body, header or log line the tests saw holds a secret; every error has the one shape.
    const all = [...seen, ...logLines].join("\n")
    expect(secrets.length).toBeGreaterThan(0)
    for (const secret of secrets) expect(all.includes(secret)).toBe(false)
    expect(all).not.toMatch(/\bat [\w.<>]+ \(.*:\d+:\d+\)/) // no stack trace
    for (const text of seen) {
      if (!text.startsWith('{"error"')) continue
      const body = JSON.parse(text) as { error: Record<string, unknown> }
      expect(Object.keys(body)).toEqual(["error"])
      expect(typeof body.error.code).toBe("string")
      expect(typeof body.error.message).toBe("string")
      for (const key of Object.keys(body.error)) expect(["code", "message", "field", "details"]).toContain(key)
    }
  })
})
