// resolve + diff + plan at 1k, 10k and 100k invoice lines against a snapshot of 5k companies,
// 10k products and 50k additions. Prints a table and writes JSON to bench/results/.
// Run: npm run bench (node --conditions=@psa-ledger/source bench/reconcile.bench.ts)
import { mkdirSync, writeFileSync } from "node:fs"
import {
  Decisions,
  diff,
  type InvoiceLine,
  LinkSettings,
  makeInvoiceLine,
  PsaAddition,
  PsaAgreement,
  PsaCompany,
  PsaProduct,
  PsaSnapshot,
  plan,
  RowDecision,
  resolve
} from "@psa-ledger/reconcile-core"
import { BigDecimal, DateTime } from "effect"

const COMPANIES = 5_000
const PRODUCTS = 10_000
const ADDITIONS = 50_000
const period = { start: "2026-11-01", end: "2026-11-30" }
const d = (n: number, places = 2) => BigDecimal.make(BigInt(n), places)

// A deterministic generator (no Math.random: runs are comparable).
let seed = 2_463_534_242
const next = () => {
  seed ^= seed << 13
  seed ^= seed >>> 17
  seed ^= seed << 5
  return seed >>> 0
}

const words = [
  "Alpha",
  "Nova",
  "Delta",
  "Orion",
  "Vector",
  "Summit",
  "Harbor",
  "Cedar",
  "Pixel",
  "Quantum",
  "River",
  "Stone"
]
const companies = Array.from(
  { length: COMPANIES },
  (_, i) =>
    new PsaCompany({
      id: i + 1,
      identifier: `C${i + 1}`,
      name: `${words[i % 12]} ${words[(i >> 2) % 12]} ${i} B.V.`,
      deleted: i % 97 === 0
    })
)
const products = Array.from(
  { length: PRODUCTS },
  (_, i) =>
    new PsaProduct({
      id: i + 1,
      identifier: `P${i + 1}`,
      description: `${words[i % 12]} service ${i}`,
      cost: d(1000 + (i % 500)),
      price: d(1500 + (i % 500)),
      inactive: i % 101 === 0
    })
)
const agreements = companies.map(
  (company) =>
    new PsaAgreement({
      id: company.id,
      name: `Cloud ${company.id}`,
      companyId: company.id,
      typeId: 3,
      status: "Active",
      startDate: "2025-01-01",
      currency: "EUR",
      prorate: false
    })
)
// 10 additions per agreement.
const additions = Array.from({ length: ADDITIONS }, (_, i) => {
  const agreementId = (i % COMPANIES) + 1
  const productId = ((agreementId * 7 + Math.floor(i / COMPANIES) * 13) % PRODUCTS) + 1
  return new PsaAddition({
    id: i + 1,
    agreementId,
    productId,
    quantity: d(100 * (1 + (i % 20)), 2),
    unitCost: d(1000 + ((productId - 1) % 500)),
    unitPrice: d(1500),
    effectiveDate: "2025-01-01",
    billCustomer: "Billable",
    status: "Active"
  })
})
const snapshotFor = () => new PsaSnapshot({ companies, products, agreements, additions })

const makeLines = (count: number): Array<InvoiceLine> =>
  Array.from({ length: count }, (_, i) => {
    // Spread over all 50k additions; beyond that, a product recurs on a second line.
    const addition = additions[(i * 7_919) % ADDITIONS] as PsaAddition
    const companyId = addition.agreementId
    // Most lines link by code; one in 50 only by a (fuzzy) name.
    const fuzzy = i % 50 === 0
    return makeInvoiceLine({
      id: `L${i}`,
      invoiceId: "INV",
      invoiceNumber: "2026-11",
      period,
      customer: {
        key: `acc-${companyId}`,
        code: fuzzy ? "" : `C${companyId}`,
        name: (companies[companyId - 1] as PsaCompany).name.replace(" B.V.", " BV")
      },
      product: { key: `item-${addition.productId}`, code: `P${addition.productId}`, description: "x" },
      quantity: String(1 + (next() % 20)),
      unitCost: BigDecimal.format(next() % 10 === 0 ? BigDecimal.sum(addition.unitCost, d(1)) : addition.unitCost),
      currency: "EUR",
      description: "service"
    })
  })

const settings = new LinkSettings({ agreementTypeId: 3, proposeCancellations: true })
const at = DateTime.makeUnsafe("2026-12-02T10:00:00Z")

interface Result {
  readonly lines: number
  readonly rows: number
  readonly operations: number
  readonly resolveMs: number
  readonly diffMs: number
  readonly planMs: number
  readonly totalMs: number
  readonly cpuMs: number
  readonly peakHeapMB: number
  readonly usPerLine: number
}

const run = (count: number): Result => {
  const lines = makeLines(count)
  const snapshot = snapshotFor()
  globalThis.gc?.()
  const baseHeap = process.memoryUsage().heapUsed
  let peak = baseHeap
  const sample = () => {
    const used = process.memoryUsage().heapUsed
    if (used > peak) peak = used
  }
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const resolved = resolve(lines, snapshot, [], settings)
  sample()
  const t1 = performance.now()
  const rows = diff(resolved, snapshot, settings)
  sample()
  const t2 = performance.now()
  const decisions = new Decisions({
    linkId: "bench",
    decidedBy: "bench",
    decidedAt: at,
    rows: Object.fromEntries(rows.map((row) => [row.key, new RowDecision({ approve: "all" })]))
  })
  const changePlan = plan(rows, decisions, settings)
  sample()
  const t3 = performance.now()
  const cpu = process.cpuUsage(cpu0)
  return {
    lines: count,
    rows: rows.length,
    operations: changePlan.operations.length,
    resolveMs: Math.round(t1 - t0),
    diffMs: Math.round(t2 - t1),
    planMs: Math.round(t3 - t2),
    totalMs: Math.round(t3 - t0),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    peakHeapMB: Math.round((peak - baseHeap) / 1e5) / 10,
    usPerLine: Math.round(((t3 - t0) * 1000) / count)
  }
}

run(1_000) // warm-up
const results = [1_000, 10_000, 100_000].map(run)
console.table(results)
mkdirSync(new URL("./results/", import.meta.url), { recursive: true })
const file = new URL(`./results/reconcile-${new Date().toISOString().replace(/[:.]/g, "-")}.json`, import.meta.url)
writeFileSync(
  file,
  `${JSON.stringify(
    { snapshot: { companies: COMPANIES, products: PRODUCTS, additions: ADDITIONS }, node: process.version, results },
    null,
    2
  )}\n`
)
process.stdout.write(`written ${file.pathname}\n`)
