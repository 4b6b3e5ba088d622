/**
 * Bench (not a test): a large loaded month shared by two servers on one SQLite file — the stored
 * document's size (JSON and gzip), the first grid page on the other server (one read, gunzip and
 * decode of the load) and the pages after it (served from that server's copy). Writes
 * bench/results/loaded-month.json. `CUSTOMERS=850` gives a month of about 5,000 lines.
 */

import { randomBytes } from "node:crypto"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { gzip } from "node:zlib"
import { deriveStorageKey, openDeployment } from "@psa-ledger/deployment"
import { createSandbox, createWorld, virtualClock } from "@psa-ledger/sandbox"
import { sqliteStorage } from "@psa-ledger/storage-adapters/sqlite"
import { Effect, Option } from "effect"
import { addUser, createServer } from "../src/index.ts"

const CUSTOMERS = Number(process.env.CUSTOMERS ?? 850)
const dir = mkdtempSync(join(tmpdir(), "psa-bench-month-"))
const secretKey = randomBytes(32).toString("base64")
const clock = virtualClock(Date.UTC(2026, 3, 2, 8))
const sandbox = createSandbox({ world: createWorld({ seed: 5, customers: CUSTOMERS, products: 10, months: 1 }), clock })
const open = () =>
  sqliteStorage({ filename: join(dir, "ledger.db"), encryptionKey: deriveStorageKey(secretKey), synchronous: "normal" })
const serverOn = async () => {
  const storage = await open()
  const deployment = await openDeployment({ storage, secretKey, clock, fetch: (r) => sandbox.handle(r) })
  return { storage, server: createServer({ deployment, now: () => clock.now(), scheduleTickMs: 86_400_000 }) }
}
const a = await serverOn()
const b = await serverOn()
await addUser(a.storage, { username: "bench", password: "bench password 123", role: "admin" })
let cookie = ""
let csrf = ""
const call = async (on: typeof a, method: string, path: string, body?: unknown) => {
  const res = await on.server.fetch(
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
csrf = (await call(a, "POST", "/session", { username: "bench", password: "bench password 123" })).json().csrfToken
await call(a, "POST", "/links", { id: "bench", config: sandbox.linkConfig("http://sandbox.test", { name: "Bench" }) })
const { url } = (await call(a, "POST", "/links/bench/exact/connect", {})).json()
await call(a, "GET", `/oauth/exact/callback${(await sandbox.grantConsent(url)).redirect.search}`)
const month = (await call(a, "GET", "/links/bench/months")).json().months[0]
const loadStart = performance.now()
await call(a, "POST", `/links/bench/months/${month}/load`)
while ((await call(a, "GET", `/links/bench/months/${month}`)).json().state === "loading")
  await new Promise((r) => setTimeout(r, 20))
const loadMs = performance.now() - loadStart
const stored = Option.getOrThrow(await Effect.runPromise(a.storage.loadedMonths.get("bench", month)))
const json = JSON.stringify(stored.document)
const gzipped = await promisify(gzip)(Buffer.from(json))
const page = async (on: typeof a, offset: number) => {
  const t = performance.now()
  const r = await call(on, "GET", `/links/bench/months/${month}/grid?offset=${offset}&limit=500`)
  return { ms: Math.round((performance.now() - t) * 10) / 10, status: r.status, bytes: Buffer.byteLength(r.text) }
}
const firstOnB = await page(b, 0)
const laterOnB = [await page(b, 500), await page(b, 1000), await page(b, 0)]
const onA = [await page(a, 0), await page(a, 500)]
const result = {
  month,
  rows: stored.rows,
  lines: (stored.document as { lines: Array<unknown> }).lines.length,
  loadMs: Math.round(loadMs),
  documentJsonBytes: Buffer.byteLength(json),
  documentGzipBytes: gzipped.length,
  firstPageOnOtherServer: firstOnB,
  laterPagesOnOtherServer: laterOnB,
  pagesOnLoadingServer: onA
}
console.log(JSON.stringify(result, null, 2))
mkdirSync(new URL("./results/", import.meta.url), { recursive: true })
writeFileSync(new URL("./results/loaded-month.json", import.meta.url), `${JSON.stringify(result, null, 2)}\n`)
await a.server.close()
await b.server.close()
await a.storage.close()
await b.storage.close()
rmSync(dir, { recursive: true, force: true })
