/**
 * How fast a world loads into the sandbox and how fast the HTTP server answers 1,000-row pages, at
 * 500 and 2,000 customers × 10 products × 12 months. Each size runs in a fresh process; the table is
 * printed and bench/results/server.json written. Plain fetch over real HTTP on 127.0.0.1 (no client
 * library), the system clock, Exact's rate limits lifted so they do not pace the measurement.
 */
import { execFileSync } from "node:child_process"
import { mkdirSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { startSandboxServer } from "../src/sandbox/server.ts"
import { createWorld } from "../src/world/World.ts"

interface Size {
  readonly customers: number
  readonly products: number
  readonly months: number
  readonly linesPerCustomer: number
}

interface Timings {
  readonly count: number
  readonly firstMs: number
  readonly p50Ms: number
  readonly p95Ms: number
  readonly maxMs: number
}

interface Result extends Size {
  readonly salesLines: number
  readonly companies: number
  readonly additions: number
  readonly worldMs: number
  readonly loadMs: number
  readonly loadCpuMs: number
  readonly heapMb: number
  readonly peakRssMb: number
  readonly exactBulkPage: Timings
  readonly connectwisePage: Timings
  readonly connectwiseAdditions: Timings
}

const summarise = (samples: ReadonlyArray<number>): Timings => {
  const sorted = [...samples].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
  return { count: samples.length, firstMs: samples[0] ?? 0, p50Ms: at(0.5), p95Ms: at(0.95), maxMs: at(1) }
}

const timed = async (url: string, init: RequestInit): Promise<{ ms: number; body: unknown; rows: number }> => {
  const t0 = performance.now()
  const response = await fetch(url, init)
  const text = await response.text()
  const ms = performance.now() - t0
  if (!response.ok) throw new Error(`${response.status} from ${url}: ${text.slice(0, 200)}`)
  const body = JSON.parse(text) as unknown
  const rows = Array.isArray(body)
    ? body.length
    : ((body as { d?: { results?: Array<unknown> } }).d?.results?.length ?? 0)
  return { ms, body, rows }
}

const measure = async (size: Size): Promise<Result> => {
  const t0 = performance.now()
  const world = createWorld({ seed: 7, ...size })
  const worldMs = performance.now() - t0
  const cpu0 = process.cpuUsage()
  const t1 = performance.now()
  const server = await startSandboxServer({
    world,
    exact: { minutelyLimit: 1_000_000, dailyLimit: 1_000_000 }
  })
  const loadMs = performance.now() - t1
  const cpu = process.cpuUsage(cpu0)
  const heapMb = process.memoryUsage().heapUsed / 1_048_576
  try {
    // Exact: a token, then every 1,000-row page of the bulk sales lines, following __next.
    const { clientId, clientSecret, redirectUri, division } = server.credentials.exact
    const token = (await (
      await fetch(`${server.baseUrls.exact}/api/oauth2/token`, {
        method: "POST",
        body: new URLSearchParams({
          grant_type: "authorization_code",
          code: server.authorizationCode(),
          client_id: clientId,
          client_secret: clientSecret,
          redirect_uri: redirectUri
        })
      })
    ).json()) as { access_token: string }
    const exactInit = { headers: { authorization: `Bearer ${token.access_token}`, accept: "application/json" } }
    const exactSamples: Array<number> = []
    let next: string | undefined =
      `${server.baseUrls.exact}/api/v1/${division}/bulk/SalesInvoice/SalesInvoiceLines?$select=ID,InvoiceID,ItemCode,Quantity,NetPrice,AmountFC,CostPriceFC`
    let exactRows = 0
    while (next !== undefined && exactSamples.length < 40) {
      const page: { ms: number; body: unknown; rows: number } = await timed(next, exactInit)
      exactSamples.push(page.ms)
      exactRows += page.rows
      next = (page.body as { d: { __next?: string } }).d.__next
    }
    if (exactRows <= (exactSamples.length - 1) * 1000) throw new Error(`expected full pages, got ${exactRows} rows`)

    // ConnectWise: 1,000-row pages of companies (forward-only), then additions agreement by agreement.
    const { companyId, publicKey, privateKey, clientId: cwClientId } = server.credentials.connectwise
    const cwInit = {
      headers: {
        authorization: `Basic ${Buffer.from(`${companyId}+${publicKey}:${privateKey}`).toString("base64")}`,
        clientid: cwClientId,
        accept: "application/vnd.connectwise.com+json; version=2026.4",
        "pagination-type": "forward-only"
      }
    }
    const cwSamples: Array<number> = []
    for (let i = 0; i < 20; i++) {
      const page = await timed(`${server.baseUrls.connectwise}/company/companies?pageSize=1000`, cwInit)
      if (page.rows !== Math.min(1000, world.connectwise.companies.length)) throw new Error("short page")
      cwSamples.push(page.ms)
    }
    const additionSamples: Array<number> = []
    for (const agreement of world.connectwise.agreements.slice(0, 200)) {
      const page = await timed(
        `${server.baseUrls.connectwise}/finance/agreements/${agreement.id}/additions?pageSize=1000`,
        cwInit
      )
      additionSamples.push(page.ms)
    }
    return {
      ...size,
      salesLines: world.exact.salesInvoices.reduce((n, i) => n + i.SalesInvoiceLines.length, 0),
      companies: world.connectwise.companies.length,
      additions: world.connectwise.additions.length,
      worldMs,
      loadMs,
      loadCpuMs: (cpu.user + cpu.system) / 1000,
      heapMb,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      exactBulkPage: summarise(exactSamples),
      connectwisePage: summarise(cwSamples),
      connectwiseAdditions: summarise(additionSamples)
    }
  } finally {
    await server.close()
  }
}

const sizes: ReadonlyArray<Size> = [
  { customers: 500, products: 10, months: 12, linesPerCustomer: 10 },
  { customers: 2000, products: 10, months: 12, linesPerCustomer: 10 }
]

const child = process.argv[2]
if (child !== undefined) {
  process.stdout.write(JSON.stringify(await measure(JSON.parse(child) as Size)))
} else {
  const self = fileURLToPath(import.meta.url)
  const results: Array<Result> = sizes.map(
    (size) =>
      JSON.parse(
        execFileSync(process.execPath, [self, JSON.stringify(size)], { encoding: "utf8", maxBuffer: 1 << 24 })
      ) as Result
  )
  const ms = (n: number) => n.toFixed(1)
  const page = (t: Timings) => `${ms(t.firstMs)} / ${ms(t.p50Ms)} / ${ms(t.p95Ms)} (n=${t.count})`
  console.table(
    results.map((r) => ({
      size: `${r.customers}×${r.products}×${r.months}`,
      "sales lines": r.salesLines,
      additions: r.additions,
      "world ms": ms(r.worldMs),
      "load ms": ms(r.loadMs),
      "heap MB": r.heapMb.toFixed(0),
      "Exact bulk 1,000 rows ms (first/p50/p95)": page(r.exactBulkPage),
      "CW companies 1,000 rows ms (first/p50/p95)": page(r.connectwisePage),
      "CW additions per agreement ms (first/p50/p95)": page(r.connectwiseAdditions)
    }))
  )
  const out = join(dirname(self), "results")
  mkdirSync(out, { recursive: true })
  writeFileSync(
    join(out, "server.json"),
    `${JSON.stringify({ benchmark: "startSandboxServer", node: process.version, seed: 7, results }, null, 2)}\n`
  )
  console.log(`wrote ${join(out, "server.json")}`)
}
