import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { BigDecimal, DateTime, Schema } from "effect"
import {
  ChangePlan,
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
  ReconciliationRow,
  RowDecision,
  resolve
} from "../src/index.ts"
import { verifyTrusted } from "../src/internal/trusted.ts"

// Pins resolve, diff and plan byte for byte on worlds shaped like the core's benchmark (P2 in
// bench/src/cases/core.ts): every row approved, most lines linked by code, one in fifty by name,
// one in ten at another unit cost, additions the invoice no longer carries. Its hot paths are the
// ones made fast for issue 20 (a mapping remembered by thousands of rows, a key per operation, a
// line read once), so a faster core must give these digests unchanged. The digests were recorded
// on main before that work; a deliberate change of behaviour updates them
// (`GOLDEN_WRITE=1 npx vitest run test/golden-bench.test.ts`) and says so in its commit.

const period = { start: "2026-11-01", end: "2026-11-30" }
const d = (n: number, places = 2) => BigDecimal.make(BigInt(n), places)
const words = ["Alpha", "Nova", "Delta", "Orion", "Vector", "Summit", "Harbor", "Cedar", "Pixel", "Quantum", "River"]

const xorshift = (seed: number) => () => {
  seed ^= seed << 13
  seed ^= seed >>> 17
  seed ^= seed << 5
  return seed >>> 0
}

interface Shape {
  readonly seed: number
  readonly lines: number
  /** `scaled`: the benchmark's scaled snapshot; `dense`: its fixed one's proportions (two lines an addition). */
  readonly snapshot: "scaled" | "dense"
  readonly settings: LinkSettings
}

const worldOf = ({ seed, lines: count, snapshot }: Shape) => {
  const next = xorshift(seed * 2_654_435_761)
  const scaled = snapshot === "scaled"
  const COMPANIES = scaled ? Math.ceil(count / 10) : Math.ceil(count / 20)
  const PRODUCTS = scaled ? Math.ceil(count / 10) : Math.ceil(count / 10)
  const ADDITIONS = scaled ? Math.ceil((count * 11) / 10) : Math.ceil(count / 2)
  const companies = Array.from(
    { length: COMPANIES },
    (_, i) =>
      new PsaCompany({
        id: i + 1,
        identifier: `C${i + 1}`,
        name: `${words[(i + seed) % 11]} ${words[(i >> 2) % 11]} ${i} B.V.`,
        deleted: i % 97 === seed % 7
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
        inactive: i % 101 === seed % 5
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
      quantity: d(100 * (1 + ((i + seed) % 20)), 2),
      unitCost: d(1000 + ((productId - 1) % 500)),
      unitPrice: d(1500),
      effectiveDate: "2025-01-01",
      billCustomer: "Billable",
      status: "Active"
    })
  })
  const lines: Array<InvoiceLine> = Array.from({ length: count }, (_, i) => {
    const addition = additions[(i * 7_919) % ADDITIONS] as PsaAddition
    const companyId = addition.agreementId
    const fuzzy = next() % 50 === 0
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
      ...(next() % 4 === 0 ? { unitPrice: BigDecimal.format(d(1500 + (next() % 3))) } : {}),
      currency: "EUR",
      description: "service"
    })
  })
  return { snapshot: new PsaSnapshot({ companies, products, agreements, additions }), lines }
}

const plain = new LinkSettings({ agreementTypeId: 3, proposeCancellations: true })
const SHAPES: ReadonlyArray<Shape> = [
  { seed: 1, lines: 2_000, snapshot: "scaled", settings: plain },
  { seed: 2, lines: 2_000, snapshot: "scaled", settings: new LinkSettings({ compare: "both" }) },
  { seed: 3, lines: 2_000, snapshot: "dense", settings: plain },
  {
    seed: 4,
    lines: 2_000,
    snapshot: "dense",
    settings: new LinkSettings({ agreementTypeId: 3, proposeCancellations: true, datedChanges: "cancel-and-add" })
  },
  {
    seed: 5,
    lines: 2_500,
    snapshot: "scaled",
    settings: new LinkSettings({ proposeCancellations: true, effectiveDate: "day-after-period-end", compare: "both" })
  }
]

const digest = (value: unknown) => createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 16)
const encodeRows = Schema.encodeSync(Schema.Array(ReconciliationRow))
const encodePlan = Schema.encodeSync(ChangePlan)
const at = DateTime.makeUnsafe("2026-12-02T10:00:00Z")

const shapeCase = (shape: Shape) => {
  const world = worldOf(shape)
  const resolved = resolve(world.lines, world.snapshot, [], shape.settings)
  const rows = diff(resolved, world.snapshot, shape.settings)
  const decisions = new Decisions({
    linkId: `bench-${shape.seed}`,
    decidedBy: "bench",
    decidedAt: at,
    rows: Object.fromEntries(rows.map((row) => [row.key, new RowDecision({ approve: "all" })]))
  })
  const changes = plan(rows, decisions, shape.settings)
  return {
    changes,
    line: [
      shape.seed,
      world.lines.length,
      rows.length,
      changes.operations.length,
      changes.skipped.length,
      digest(encodeRows(resolved)),
      digest(encodeRows(rows)),
      digest(encodePlan(changes))
    ].join(" ")
  }
}

const golden = () =>
  readFileSync(new URL("./golden/bench-worlds.txt", import.meta.url), "utf8")
    .trimEnd()
    .split("\n")

describe("golden benchmark-shaped worlds", () => {
  beforeAll(() => verifyTrusted(true))
  afterAll(() => verifyTrusted(false))

  it("resolve, diff and plan give the recorded output", () => {
    const cases = SHAPES.map(shapeCase)
    // The shapes reach the benchmark's operations: remembered links shared by many rows, quantity,
    // cost and price updates, cancellations, and (dated changes) replacements.
    const tags = new Set(cases.flatMap(({ changes }) => changes.operations.map((op) => op._tag)))
    for (const tag of [
      "RememberMapping",
      "UpdateAdditionQuantity",
      "UpdateAdditionUnitCost",
      "UpdateAdditionUnitPrice",
      "CancelAddition",
      "AddAddition"
    ]) {
      assert.isTrue(tags.has(tag as never), tag)
    }
    assert.isTrue(cases.some(({ changes }) => changes.operations.some((op) => op.rowKeys.length > 5)))
    assert.deepStrictEqual(
      cases.map(({ line }) => line),
      golden()
    )
  })
})

if (process.env.GOLDEN_WRITE === "1") {
  const { writeFileSync } = await import("node:fs")
  writeFileSync(
    new URL("./golden/bench-worlds.txt", import.meta.url),
    `${SHAPES.map((shape) => shapeCase(shape).line).join("\n")}\n`
  )
}
