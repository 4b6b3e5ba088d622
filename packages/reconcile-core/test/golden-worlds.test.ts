import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { BigDecimal, Schema } from "effect"
import {
  ChangePlan,
  CreateTarget,
  Decisions,
  dec,
  diff,
  type InvoiceLine,
  LinkSettings,
  Mapping,
  makeInvoiceLine,
  NewAgreementSettings,
  NewProductSettings,
  PsaAddition,
  PsaAgreement,
  PsaCompany,
  PsaProduct,
  PsaSnapshot,
  pendingMappings,
  plan,
  planConfirmed,
  ReconciliationRow,
  RowDecision,
  resolve,
  UseTarget
} from "../src/index.ts"
import { verifyTrusted } from "../src/internal/trusted.ts"
import { at } from "./fixtures.ts"

// Pins what resolve, diff, plan, pendingMappings and planConfirmed produce on seeded worlds of a
// few thousand lines, byte for byte after encoding. The small golden cases (golden.test.ts) reach
// every branch; these reach what only volume does: many rows sharing a customer, an agreement or a
// remembered mapping (one operation serving many rows), rows summed onto one addition, periods that
// differ between rows, and the order of thousands of operations. The digests were recorded on main
// before the core was made fast (issue 20); a deliberate change of behaviour updates them
// (`GOLDEN_WRITE=1 npx vitest run test/golden-worlds.test.ts`) and says so in its commit.

const random = (seed: number) => {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number) => Math.floor(next() * n)
  const pick = <T>(items: ReadonlyArray<T>): T => items[int(items.length)] as T
  const chance = (p: number) => next() < p
  return { int, pick, chance }
}
type Random = ReturnType<typeof random>

const digest = (value: unknown) => createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 16)
const money = (r: Random) => BigDecimal.make(BigInt(100 + r.int(4_000)), 2)
const words = ["Alpha", "Nova", "Delta", "Orion", "Vector", "Summit", "Harbor", "Cedar", "Pixel", "Quantum", "River"]

interface World {
  readonly snapshot: PsaSnapshot
  readonly lines: ReadonlyArray<InvoiceLine>
  readonly mappings: ReadonlyArray<Mapping>
}

const worldOf = (r: Random, customers: number): World => {
  const products = Math.max(20, Math.floor(customers / 2))
  const companies = Array.from(
    { length: customers },
    (_, i) =>
      new PsaCompany({
        id: i + 1,
        identifier: `C${i + 1}`,
        name: `${words[i % 11]} ${words[(i >> 2) % 11]} ${i} B.V.`,
        ...(i % 7 === 0 ? { vatNumber: `NL${100_000 + i}B01` } : {}),
        ...(i % 13 === 0 ? { accountNumber: `000${i + 1}` } : {}),
        deleted: i % 97 === 5
      })
  )
  const catalog = Array.from(
    { length: products },
    (_, i) =>
      new PsaProduct({
        id: 1_000 + i,
        identifier: `P${i}`,
        description: `${words[i % 11]} service ${i}`,
        cost: money(r),
        price: money(r),
        inactive: i % 41 === 7
      })
  )
  const agreements: Array<PsaAgreement> = []
  const additions: Array<PsaAddition> = []
  for (const company of companies) {
    const count = r.chance(0.2) ? 2 : r.chance(0.05) ? 0 : 1
    for (let a = 0; a < count; a++) {
      const id = 10_000 + agreements.length
      agreements.push(
        new PsaAgreement({
          id,
          name: `Cloud ${company.id}.${a}`,
          companyId: company.id,
          typeId: r.chance(0.85) ? 3 : 4,
          status: r.chance(0.95) ? "Active" : "Cancelled",
          startDate: "2025-01-01",
          ...(r.chance(0.05) ? { endDate: "2026-10-31" } : {}),
          currency: r.chance(0.95) ? "EUR" : "USD",
          prorate: false,
          ...(r.chance(0.05) ? { prepaid: true } : {})
        })
      )
      for (let k = r.int(6); k > 0; k--) {
        const productId = 1_000 + r.int(products)
        additions.push(
          new PsaAddition({
            id: 100_000 + additions.length,
            agreementId: id,
            productId,
            quantity: BigDecimal.make(BigInt(1 + r.int(40)), r.chance(0.1) ? 1 : 0),
            unitCost: money(r),
            unitPrice: money(r),
            ...(r.chance(0.9) ? { effectiveDate: r.pick(["2025-01-01", "2026-11-10", "2026-12-05"]) } : {}),
            ...(r.chance(0.08) ? { cancelledDate: r.pick(["2026-10-01", "2026-11-20"]) } : {}),
            billCustomer: r.chance(0.9) ? "Billable" : "DoNotBill",
            status: r.chance(0.95) ? "Active" : "Cancelled"
          })
        )
      }
    }
  }
  const byAgreement = new Map<number, Array<PsaAddition>>()
  for (const addition of additions)
    byAgreement.set(addition.agreementId, [...(byAgreement.get(addition.agreementId) ?? []), addition])
  const lines: Array<InvoiceLine> = []
  const lineOf = (customer: number, productIndex: number, template?: PsaAddition) => {
    const company = companies[customer] as PsaCompany
    const productRecord = catalog[productIndex]
    const fuzzy = r.chance(0.04)
    const unknownProduct = productRecord === undefined || r.chance(0.03)
    const id = `L${lines.length}`
    const quantity =
      template !== undefined && r.chance(0.6)
        ? BigDecimal.format(template.quantity)
        : r.pick(["1", "2", "3", "5", "8", "12", "2.5", "-1", "0", "x"])
    const unitCost =
      template !== undefined && r.chance(0.7) ? BigDecimal.format(template.unitCost) : BigDecimal.format(money(r))
    const made = makeInvoiceLine({
      id,
      invoiceId: `INV-${1 + (customer % 9)}`,
      invoiceNumber: `2026-${1 + (customer % 9)}`,
      period: r.chance(0.05)
        ? { start: "2026-11-15", end: "2026-11-30" }
        : r.chance(0.02)
          ? { start: "2026-10-01", end: "2026-11-30" }
          : { start: "2026-11-01", end: "2026-11-30" },
      customer: {
        key: `acc-${customer}`,
        code: fuzzy ? "" : r.chance(0.03) ? `  c${customer + 1} ` : `C${customer + 1}`,
        name: fuzzy && r.chance(0.5) ? company.name.replace(" B.V.", " BV") : company.name,
        ...(fuzzy && company.vatNumber !== undefined ? { vatNumber: company.vatNumber } : {})
      },
      product: unknownProduct
        ? {
            key: `new-${productIndex % 17}`,
            code: r.chance(0.8) ? `N${productIndex % 17}` : "",
            description: `New thing ${productIndex % 17}`
          }
        : {
            key: `item-${productRecord.id}`,
            code: r.chance(0.05) ? "" : productRecord.identifier,
            description: productRecord.description
          },
      quantity,
      unitCost,
      ...(r.chance(0.3)
        ? {
            unitPrice:
              template !== undefined && r.chance(0.5)
                ? BigDecimal.format(template.unitPrice)
                : BigDecimal.format(money(r))
          }
        : {}),
      currency: r.chance(0.97) ? "EUR" : r.pick(["USD", "", "XYZ"]),
      description: "service",
      ...(r.chance(0.2) ? { amount: r.chance(0.9) ? undefined : "1.00" } : {})
    })
    lines.push(made)
    // A line delivered twice (a connector replaying a page).
    if (r.chance(0.01)) lines.push(made)
  }
  for (const agreement of agreements) {
    const index = agreement.companyId - 1
    for (const addition of byAgreement.get(agreement.id) ?? []) {
      if (r.chance(0.85)) lineOf(index, addition.productId - 1_000, addition)
      // The same product on two lines (two invoices, or two seats bought apart).
      if (r.chance(0.08)) lineOf(index, addition.productId - 1_000, addition)
    }
    if (r.chance(0.3)) lineOf(index, r.int(products + 5))
  }
  for (let k = 0; k < customers / 20; k++) lineOf(r.int(customers), r.int(products))
  const mapping = (kind: Mapping["kind"], sourceKey: string, targetId: number, productKey?: string) =>
    new Mapping({
      kind,
      sourceKey,
      ...(productKey === undefined ? {} : { productKey }),
      targetId,
      method: r.pick(["manual", "confirmed-suggestion", "exact-identifier"] as const),
      decidedBy: "ann",
      decidedAt: at
    })
  const mappings: Array<Mapping> = []
  for (let k = 0; k < customers / 10; k++) {
    const customer = r.int(customers)
    mappings.push(mapping("customer", `acc-${customer}`, r.chance(0.9) ? customer + 1 : customers + 50))
  }
  for (let k = 0; k < products / 10; k++) {
    const productIndex = r.int(products)
    mappings.push(
      mapping("product", `item-${1_000 + productIndex}`, 1_000 + (r.chance(0.9) ? productIndex : r.int(products)))
    )
  }
  for (let k = 0; k < customers / 25; k++) {
    const agreement = r.pick(agreements)
    mappings.push(
      mapping(
        "agreement",
        `acc-${agreement.companyId - 1}`,
        agreement.id,
        r.chance(0.5) ? `item-${1_000 + r.int(products)}` : undefined
      )
    )
  }
  return { snapshot: new PsaSnapshot({ companies, products: catalog, agreements, additions }), lines, mappings }
}

const settingsVariants = [
  new LinkSettings({ agreementTypeId: 3, proposeCancellations: true }),
  new LinkSettings({
    compare: "both",
    datedChanges: "cancel-and-add",
    effectiveDate: "day-after-period-end",
    newAgreement: new NewAgreementSettings({ typeId: 3, name: "{customer} ({code}) cloud" }),
    tolerance: { EUR: dec("0.05") }
  }),
  new LinkSettings({
    agreementTypeId: 3,
    autoApprove: ["createProduct", "createAgreement", "addAddition", "updateQuantity"],
    newProduct: new NewProductSettings({ subcategoryId: 7, productClass: "Service" }),
    newAgreement: new NewAgreementSettings({ typeId: 3, billingCycleId: 2, billingTermsId: 1, prorate: true }),
    creditLines: "net",
    autoAcceptAbove: 0.6,
    compare: "unitPrice"
  })
]

const kinds = [
  "createProduct",
  "createAgreement",
  "addAddition",
  "updateQuantity",
  "updateUnitCost",
  "updateUnitPrice",
  "cancelAddition"
] as const

const decisionsOf = (r: Random, rows: ReadonlyArray<ReconciliationRow>) => {
  const candidates = (resolution: ReconciliationRow["customerResolution"]): ReadonlyArray<number> =>
    resolution._tag === "Suggested"
      ? resolution.candidates.map((candidate) => candidate.targetId)
      : resolution._tag === "Ambiguous"
        ? resolution.candidateIds
        : []
  const choose = (resolution: ReconciliationRow["customerResolution"], create: boolean) => {
    const ids = candidates(resolution)
    if (create && resolution._tag === "Missing" && r.chance(0.7)) return new CreateTarget({})
    if (ids.length > 0 && r.chance(0.6)) return new UseTarget({ targetId: r.pick(ids) })
    return undefined
  }
  const entries = rows.flatMap((row): Array<[string, RowDecision]> => {
    if (r.chance(0.1)) return []
    const keyed = row.customer.key !== "" && (row.origin === "connectwise" || row.product.key !== "")
    const customer = keyed ? choose(row.customerResolution, false) : undefined
    const product = keyed && row.origin === "invoice" ? choose(row.productResolution, true) : undefined
    const agreement = keyed && row.origin === "invoice" ? choose(row.agreementResolution, true) : undefined
    return [
      [
        row.key,
        new RowDecision({
          ...(r.chance(0.03) ? { exclude: true } : {}),
          ...(customer === undefined ? {} : { customer }),
          ...(product === undefined ? {} : { product }),
          ...(agreement === undefined ? {} : { agreement }),
          ...(r.chance(0.9) ? { approve: r.chance(0.7) ? ("all" as const) : kinds.filter(() => r.chance(0.5)) } : {}),
          ...(r.chance(0.05) ? { effectiveDate: "2026-11-15" } : {})
        })
      ]
    ]
  })
  return new Decisions({ linkId: "link-w", decidedBy: "ann", decidedAt: at, rows: Object.fromEntries(entries) })
}

const encodeRows = Schema.encodeSync(Schema.Array(ReconciliationRow))
const encodePlan = Schema.encodeSync(ChangePlan)
const encodeMappings = Schema.encodeSync(Schema.Array(Mapping))

const worldCase = (seed: number, customers: number) => {
  const r = random(seed)
  const world = worldOf(r, customers)
  const settings = settingsVariants[seed % settingsVariants.length] as LinkSettings
  const resolved = resolve(world.lines, world.snapshot, world.mappings, settings)
  const rows = diff(resolved, world.snapshot, settings)
  const decisions = decisionsOf(r, rows)
  const changes = plan(rows, decisions, settings)
  const confirmed = planConfirmed(
    { rows, lines: world.lines, snapshot: world.snapshot, mappings: world.mappings },
    decisions,
    settings
  )
  return {
    changes,
    line: [
      seed,
      customers,
      world.lines.length,
      changes.operations.length,
      digest(encodeRows(resolved)),
      digest(encodeRows(rows)),
      digest(encodePlan(changes)),
      digest(encodeMappings(pendingMappings(rows, decisions, settings))),
      digest(encodeRows(confirmed.rows)),
      digest(encodePlan(confirmed.plan))
    ].join(" ")
  }
}

const CASES: ReadonlyArray<readonly [seed: number, customers: number]> = [
  [1, 300],
  [2, 300],
  [3, 300],
  [4, 1_000],
  [5, 700],
  [6, 700]
]

const golden = () =>
  readFileSync(new URL("./golden/worlds.txt", import.meta.url), "utf8")
    .trimEnd()
    .split("\n")

describe("golden worlds", () => {
  // Every value the core builds without parsing is built by the constructor too, and must be the same.
  beforeAll(() => verifyTrusted(true))
  afterAll(() => verifyTrusted(false))

  it("resolve, diff, plan, pendingMappings and planConfirmed give the recorded output on seeded worlds", () => {
    const cases = CASES.map(([seed, customers]) => worldCase(seed, customers))
    // The worlds reach every operation kind, with operations that serve many rows.
    const tags = new Set(cases.flatMap(({ changes }) => changes.operations.map((op) => op._tag)))
    assert.strictEqual(tags.size, 8)
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
    new URL("./golden/worlds.txt", import.meta.url),
    `${CASES.map(([seed, customers]) => worldCase(seed, customers).line).join("\n")}\n`
  )
}
