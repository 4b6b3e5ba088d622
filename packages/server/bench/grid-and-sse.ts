/**
 * Bench (not a test): the grid of a large month served in pages of 500 (time per page and bytes),
 * and one run's server-sent events to 100 concurrent listeners. Writes bench/results/grid-and-sse.json.
 */

import { randomBytes } from "node:crypto"
import { mkdirSync, writeFileSync } from "node:fs"
import { openDeployment } from "@psa-ledger/deployment"
import { createSandbox, createWorld, virtualClock } from "@psa-ledger/sandbox"
import { memoryStorage } from "@psa-ledger/storage-adapters"
import { addUser, createServer } from "../src/index.ts"

const CUSTOMERS = Number(process.env.CUSTOMERS ?? 500)
const PRODUCTS = Number(process.env.PRODUCTS ?? 10)
const LISTENERS = Number(process.env.LISTENERS ?? 100)
const clock = virtualClock(Date.UTC(2026, 3, 2, 8))
const sandbox = createSandbox({
  world: createWorld({ seed: 5, customers: CUSTOMERS, products: PRODUCTS, months: 1 }),
  clock
})
const storage = memoryStorage()
const deployment = await openDeployment({ storage, secretKey: randomBytes(32), clock, fetch: (r) => sandbox.handle(r) })
const server = createServer({ deployment, pollMs: 20 })
await addUser(storage, { username: "bench", password: "bench password 123", role: "admin" })
let cookie = ""
let csrf = ""
const call = async (method: string, path: string, body?: unknown) => {
  const res = await server.fetch(
    new Request(`http://localhost/api/v1${path}`, {
      method,
      headers: { cookie, "x-csrf-token": csrf, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
  )
  const text = await res.text()
  const set = res.headers.get("set-cookie")
  if (set) cookie = set.split(";")[0] ?? ""
  return { status: res.status, text, json: () => JSON.parse(text) }
}
csrf = (await call("POST", "/session", { username: "bench", password: "bench password 123" })).json().csrfToken
await call("POST", "/links", {
  id: "bench",
  config: sandbox.linkConfig("http://sandbox.test", { name: "Bench", settings: {} })
})
const { url } = (await call("POST", "/links/bench/exact/connect", {})).json()
await call("GET", `/oauth/exact/callback${(await sandbox.grantConsent(url)).redirect.search}`)
const month = (await call("GET", "/links/bench/months")).json().months[0]
const loadStart = performance.now()
await call("POST", `/links/bench/months/${month}/load`)
while ((await call("GET", `/links/bench/months/${month}`)).json().state === "loading")
  await new Promise((r) => setTimeout(r, 20))
const loadMs = performance.now() - loadStart
const pages: Array<{ offset: number; ms: number; bytes: number }> = []
let total = 0
for (let offset = 0; ; offset += 500) {
  const t = performance.now()
  const page = await call("GET", `/links/bench/months/${month}/grid?offset=${offset}&limit=500`)
  const body = page.json()
  pages.push({ offset, ms: Math.round((performance.now() - t) * 10) / 10, bytes: Buffer.byteLength(page.text) })
  total = body.total
  if (offset + 500 >= total) break
}
const lines = (await call("GET", `/links/bench/months/${month}/grid?limit=1000`))
  .json()
  .rows.reduce((n: number, r: { row: { lines: Array<unknown> } }) => n + r.row.lines.length, 0)
const { runId } = (await call("POST", "/links/bench/transfer/payments")).json()
const sseStart = performance.now()
const streams = await Promise.all(
  Array.from({ length: LISTENERS }, async () => {
    const t = performance.now()
    const r = await call("GET", `/links/bench/runs/${runId}/events`)
    return { ms: performance.now() - t, bytes: Buffer.byteLength(r.text), ended: r.text.includes("event: end") }
  })
)
const result = {
  month,
  gridRows: total,
  linesInFirst1000Rows: lines,
  loadMs: Math.round(loadMs),
  pageSize: 500,
  pages,
  meanPageMs: Math.round((pages.reduce((a, p) => a + p.ms, 0) / pages.length) * 10) / 10,
  meanPageBytes: Math.round(pages.reduce((a, p) => a + p.bytes, 0) / pages.length),
  sse: {
    listeners: LISTENERS,
    allEnded: streams.every((s) => s.ended),
    wallMs: Math.round(performance.now() - sseStart),
    bytesPerListener: streams[0]?.bytes ?? 0
  }
}
mkdirSync(new URL("./results/", import.meta.url), { recursive: true })
writeFileSync(new URL("./results/grid-and-sse.json", import.meta.url), `${JSON.stringify(result, null, 2)}\n`)
console.log(JSON.stringify({ ...result, pages: `${pages.length} pages` }))
await server.close()
