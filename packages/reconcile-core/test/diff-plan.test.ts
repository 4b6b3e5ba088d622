import { assert, describe, it } from "@effect/vitest"
import { BigDecimal } from "effect"
import {
  applyToSnapshot,
  CreateTarget,
  Decisions,
  type Deviation,
  dec,
  diff,
  LinkSettings,
  Mapping,
  NewAgreementSettings,
  Period,
  plan,
  planConfirmed,
  RowDecision,
  resolve,
  rowKeyOf,
  summary,
  toMapping,
  UseTarget
} from "../src/index.ts"
import { addition, at, baseSnapshot, line } from "./fixtures.ts"

const acme = { key: "g1", code: "C100" }
const settings = new LinkSettings({ agreementTypeId: 3, proposeCancellations: true })
// Last month Acme was invoiced for both BP and EXO: within the cancellation window.
const lastMonth = (s: LinkSettings) =>
  resolve(
    [line("p1", acme, { key: "BP" }, "5", "18.70"), line("p2", acme, { key: "EXO" }, "2", "4")].map(
      (l) =>
        new (l.constructor as typeof import("../src/index.ts").InvoiceLine)({
          ...l,
          period: new Period({ start: "2026-10-01", end: "2026-10-31" })
        })
    ),
    baseSnapshot(),
    [],
    s
  )

const tags = (deviations: ReadonlyArray<Deviation>) => deviations.map((deviation) => deviation._tag).sort()

describe("diff", () => {
  const cases: ReadonlyArray<{
    readonly name: string
    readonly lines: ReturnType<typeof line>[]
    readonly settings?: LinkSettings
    readonly expected: ReadonlyArray<string>
    readonly check?: (deviations: ReadonlyArray<Deviation>) => void
  }> = [
    {
      name: "in agreement: nothing",
      lines: [line("a", acme, { key: "BP" }, "5", "18.70"), line("b", acme, { key: "EXO" }, "2", "4")],
      expected: []
    },
    {
      name: "quantity differs (the same product on two lines is summed)",
      lines: [
        line("a", acme, { key: "BP" }, "3", "18.70"),
        line("b", acme, { key: "BP" }, "4", "18.70"),
        line("c", acme, { key: "EXO" }, "2", "4")
      ],
      expected: ["QuantityDiffers"],
      check: (d) => {
        const q = d[0]
        assert.isTrue(
          q?._tag === "QuantityDiffers" &&
            BigDecimal.equals(q.invoiced, dec("7")) &&
            BigDecimal.equals(q.current, dec("5"))
        )
      }
    },
    {
      name: "unit cost within the currency's scale is equal; beyond it differs",
      lines: [line("a", acme, { key: "BP" }, "5", "18.7049"), line("b", acme, { key: "EXO" }, "2", "4.01")],
      expected: ["UnitCostDiffers"]
    },
    {
      name: "tolerance per currency",
      lines: [line("a", acme, { key: "BP" }, "5", "18.70"), line("b", acme, { key: "EXO" }, "2", "4.01")],
      settings: new LinkSettings({ agreementTypeId: 3, tolerance: { EUR: dec("0.01") } }),
      expected: []
    },
    {
      name: "unit price compared only when asked",
      lines: [
        line("a", acme, { key: "BP" }, "5", "18.70", { unitPrice: "25" }),
        line("b", acme, { key: "EXO" }, "2", "4")
      ],
      settings: new LinkSettings({ agreementTypeId: 3, compare: "both" }),
      expected: ["UnitPriceDiffers"]
    },
    {
      name: "addition missing",
      lines: [
        line("a", acme, { key: "BP" }, "5", "18.70"),
        line("b", acme, { key: "EXO" }, "2", "4"),
        line("c", acme, { key: "DEF" }, "5", "3")
      ],
      expected: ["AdditionMissing"]
    },
    {
      name: "a credit line with a negative quantity is shown invalid and not counted",
      lines: [
        line("a", acme, { key: "BP" }, "5", "18.70"),
        line("cr", acme, { key: "BP" }, "-2", "18.70"),
        line("b", acme, { key: "EXO" }, "2", "4")
      ],
      // The row is blocked: no quantity change is proposed from the readable lines.
      expected: ["InvalidLine", "Unreadable"],
      check: (d) => assert.isTrue(d[0]?._tag === "InvalidLine" && d[0].field === "quantity" && d[0].lineId === "cr")
    },
    {
      name: "credit lines netted when the settings say so",
      lines: [
        line("a", acme, { key: "BP" }, "7", "18.70"),
        line("cr", acme, { key: "BP" }, "-2", "18.70"),
        line("b", acme, { key: "EXO" }, "2", "4")
      ],
      settings: new LinkSettings({ agreementTypeId: 3, creditLines: "net" }),
      expected: []
    },
    {
      name: "non-numeric quantity names the field",
      lines: [line("a", acme, { key: "BP" }, "five", "18.70"), line("b", acme, { key: "EXO" }, "2", "4")],
      expected: ["InvalidLine", "Unreadable"],
      check: (d) => assert.isTrue(d[0]?._tag === "InvalidLine" && d[0].field === "quantity" && d[0].value === "five")
    },
    {
      name: "lines disagreeing on unit cost",
      lines: [
        line("a", acme, { key: "BP" }, "2", "18.70"),
        line("a2", acme, { key: "BP" }, "3", "18.00"),
        line("b", acme, { key: "EXO" }, "2", "4")
      ],
      expected: ["LinesDisagree"]
    },
    {
      name: "currency mismatch with the agreement: prices not compared",
      lines: [
        line("a", acme, { key: "BP" }, "5", "99", { currency: "USD" }),
        line("b", acme, { key: "EXO" }, "2", "4")
      ],
      expected: ["CurrencyMismatch"]
    }
  ]
  for (const c of cases) {
    it(c.name, () => {
      const s = c.settings ?? new LinkSettings({ agreementTypeId: 3 })
      const rows = diff(resolve(c.lines, baseSnapshot(), [], s), baseSnapshot(), s)
      const deviations = rows.flatMap((row) => row.deviations)
      assert.deepStrictEqual(tags(deviations), [...c.expected])
      c.check?.(deviations)
    })
  }

  it("a missing key is its own row, never dropped", () => {
    const rows = diff(resolve([line("k", { key: "" }, { key: "BP" }, "1", "1")], baseSnapshot(), []), baseSnapshot())
    assert.strictEqual(rows.length, 1)
    assert.includeMembers(rows[0]?.deviations.map((d) => (d._tag === "InvalidLine" ? d.field : d._tag)) ?? [], [
      "customer.key"
    ])
  })

  it("an active addition the invoice no longer carries becomes a connectwise row (invoiced within the window)", () => {
    const rows = diff(
      resolve([line("a", acme, { key: "BP" }, "5", "18.70")], baseSnapshot(), [], settings),
      baseSnapshot(),
      settings,
      { earlierRows: lastMonth(settings) }
    )
    const extra = rows.find((row) => row.origin === "connectwise")
    assert.strictEqual(extra?.deviations[0]?._tag, "AdditionNotInvoiced")
    assert.strictEqual(extra?.key, "addition|901")
  })

  it("proposes no cancellation while one of the customer's invoice products is still unlinked", () => {
    // Without a configured agreement type the unlinked product's row cannot resolve an agreement;
    // its product may well be addition 901's (the suggestion says so), so nothing may be cancelled.
    const untyped = new LinkSettings({ proposeCancellations: true })
    const lines = [
      line("a", acme, { key: "BP" }, "5", "18.70"),
      line("b", acme, { key: "EXO-P1", code: "EXO-P1", description: "Exchange Online Plan 1" }, "2", "4.00")
    ]
    const rows = diff(resolve(lines, baseSnapshot(), [], untyped), baseSnapshot(), untyped)
    const unlinked = rows.find((row) => row.product.code === "EXO-P1")
    assert.strictEqual(unlinked?.productResolution._tag, "Suggested")
    assert.deepStrictEqual(
      rows.filter((row) => row.origin === "connectwise"),
      []
    )
    // Once the product is linked, the same invoice carries it and there is still nothing to cancel.
    const mapped = [
      new Mapping({
        kind: "product",
        sourceKey: "EXO-P1",
        targetId: 11,
        method: "manual",
        decidedBy: "ann",
        decidedAt: at
      })
    ]
    const linked = diff(resolve(lines, baseSnapshot(), mapped, untyped), baseSnapshot(), untyped)
    assert.deepStrictEqual(
      linked.filter((row) => row.origin === "connectwise"),
      []
    )
  })

  it("several additions of one product are DuplicateAdditions for a person, never one set to zero", () => {
    const base = baseSnapshot()
    const snapshot = new (base.constructor as typeof import("../src/index.ts").PsaSnapshot)({
      ...base,
      additions: [...base.additions, addition(902, 500, 10, "2", "18.70")]
    })
    const rows = diff(
      resolve(
        [line("a", acme, { key: "BP" }, "7", "18.70"), line("b", acme, { key: "EXO" }, "2", "4")],
        snapshot,
        [],
        settings
      ),
      snapshot,
      settings
    )
    const deviations = rows.flatMap((row) => row.deviations)
    assert.deepStrictEqual(tags(deviations), ["DuplicateAdditions"])
    assert.deepStrictEqual(deviations[0]?._tag === "DuplicateAdditions" && deviations[0].additionIds, [900, 902])
    const p = plan(
      rows,
      new Decisions({
        linkId: "l",
        decidedBy: "ann",
        decidedAt: at,
        rows: Object.fromEntries(rows.map((row) => [row.key, new RowDecision({ approve: "all" })]))
      }),
      settings
    )
    assert.deepStrictEqual(
      p.operations.filter((op) => op._tag !== "RememberMapping"),
      []
    )
  })
})

describe("plan", () => {
  const decisions = (rows: Record<string, RowDecision>) =>
    new Decisions({ linkId: "link-1", decidedBy: "ann", decidedAt: at, rows })
  const lines = [
    line("a", acme, { key: "BP" }, "7", "19.00"),
    line("c", acme, { key: "DEF" }, "3", "2.50", { unitPrice: "4" }),
    line("n", { key: "g2", code: "C200" }, { key: "NEW", description: "Brand new thing" }, "1", "9")
  ]
  const withAgreement = new LinkSettings({
    agreementTypeId: 3,
    proposeCancellations: true,
    newAgreement: new NewAgreementSettings({ typeId: 3, name: "{customer} cloud" })
  })
  const rows = () =>
    diff(resolve(lines, baseSnapshot(), [], withAgreement), baseSnapshot(), withAgreement, {
      earlierRows: lastMonth(withAgreement)
    })

  it("plans nothing unapproved but remembers certain links", () => {
    const p = plan(rows(), decisions({}), withAgreement)
    assert.deepStrictEqual([...new Set(p.operations.map((op) => op._tag))], ["RememberMapping"])
  })

  it("plans approved changes in order, with dependencies, and they remove the deviations", () => {
    const p = plan(
      rows(),
      decisions({
        [rowKeyOf("g1", "BP")]: new RowDecision({ approve: "all" }),
        [rowKeyOf("g1", "DEF")]: new RowDecision({ approve: ["addAddition"] }),
        [rowKeyOf("g2", "NEW")]: new RowDecision({
          approve: "all",
          product: new CreateTarget({}),
          agreement: new CreateTarget({})
        }),
        "addition|901": new RowDecision({ approve: ["cancelAddition"] })
      }),
      withAgreement
    )
    const order = p.operations.map((op) => op._tag)
    assert.deepStrictEqual(
      [...new Set(order)],
      [
        "CreateProduct",
        "CreateAgreement",
        "AddAddition",
        "UpdateAdditionQuantity",
        "UpdateAdditionUnitCost",
        "CancelAddition",
        "RememberMapping"
      ]
    )
    const created = p.operations.find((op) => op._tag === "AddAddition" && op.dependsOn.length === 2)
    assert.isDefined(created)
    const s = summary(p)
    // quantity 5→7 at 18.70 (+37.40), cost 18.70→19 on 7 (+2.10), add 3×2.50 (+7.50), add 1×9 (+9), cancel 2×4 (−8)
    assert.strictEqual(BigDecimal.format(s.impact[0]?.cost ?? dec("0")), "48")
    assert.strictEqual(s.counts.CancelAddition, 1)
    const applied = applyToSnapshot(baseSnapshot(), p)
    const mappings = p.operations.flatMap((op) =>
      op._tag === "RememberMapping" ? [toMapping(op, applied.createdIds)!] : []
    )
    const after = diff(resolve(lines, applied.snapshot, mappings, withAgreement), applied.snapshot, withAgreement, {
      earlierRows: lastMonth(withAgreement)
    })
    assert.deepStrictEqual(tags(after.flatMap((row) => row.deviations)), [])
    const again = plan(
      rows(),
      decisions({ [rowKeyOf("g1", "BP")]: new RowDecision({ approve: "all" }) }),
      withAgreement
    )
    const keys = new Set(p.operations.map((op) => op.idempotencyKey))
    for (const op of again.operations) assert.isTrue(keys.has(op.idempotencyKey))
  })

  it("excluded rows yield nothing; confirming a suggestion remembers it as confirmed", () => {
    const fuzzy = [line("z", { key: "g5", code: "?", name: "Globex" }, { key: "BP" }, "1", "1")]
    const r = resolve(fuzzy, baseSnapshot(), [], withAgreement)
    assert.strictEqual(r[0]?.customerResolution._tag, "Suggested")
    const confirm = plan(
      r,
      decisions({ [r[0]?.key ?? ""]: new RowDecision({ customer: new UseTarget({ targetId: 2 }) }) }),
      withAgreement
    )
    const remembered = confirm.operations.find((op) => op._tag === "RememberMapping" && op.kind === "customer")
    assert.isTrue(remembered?._tag === "RememberMapping" && remembered.method === "confirmed-suggestion")
    const excluded = plan(
      r,
      decisions({ [r[0]?.key ?? ""]: new RowDecision({ exclude: true, approve: "all" }) }),
      withAgreement
    )
    assert.strictEqual(excluded.operations.length, 0)
  })

  it("effective date defaults to the period start and follows the decision", () => {
    const d = decisions({
      [rowKeyOf("g1", "BP")]: new RowDecision({ approve: ["updateQuantity"], effectiveDate: "2026-11-15" })
    })
    const p = plan(rows(), d, withAgreement)
    const q = p.operations.find((op) => op._tag === "UpdateAdditionQuantity")
    assert.strictEqual(q?.effectiveDate, "2026-11-15")
    const p2 = plan(
      rows(),
      decisions({ [rowKeyOf("g1", "BP")]: new RowDecision({ approve: ["updateQuantity"] }) }),
      withAgreement
    )
    assert.strictEqual(p2.operations.find((op) => op._tag === "UpdateAdditionQuantity")?.effectiveDate, "2026-11-01")
  })

  it("two customer keys linked to one agreement and product are summed once", () => {
    const snapshot = baseSnapshot()
    const both = [
      line("a", acme, { key: "BP" }, "3", "18.70"),
      line("b", { key: "g1b", code: "C100" }, { key: "BP" }, "2", "18.70")
    ]
    const out = diff(resolve(both, snapshot, [], settings), snapshot, settings)
    assert.deepStrictEqual(tags(out.filter((row) => row.origin === "invoice").flatMap((row) => row.deviations)), [])
    assert.strictEqual(out[1]?.notices[0]?.code, "combined-rows")
  })

  it("plan reads the lines again under its own settings when diff read them under others", () => {
    // plan reuses what diff read of each row's lines only under the same settings: a credit line
    // netted by diff is still an unreadable line to a plan that flags credits.
    const snapshot = baseSnapshot()
    const netting = new LinkSettings({ agreementTypeId: 3, proposeCancellations: true, creditLines: "net" })
    const flagging = new LinkSettings({ agreementTypeId: 3, proposeCancellations: true, creditLines: "flag" })
    const lines = [line("a", acme, { key: "BP" }, "-2", "18.70"), line("b", acme, { key: "BP" }, "9", "18.70")]
    const rows = diff(resolve(lines, snapshot, [], netting), snapshot, netting)
    const key = rowKeyOf("g1", "BP")
    const decisions = new Decisions({
      linkId: "link-1",
      decidedBy: "ann",
      decidedAt: at,
      rows: Object.fromEntries(rows.map((row) => [row.key, new RowDecision({ approve: "all" })]))
    })
    assert.isTrue(plan(rows, decisions, netting).operations.some((op) => op.rowKeys.includes(key)))
    const flagged = plan(rows, decisions, flagging)
    assert.isFalse(flagged.operations.some((op) => op.rowKeys.includes(key)))
    assert.match(flagged.skipped.find((skipped) => skipped.rowKey === key)?.reason ?? "", /unreadable line: line a /)
  })

  it("a row whose line has no product key is left out of the plan, naming the line and field (never a throw)", () => {
    // Approving everything and asking to create what is missing used to throw building the
    // RememberMapping of the empty product key (issue 13).
    const snapshot = baseSnapshot()
    const lines = [line("a", acme, { key: "", code: "X9" }, "5", "18.70"), line("b", acme, { key: "BP" }, "3", "18.70")]
    const approveAndCreate = (rows: ReadonlyArray<{ readonly key: string }>) =>
      new Decisions({
        linkId: "link-1",
        decidedBy: "ann",
        decidedAt: at,
        rows: Object.fromEntries(
          rows.map((row) => [
            row.key,
            new RowDecision({ approve: "all", product: new CreateTarget(), agreement: new CreateTarget() })
          ])
        )
      })
    const rows = diff(resolve(lines, snapshot, [], settings), snapshot, settings)
    const bad = rows.find((row) => row.lines.some((l) => l.id === "a"))
    assert.isDefined(bad)
    const changes = plan(rows, approveAndCreate(rows), settings)
    assert.isFalse(changes.operations.some((op) => op.rowKeys.includes(bad?.key as string)))
    const reason = changes.skipped.find((skipped) => skipped.rowKey === bad?.key)?.reason ?? ""
    assert.match(reason, /unreadable line: line a of invoice 2026-0042 \(product\.key missing\)/)
    // The other row is planned as before.
    assert.isTrue(changes.operations.some((op) => op.rowKeys.includes(rowKeyOf("g1", "BP"))))
    // Rows straight from resolve (not diffed yet) are read the same way.
    const resolved = resolve(lines, snapshot, [], settings)
    const undiffed = plan(resolved, approveAndCreate(resolved), settings)
    assert.isTrue(
      undiffed.skipped.some((skipped) => skipped.rowKey === bad?.key && /product\.key/.test(skipped.reason))
    )
  })

  it("an approved change that a confirmed link moves onto another row is reported, never silently dropped", () => {
    // Seen on the portal's sandbox (issue 13): a unit cost change approved on one row got no
    // operation because confirming another customer's suggestion linked that customer to the same
    // agreement and product; the rows were summed and the difference moved to the group's first row.
    const snapshot = baseSnapshot()
    const lines = [
      line("b", { key: "a0", code: "Q77", name: "Acme BV" }, { key: "BP" }, "2", "17.00"),
      line("a", acme, { key: "BP" }, "5", "17.00")
    ]
    const rows = diff(resolve(lines, snapshot, [], settings), snapshot, settings)
    const approved = rowKeyOf("g1", "BP")
    const confirmedRow = rowKeyOf("a0", "BP")
    assert.deepStrictEqual(tags(rows.find((row) => row.key === approved)?.deviations ?? []), ["UnitCostDiffers"])
    assert.strictEqual(rows.find((row) => row.key === confirmedRow)?.customerResolution._tag, "Suggested")
    const decided = (approveConfirmed: boolean) =>
      new Decisions({
        linkId: "link-1",
        decidedBy: "ann",
        decidedAt: at,
        rows: {
          [confirmedRow]: new RowDecision({
            customer: new UseTarget({ targetId: 1 }),
            ...(approveConfirmed ? { approve: "all" as const } : {})
          }),
          [approved]: new RowDecision({ approve: ["updateUnitCost"] })
        }
      })
    const input = { rows, lines, snapshot, mappings: [] }
    const onlyApproved = planConfirmed(input, decided(false), settings)
    // The re-derived grid shows where the difference went, and the plan says why the row is left out.
    assert.isTrue(
      onlyApproved.rows.find((row) => row.key === approved)?.notices.some((n) => n.code === "combined-rows")
    )
    assert.isFalse(onlyApproved.plan.operations.some((op) => op._tag === "UpdateAdditionUnitCost"))
    const reason = onlyApproved.plan.skipped.find((skipped) => skipped.rowKey === approved)?.reason ?? ""
    assert.match(
      reason,
      new RegExp(`approved unit cost change is now shown on row ${confirmedRow.replace("|", "\\|")}`)
    )
    // Approving the row it moved to plans the change there, and nothing is reported as dropped.
    const both = planConfirmed(input, decided(true), settings)
    assert.isTrue(both.plan.operations.some((op) => op._tag === "UpdateAdditionUnitCost"))
    assert.isFalse(both.plan.skipped.some((skipped) => skipped.rowKey === approved))
  })

  it("a link whose source key is too long to store is refused, not remembered", () => {
    // The planner builds a RememberMapping without re-validating it only when its keys fit the
    // storage limits; one that does not is still refused by the schema, as before.
    const snapshot = baseSnapshot()
    const long = { key: "k".repeat(600), code: "C100" }
    const rows = diff(
      resolve([line("a", long, { key: "BP" }, "5", "18.70")], snapshot, [], settings),
      snapshot,
      settings
    )
    const key = rows[0]?.key as string
    const decided = new Decisions({
      linkId: "link-1",
      decidedBy: "ann",
      decidedAt: at,
      rows: { [key]: new RowDecision({ approve: "all" }) }
    })
    assert.throws(() => plan(rows, decided, settings), /sourceKey|validation/i)
    const fits = diff(
      resolve([line("a", acme, { key: "BP" }, "5", "18.70")], snapshot, [], settings),
      snapshot,
      settings
    )
    const ok = plan(
      fits,
      new Decisions({ ...decided, rows: { [fits[0]?.key as string]: new RowDecision({ approve: "all" }) } }),
      settings
    )
    assert.isTrue(ok.operations.some((op) => op._tag === "RememberMapping" && op.sourceKey === "g1"))
  })
})
