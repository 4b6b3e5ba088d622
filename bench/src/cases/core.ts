/**
 * P2 — the core alone: resolve + diff + plan of a month's lines against a ConnectWise snapshot, with
 * the snapshot scaled with the lines (so rows grow with lines) or fixed at 5k companies / 10k
 * products / 50k additions. Beside it, in the same process and on the same data, plain JavaScript
 * that groups the lines, indexes the snapshot and keys every row: the cost of doing the same
 * bookkeeping with no domain logic, the reference the core is measured against.
 */
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
import { type CaseResult, peakRssMb } from "../measure.ts"

/** Parameters of one P2 run. */
export interface CoreParams {
  readonly lines: number
  /** `scaled`: a company per 10 lines, 11 additions per 10 lines (one in 11 not invoiced); `fixed`: 5k/10k/50k. */
  readonly snapshot: "scaled" | "fixed"
}

const period = { start: "2026-11-01", end: "2026-11-30" }
const d = (n: number, places = 2) => BigDecimal.make(BigInt(n), places)
const words = ["Alpha", "Nova", "Delta", "Orion", "Vector", "Summit", "Harbor", "Cedar", "Pixel", "Quantum", "River"]

/** A deterministic xorshift generator: runs are comparable. */
const generator = (seed: number) => () => {
  seed ^= seed << 13
  seed ^= seed >>> 17
  seed ^= seed << 5
  return seed >>> 0
}

interface Data {
  readonly snapshot: PsaSnapshot
  readonly lines: Array<InvoiceLine>
  readonly sizes: { readonly companies: number; readonly products: number; readonly additions: number }
}

export const makeData = ({ lines: count, snapshot: kind }: CoreParams): Data => {
  const scaled = kind === "scaled"
  const COMPANIES = scaled ? Math.max(10, Math.ceil(count / 10)) : 5_000
  const PRODUCTS = scaled ? Math.max(100, Math.ceil(count / 10)) : 10_000
  const ADDITIONS = scaled ? Math.ceil((count * 11) / 10) : 50_000
  const next = generator(2_463_534_242)
  const companies = Array.from(
    { length: COMPANIES },
    (_, i) =>
      new PsaCompany({
        id: i + 1,
        identifier: `C${i + 1}`,
        name: `${words[i % 11]} ${words[(i >> 2) % 11]} ${i} B.V.`,
        deleted: i % 97 === 0
      })
  )
  const products = Array.from(
    { length: PRODUCTS },
    (_, i) =>
      new PsaProduct({
        id: i + 1,
        identifier: `P${i + 1}`,
        description: `${words[i % 11]} service ${i}`,
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
  // Lines walk the additions with a stride prime to their count: each line its own addition while
  // lines ≤ additions (the scaled snapshot leaves one addition in 11 not invoiced).
  const lines = Array.from({ length: count }, (_, i) => {
    const addition = additions[(i * 7_919) % ADDITIONS] as PsaAddition
    const companyId = addition.agreementId
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
  return {
    snapshot: new PsaSnapshot({ companies, products, agreements, additions }),
    lines,
    sizes: { companies: COMPANIES, products: PRODUCTS, additions: ADDITIONS }
  }
}

const settings = new LinkSettings({ agreementTypeId: 3, proposeCancellations: true })
const at = DateTime.makeUnsafe("2026-12-02T10:00:00Z")

/**
 * The core's three steps on `data`, timed apart. The decisions (every row approved) are the user's
 * input between diff and plan: built and validated like the lines and the snapshot, outside the
 * core's time, and timed on their own.
 */
const runCore = (data: Data) => {
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  const resolved = resolve(data.lines, data.snapshot, [], settings)
  const t1 = performance.now()
  const c1 = process.cpuUsage()
  const rows = diff(resolved, data.snapshot, settings)
  const t2 = performance.now()
  const c2 = process.cpuUsage()
  const decisions = new Decisions({
    linkId: "bench",
    decidedBy: "bench",
    decidedAt: at,
    rows: Object.fromEntries(rows.map((row) => [row.key, new RowDecision({ approve: "all" })]))
  })
  const td = performance.now()
  const cd = process.cpuUsage()
  const changePlan = plan(rows, decisions, settings)
  const t3 = performance.now()
  const c3 = process.cpuUsage()
  const cpuMs = (from: NodeJS.CpuUsage, to: NodeJS.CpuUsage) => (to.user - from.user + to.system - from.system) / 1000
  return {
    rows: rows.length,
    operations: changePlan.operations.length,
    resolveMs: t1 - t0,
    diffMs: t2 - t1,
    planMs: t3 - td,
    decisionsMs: td - t2,
    resolveCpuMs: cpuMs(c0, c1),
    diffCpuMs: cpuMs(c1, c2),
    planCpuMs: cpuMs(cd, c3)
  }
}

/**
 * The reference: group the lines by (customer, product), index companies by identifier, products by
 * identifier and additions by (agreement, product), and key every row and every addition left over.
 */
const runPlain = (data: Data) => {
  const t0 = performance.now()
  const companyBy = new Map<string, PsaCompany>()
  for (const company of data.snapshot.companies) companyBy.set(company.identifier, company)
  const productBy = new Map<string, PsaProduct>()
  for (const product of data.snapshot.products) productBy.set(product.identifier, product)
  const additionBy = new Map<string, PsaAddition>()
  for (const addition of data.snapshot.additions)
    additionBy.set(`${addition.agreementId}|${addition.productId}`, addition)
  const groups = new Map<string, Array<InvoiceLine>>()
  for (const line of data.lines) {
    const key = `${line.customer.key}|${line.product.key}`
    const group = groups.get(key)
    if (group === undefined) groups.set(key, [line])
    else group.push(line)
  }
  const seen = new Set<string>()
  const keys: Array<string> = []
  for (const [key, group] of groups) {
    const first = group[0] as InvoiceLine
    const company = companyBy.get(first.customer.code)
    const product = productBy.get(first.product.code)
    if (company !== undefined && product !== undefined) seen.add(`${company.id}|${product.id}`)
    keys.push(`row:${key}`)
  }
  for (const key of additionBy.keys()) if (!seen.has(key)) keys.push(`cancel:${key}`)
  return { keys: keys.length, ms: performance.now() - t0 }
}

/** One P2 run: a warm-up at 1,000 lines (scaled snapshot), then the measured size (core, then the reference). */
export const run = async (params: CoreParams): Promise<CaseResult> => {
  runCore(makeData({ lines: 1_000, snapshot: "scaled" }))
  const data = makeData(params)
  globalThis.gc?.()
  const heap0 = process.memoryUsage().heapUsed
  const core = runCore(data)
  const heapMb = (process.memoryUsage().heapUsed - heap0) / 1_048_576
  const rssMb = peakRssMb()
  const plain = runPlain(data)
  const wallMs = core.resolveMs + core.diffMs + core.planMs
  return {
    metrics: {
      lines: params.lines,
      rows: core.rows,
      operations: core.operations,
      resolveMs: core.resolveMs,
      diffMs: core.diffMs,
      planMs: core.planMs,
      resolveCpuMs: core.resolveCpuMs,
      diffCpuMs: core.diffCpuMs,
      planCpuMs: core.planCpuMs,
      wallMs,
      cpuMs: core.resolveCpuMs + core.diffCpuMs + core.planCpuMs,
      decisionsMs: core.decisionsMs,
      heapGrowthMb: heapMb,
      peakRssMb: rssMb,
      usPerRow: (wallMs * 1000) / core.rows,
      plainMs: plain.ms,
      plainKeys: plain.keys,
      coreOverPlain: wallMs / plain.ms
    },
    notes: { snapshot: data.sizes }
  }
}
