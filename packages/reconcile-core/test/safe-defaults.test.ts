import { assert, describe, it } from "@effect/vitest"
import { BigDecimal } from "effect"
import {
  applyToSnapshot,
  Decisions,
  type Deviation,
  dec,
  decideAll,
  diff,
  InvoiceLine,
  LinkSettings,
  linkedId,
  makeInvoiceLine,
  Period,
  PsaSnapshot,
  plan,
  planConfirmed,
  type ReconciliationRow,
  RowDecision,
  resolve,
  rowKeyOf,
  summarizeRows,
  toMapping,
  UseTarget
} from "../src/index.ts"
import { addition, agreement, at, baseSnapshot, company, line, period } from "./fixtures.ts"

// Default settings: nothing but what a new link has.
const defaults = new LinkSettings({})
const acme = { key: "g1", code: "C100" }
const tags = (deviations: ReadonlyArray<Deviation>) => deviations.map((deviation) => deviation._tag).sort()
const decisionsOf = (rows: Record<string, RowDecision>) =>
  new Decisions({ linkId: "link-1", decidedBy: "ann", decidedAt: at, rows })
const grid = (lines: ReadonlyArray<InvoiceLine>, snapshot = baseSnapshot(), settings = defaults) =>
  diff(resolve(lines, snapshot, [], settings), snapshot, settings)
const changes = (p: ReturnType<typeof plan>) => p.operations.filter((op) => op._tag !== "RememberMapping")

describe("defect 1: bulk decisions confirm only what is safe", () => {
  it("a similar-name suggestion is not confirmed by decideAll and rewrites no other customer's addition", () => {
    // "Acme Holding" has no company; Acme B.V. (company 1) is g1's certain match.
    const lines = [
      line("a", acme, { key: "BP" }, "5", "18.70"),
      line("b", acme, { key: "EXO" }, "2", "4"),
      line("x", { key: "g9", code: "C999", name: "Acme Holding" }, { key: "BP" }, "4", "18.70")
    ]
    const rows = grid(lines)
    const stranger = rows.find((row) => row.customer.key === "g9")
    assert.strictEqual(stranger?.customerResolution._tag, "Suggested")
    assert.isUndefined(linkedId(stranger!.customerResolution))
    const decided = decideAll(rows)
    assert.isUndefined(decided[stranger!.key]?.customer)
    const p = plan(rows, decisionsOf(decided), defaults)
    assert.deepStrictEqual(changes(p), [])
    assert.isFalse(p.operations.some((op) => op._tag === "RememberMapping" && op.sourceKey === "g9"))
  })

  it("even above the threshold, a suggestion whose target is another customer's certain match is not accepted", () => {
    const lines = [
      line("a", acme, { key: "BP" }, "5", "18.70"),
      line("x", { key: "g9", code: "C999", name: "ACME BV" }, { key: "BP" }, "4", "18.70")
    ]
    const row = resolve(lines, baseSnapshot(), [], new LinkSettings({ autoAcceptAbove: 0.5 })).find(
      (r) => r.customer.key === "g9"
    )
    assert.isTrue(row?.customerResolution._tag === "Suggested" && !row.customerResolution.autoAccepted)
  })

  it("a unique exact-name suggestion clearly ahead links by itself and is remembered as auto-accepted", () => {
    const lines = [line("z", { key: "g5", code: "?", name: "Globex GmbH" }, { key: "BP" }, "1", "1")]
    const rows = grid(lines)
    assert.strictEqual(linkedId(rows[0]!.customerResolution), 2)
    const p = plan(rows, decisionsOf(decideAll(rows)), defaults)
    const remembered = p.operations.find((op) => op._tag === "RememberMapping" && op.kind === "customer")
    assert.isTrue(remembered?._tag === "RememberMapping" && remembered.method === "auto-accepted")
  })

  it("decideAll confirms a weaker suggestion only on the rows the caller names", () => {
    const lines = [line("z", { key: "g5", code: "?", name: "Globex Benelux" }, { key: "BP" }, "1", "1")]
    const rows = grid(lines)
    const suggested = rows[0]!.customerResolution
    assert.isTrue(suggested._tag === "Suggested" && !suggested.autoAccepted && suggested.candidates[0]!.targetId === 2)
    assert.isUndefined(decideAll(rows)[rows[0]!.key]?.customer)
    assert.deepStrictEqual(
      decideAll(rows, { confirmRows: [rows[0]!.key] })[rows[0]!.key]?.customer,
      new UseTarget({ targetId: 2 })
    )
  })
})

describe("defect 2: a link confirmed through a plan decision is remembered", () => {
  it("planConfirmed re-resolves with the confirmed company and still remembers it", () => {
    const lines = [line("z", { key: "g5", code: "?", name: "Globex Benelux" }, { key: "BP" }, "3", "18.70")]
    const snapshot = new PsaSnapshot({
      ...baseSnapshot(),
      agreements: [...baseSnapshot().agreements, agreement(700, 2)],
      additions: [...baseSnapshot().additions, addition(990, 700, 10, "1", "18.70")]
    })
    const rows = diff(resolve(lines, snapshot, [], defaults), snapshot, defaults)
    const key = rows[0]!.key
    const decisions = decisionsOf({
      [key]: new RowDecision({ approve: "all", customer: new UseTarget({ targetId: 2 }) })
    })
    const { plan: p } = planConfirmed({ rows, lines, snapshot, mappings: [] }, decisions, defaults)
    const remembered = p.operations.find((op) => op._tag === "RememberMapping" && op.kind === "customer")
    assert.isTrue(remembered?._tag === "RememberMapping" && remembered.method === "confirmed-suggestion")
    // And the confirmed company's agreement was found, so the quantity change is planned too.
    assert.isTrue(p.operations.some((op) => op._tag === "UpdateAdditionQuantity" && op.additionId === 990))
    const mappings = p.operations.flatMap((op) => (op._tag === "RememberMapping" ? [toMapping(op)!] : []))
    const next = resolve(lines, snapshot, mappings, defaults)
    assert.strictEqual(next[0]?.customerResolution._tag, "Mapped")
  })
})

describe("defect 3: the only active agreement is certain; an unresolved agreement is visible", () => {
  it("a company's only active agreement is matched with default settings", () => {
    const rows = grid([line("c", acme, { key: "DEF" }, "12", "3")])
    assert.deepStrictEqual(
      rows[0]?.agreementResolution,
      rows[0]?.agreementResolution._tag === "Matched" ? rows[0].agreementResolution : undefined
    )
    assert.strictEqual(linkedId(rows[0]!.agreementResolution), 500)
    assert.deepStrictEqual(tags(rows[0]!.deviations), ["AdditionMissing"])
  })

  it("with two agreements and no evidence the row says NeedsAgreement and what will be compared", () => {
    const snapshot = new PsaSnapshot({
      ...baseSnapshot(),
      agreements: [...baseSnapshot().agreements, agreement(501, 1, { name: "Prepaid hours" })],
      additions: []
    })
    const rows = grid([line("c", acme, { key: "DEF" }, "12", "3")], snapshot)
    const needs = rows[0]?.deviations.find((d) => d._tag === "NeedsAgreement")
    assert.isTrue(needs?._tag === "NeedsAgreement" && needs.companyId === 1)
    assert.match(
      needs?._tag === "NeedsAgreement" ? needs.pending : "",
      /invoice 12 at 3; ConnectWise has no addition.*after you pick the agreement/
    )
    assert.strictEqual(summarizeRows(rows).needsPerson, 1)
  })

  it("with two agreements the one carrying the customer's other products is a strong suggestion that links", () => {
    const snapshot = new PsaSnapshot({
      ...baseSnapshot(),
      agreements: [...baseSnapshot().agreements, agreement(501, 1, { name: "Prepaid hours" })]
    })
    const rows = grid(
      [
        line("a", acme, { key: "BP" }, "5", "18.70"),
        line("b", acme, { key: "EXO" }, "2", "4"),
        line("c", acme, { key: "DEF" }, "1", "3")
      ],
      snapshot
    )
    const def = rows.find((row) => row.product.key === "DEF")
    assert.strictEqual(linkedId(def!.agreementResolution), 500)
    assert.deepStrictEqual(tags(def!.deviations), ["AdditionMissing"])
  })
})

describe("defect 4: ConnectWise's own customer keys link a line", () => {
  const snapshot = new PsaSnapshot({
    ...baseSnapshot(),
    companies: [
      ...baseSnapshot().companies,
      company(8, "WIDGETS", "Widgets Ltd", { accountNumber: "000417" }),
      company(9, "HOOLI", "Hooli BV", { vatNumber: "BE0123.456.789" })
    ]
  })
  it("the account code matches accountNumber (leading zeros ignored)", () => {
    const row = resolve([line("w", { key: "g8", code: "   417" }, { key: "BP" }, "1", "1")], snapshot, [], defaults)[0]
    assert.isTrue(row?.customerResolution._tag === "Matched" && row.customerResolution.targetId === 8)
  })
  it("the VAT number matches taxIdentifier by default, normalised", () => {
    const row = resolve(
      [line("h", { key: "g9", code: "nope", name: "Other name", vatNumber: "be 0123456789" }, { key: "BP" }, "1", "1")],
      snapshot,
      [],
      defaults
    )[0]
    assert.isTrue(row?.customerResolution._tag === "Matched" && row.customerResolution.targetId === 9)
  })
})

describe("defect 5: bad lines block, never shrink", () => {
  const bad: ReadonlyArray<{ readonly name: string; readonly quantity: unknown; readonly unitCost?: string }> = [
    { name: "abc", quantity: "abc" },
    { name: "1e400 (JSON reads it as Infinity)", quantity: Number.POSITIVE_INFINITY },
    { name: "1e400 as text", quantity: "1e400" },
    { name: "-5", quantity: "-5" },
    { name: "NaN", quantity: Number.NaN },
    { name: "null", quantity: null },
    { name: "12,50", quantity: "12,50" },
    { name: "negative cost", quantity: "1", unitCost: "-18.70" }
  ]
  for (const c of bad) {
    it(`a line with ${c.name} blocks its row: InvalidLine and Unreadable, no quantity change`, () => {
      const lines = [
        line("a", acme, { key: "BP" }, "8", "18.70"),
        makeInvoiceLine({
          id: "bad",
          invoiceId: "INV-1",
          invoiceNumber: "12",
          period,
          customer: acme,
          product: { key: "BP", code: "BP" },
          quantity: c.quantity as string,
          unitCost: c.unitCost ?? "18.70",
          currency: "EUR"
        }),
        line("b", acme, { key: "EXO" }, "2", "4")
      ]
      const rows = grid(lines)
      const bp = rows.find((row) => row.product.key === "BP")!
      assert.deepStrictEqual(tags(bp.deviations), ["InvalidLine", "Unreadable"])
      const invalid = bp.deviations.find((d) => d._tag === "InvalidLine")
      assert.isTrue(invalid?._tag === "InvalidLine" && invalid.lineId === "bad")
      const unreadable = bp.deviations.find((d) => d._tag === "Unreadable")
      assert.isTrue(unreadable?._tag === "Unreadable" && unreadable.invoices.includes("12"))
      const p = plan(rows, decisionsOf(decideAll(rows)), defaults)
      assert.deepStrictEqual(changes(p), [])
    })
  }

  it("the same line id delivered twice is counted once and flagged", () => {
    const twice = line("dup", acme, { key: "BP" }, "9", "18.70")
    const rows = grid([twice, twice, line("b", acme, { key: "EXO" }, "2", "4")])
    const bp = rows.find((row) => row.product.key === "BP")!
    assert.isTrue(BigDecimal.equals(bp.quantity, dec("9")))
    const flagged = bp.deviations.find((d) => d._tag === "InvalidLine")
    assert.isTrue(flagged?._tag === "InvalidLine" && flagged.field === "id" && flagged.lineId === "dup")
    assert.deepStrictEqual(changes(plan(rows, decisionsOf(decideAll(rows)), defaults)), [])
  })
})

describe("defect 6 (core): inconsistent amounts and duplicate additions", () => {
  it("a line whose amount is not quantity × price beyond rounding is flagged and blocks", () => {
    const lines = [
      makeInvoiceLine({
        id: "amt",
        invoiceId: "INV-1",
        invoiceNumber: "12",
        period,
        customer: acme,
        product: { key: "BP", code: "BP" },
        quantity: "7",
        unitCost: "18.70",
        unitPrice: "25",
        amount: "150.00",
        currency: "EUR"
      }),
      line("b", acme, { key: "EXO" }, "2", "4")
    ]
    const bp = grid(lines).find((row) => row.product.key === "BP")!
    assert.deepStrictEqual(tags(bp.deviations), ["InvalidLine", "Unreadable"])
    // Rounding is not a problem: 3 × 3.333 = 9.999 stated as 10.00.
    const rounded = makeInvoiceLine({
      id: "r",
      invoiceId: "INV-1",
      invoiceNumber: "12",
      period,
      customer: acme,
      product: { key: "BP", code: "BP" },
      quantity: "5",
      unitCost: "18.70",
      unitPrice: "3.333",
      amount: "16.67",
      currency: "EUR"
    })
    assert.deepStrictEqual(tags(grid([rounded, line("b", acme, { key: "EXO" }, "2", "4")])[0]!.deviations), [])
  })
})

describe("defect 8: explicit effective dates and a cancellation window", () => {
  const rowsOf = (settings: LinkSettings) =>
    grid(
      [line("a", acme, { key: "BP" }, "7", "19"), line("b", acme, { key: "EXO" }, "2", "4")],
      baseSnapshot(),
      settings
    )
  it("by default a change patches in place and says it takes effect immediately", () => {
    const rows = rowsOf(defaults)
    const p = plan(rows, decisionsOf(decideAll(rows)), defaults)
    const updates = p.operations.filter(
      (op) => op._tag === "UpdateAdditionQuantity" || op._tag === "UpdateAdditionUnitCost"
    )
    assert.strictEqual(updates.length, 2)
    for (const op of updates) assert.isTrue("takesEffect" in op && op.takesEffect === "immediately")
  })

  it("cancel-and-add: the addition is cancelled the day before and a new one starts on the date, as a pair", () => {
    const dated = new LinkSettings({ datedChanges: "cancel-and-add" })
    const rows = rowsOf(dated)
    const p = plan(rows, decisionsOf(decideAll(rows)), dated)
    const cancel = p.operations.find((op) => op._tag === "CancelAddition")
    const add = p.operations.find((op) => op._tag === "AddAddition")
    assert.isTrue(
      cancel?._tag === "CancelAddition" && cancel.additionId === 900 && cancel.effectiveDate === "2026-10-31"
    )
    assert.isTrue(
      add?._tag === "AddAddition" &&
        add.replaces === 900 &&
        add.effectiveDate === "2026-11-01" &&
        add.dependsOn.includes(cancel!.idempotencyKey) &&
        BigDecimal.equals(add.quantity, dec("7")) &&
        BigDecimal.equals(add.unitCost, dec("19"))
    )
    assert.isFalse(
      p.operations.some((op) => op._tag === "UpdateAdditionQuantity" || op._tag === "UpdateAdditionUnitCost")
    )
    const applied = applyToSnapshot(baseSnapshot(), p)
    const again = diff(
      resolve(
        [line("a", acme, { key: "BP" }, "7", "19"), line("b", acme, { key: "EXO" }, "2", "4")],
        applied.snapshot,
        [],
        dated
      ),
      applied.snapshot,
      dated
    )
    assert.deepStrictEqual(tags(again.flatMap((row) => row.deviations)), [])
  })

  it("a distributor's bill proposes no cancellation of a product that distributor never sells", () => {
    // The bill carries BP for Acme; EXO (addition 901) is not the distributor's product.
    const rows = resolve([line("a", acme, { key: "BP" }, "5", "18.70")], baseSnapshot(), [], defaults)
    const purchase = diff(rows, baseSnapshot(), defaults, { source: "purchase" })
    assert.deepStrictEqual(
      purchase.filter((row) => row.origin === "connectwise"),
      []
    )
    // It is proposed once the supplier is known to carry EXO.
    const carried = diff(rows, baseSnapshot(), defaults, { source: "purchase", supplierProductIds: [11] })
    assert.deepStrictEqual(
      carried.filter((row) => row.origin === "connectwise").map((row) => row.key),
      ["addition|901"]
    )
  })

  it("sales: only products invoiced to the customer in the last months are proposed; never-cancel is honoured", () => {
    const rows = resolve([line("a", acme, { key: "BP" }, "5", "18.70")], baseSnapshot(), [], defaults)
    const october = resolve(
      [line("o", acme, { key: "EXO" }, "2", "4")].map(
        (l) => new InvoiceLine({ ...l, period: new Period({ start: "2026-10-01", end: "2026-10-31" }) })
      ),
      baseSnapshot(),
      [],
      defaults
    )
    const cancellations = (out: ReadonlyArray<ReconciliationRow>) =>
      out.filter((row) => row.origin === "connectwise").map((row) => row.key)
    assert.deepStrictEqual(cancellations(diff(rows, baseSnapshot(), defaults, { earlierRows: [] })), [])
    assert.deepStrictEqual(cancellations(diff(rows, baseSnapshot(), defaults, { earlierRows: october })), [
      "addition|901"
    ])
    const never = new LinkSettings({ neverCancel: ["EXO"] })
    assert.deepStrictEqual(cancellations(diff(rows, baseSnapshot(), never, { earlierRows: october })), [])
  })
})

describe("row keys", () => {
  it("rowKeyOf is stable", () => assert.strictEqual(rowKeyOf("a|b", "c"), "a%7Cb|c"))
})
