import { spawnSync } from "node:child_process"
import { describe, expect, it } from "@effect/vitest"
import { countingFetch, Metrics, serveMetrics, systemOf } from "../src/metrics.ts"

describe("metrics", () => {
  it("counts API calls and 429s per system, and serves them as Prometheus text beside /health", async () => {
    const metrics = new Metrics()
    const answer = (request: Request) =>
      Promise.resolve(new Response(null, { status: request.url.includes("busy") ? 429 : 200 }))
    const fetch = countingFetch(metrics, answer)
    await fetch(new Request("https://api-eu.myconnectwise.net/v4_6_release/apis/3.0/finance/agreements"))
    await fetch(new Request("https://start.exactonline.nl/api/v1/1/salesinvoice/SalesInvoices?busy"))
    await fetch(new Request("https://start.exactonline.nl/api/v1/1/crm/Accounts"))
    metrics.set("psa_ledger_queue_depth", "Jobs waiting", 3)
    const server = await serveMetrics({ port: 0, metrics: async () => metrics.text(), health: () => ({ ok: false }) })
    try {
      const origin = `http://127.0.0.1:${server.port}`
      const health = await globalThis.fetch(`${origin}/health`)
      expect(health.status).toBe(503)
      const response = await globalThis.fetch(`${origin}/metrics`)
      expect(response.headers.get("content-type")).toContain("text/plain; version=0.0.4")
      const text = await response.text()
      expect(text).toContain('psa_ledger_api_calls_total{system="connectwise"} 1')
      expect(text).toContain('psa_ledger_api_calls_total{system="exact"} 2')
      expect(text).toContain('psa_ledger_api_throttled_total{system="exact"} 1')
      expect(text).toContain("# TYPE psa_ledger_queue_depth gauge\npsa_ledger_queue_depth 3")
      expect((await globalThis.fetch(`${origin}/nothing`)).status).toBe(404)
    } finally {
      await server.close()
    }
    expect(systemOf("http://127.0.0.1:4010/connectwise/v2026_1/apis/3.0/company/companies")).toBe("connectwise")
  })

  it("escapes label values", () => {
    const metrics = new Metrics()
    metrics.add("x_total", "x", { job: 'a"b\\c' })
    expect(metrics.text()).toContain('x_total{job="a\\"b\\\\c"} 1')
  })
})

describe("psa-ledger-worker", () => {
  const main = new URL("../src/main.ts", import.meta.url).pathname
  const run = (args: ReadonlyArray<string>) =>
    spawnSync(process.execPath, ["--conditions=@psa-ledger/source", "--no-warnings", main, ...args], {
      encoding: "utf8",
      env: { ...process.env, PSA_LEDGER_STORAGE: "" }
    })

  it("prints its usage, and refuses a storage the fleet cannot share with one JSON error line", () => {
    const help = run(["--help"])
    expect(help.status).toBe(0)
    expect(help.stdout).toContain("--heartbeat SECONDS")
    const sqlite = run(["--storage", "sqlite:ledger.db", "--port", "0"])
    expect(sqlite.status).toBe(1)
    const line = JSON.parse(sqlite.stdout.trim().split("\n").at(-1) ?? "{}") as Record<string, unknown>
    expect(line).toMatchObject({ level: "error", message: "the worker stopped on an error" })
    expect(String(line.error)).toContain("needs a postgres:// storage")
    expect(run(["--bogus"]).status).toBe(2)
  })
})
