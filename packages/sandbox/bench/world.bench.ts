/**
 * How long `createWorld` takes and how much memory it holds, at several sizes up to the issue's
 * 2,000 customers × 10 products × 12 months. Prints a table and writes bench/results/world.json.
 * Run with `npm run bench -w @psa-ledger/sandbox` (each size in a fresh process for clean peak memory).
 */
import { execFileSync } from "node:child_process"
import { mkdirSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { createWorld } from "../src/world/World.ts"

interface Size {
  readonly customers: number
  readonly products: number
  readonly months: number
  readonly linesPerCustomer: number
}

interface Result extends Size {
  readonly salesInvoices: number
  readonly salesLines: number
  readonly purchaseLines: number
  readonly additions: number
  readonly deviationsLatest: number
  readonly deviationsAllMonths: number
  readonly buildMs: number
  readonly buildCpuMs: number
  readonly heapUsedMb: number
  readonly peakRssMb: number
  readonly jsonMb: number
  readonly stringifyMs: number
}

const measure = (size: Size): Result => {
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const world = createWorld({ seed: 7, ...size })
  const buildMs = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  const heapUsedMb = process.memoryUsage().heapUsed / 1_048_576
  const t1 = performance.now()
  const json = JSON.stringify(world)
  const stringifyMs = performance.now() - t1
  return {
    ...size,
    salesInvoices: world.exact.salesInvoices.length,
    salesLines: world.exact.salesInvoices.reduce((n, i) => n + i.SalesInvoiceLines.length, 0),
    purchaseLines: world.exact.purchaseInvoices.reduce((n, i) => n + i.PurchaseInvoiceLines.length, 0),
    additions: world.connectwise.additions.length,
    deviationsLatest: world.truth.months.at(-1)!.deviations.length,
    deviationsAllMonths: world.truth.months.reduce((n, m) => n + m.deviations.length, 0),
    buildMs,
    buildCpuMs: (cpu.user + cpu.system) / 1000,
    heapUsedMb,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    jsonMb: Buffer.byteLength(json) / 1_048_576,
    stringifyMs
  }
}

const sizes: ReadonlyArray<Size> = [
  { customers: 100, products: 10, months: 12, linesPerCustomer: 10 },
  { customers: 500, products: 10, months: 12, linesPerCustomer: 10 },
  { customers: 2000, products: 10, months: 12, linesPerCustomer: 10 },
  { customers: 5000, products: 10, months: 12, linesPerCustomer: 10 }
]

const child = process.argv[2]
if (child !== undefined) {
  process.stdout.write(JSON.stringify(measure(JSON.parse(child) as Size)))
} else {
  const self = fileURLToPath(import.meta.url)
  const results: Array<Result> = sizes.map(
    (size) => JSON.parse(execFileSync(process.execPath, [self, JSON.stringify(size)], { encoding: "utf8" })) as Result
  )
  const fixed = (n: number, d = 0) => n.toFixed(d)
  console.table(
    results.map((r) => ({
      size: `${r.customers}×${r.products}×${r.months}`,
      "sales lines": r.salesLines,
      "purchase lines": r.purchaseLines,
      additions: r.additions,
      "deviations (latest / all)": `${r.deviationsLatest} / ${r.deviationsAllMonths}`,
      "build ms": fixed(r.buildMs),
      "build cpu ms": fixed(r.buildCpuMs),
      "heap MB": fixed(r.heapUsedMb),
      "peak RSS MB": fixed(r.peakRssMb),
      "JSON MB": fixed(r.jsonMb, 1),
      "stringify ms": fixed(r.stringifyMs)
    }))
  )
  const out = join(dirname(self), "results")
  mkdirSync(out, { recursive: true })
  writeFileSync(
    join(out, "world.json"),
    `${JSON.stringify({ benchmark: "createWorld", node: process.version, seed: 7, results }, null, 2)}\n`
  )
  console.log(`wrote ${join(out, "world.json")}`)
}
