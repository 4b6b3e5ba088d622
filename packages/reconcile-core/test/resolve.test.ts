import { assert, describe, it } from "@effect/vitest"
import { LinkSettings, Mapping, resolve, rowKeyOf } from "../src/index.ts"
import { at, baseSnapshot, line } from "./fixtures.ts"

const customerMapping = (sourceKey: string, targetId: number) =>
  new Mapping({
    kind: "customer",
    sourceKey,
    targetId,
    method: "confirmed-suggestion",
    decidedBy: "ann",
    decidedAt: at
  })

describe("resolve", () => {
  const cases: ReadonlyArray<{
    readonly name: string
    readonly lines: Parameters<typeof resolve>[0]
    readonly mappings?: ReadonlyArray<Mapping>
    readonly settings?: LinkSettings
    readonly customer: string
    readonly customerTarget?: number | ReadonlyArray<number>
    readonly product?: string
    readonly agreement?: string
  }> = [
    {
      name: "exact identifier (Exact account code = company identifier, padded)",
      lines: [line("l1", { key: "g1", code: "  C100" }, { key: "BP" }, "5", "18.70")],
      customer: "Matched",
      customerTarget: 1,
      product: "Matched",
      agreement: "Matched"
    },
    {
      name: "a customer renamed in ConnectWise but still mapped",
      lines: [line("l1", { key: "g1", code: "OLD-CODE", name: "Acme Old Name" }, { key: "BP" }, "5", "18.70")],
      mappings: [customerMapping("g1", 1)],
      customer: "Mapped",
      customerTarget: 1
    },
    {
      name: "a mapping to a deleted company is ignored (never a target)",
      lines: [line("l1", { key: "g1", code: "none", name: "Initech NV" }, { key: "BP" }, "5", "18.70")],
      mappings: [customerMapping("g1", 5)],
      customer: "Unmapped"
    },
    {
      name: "two companies with the same name: suggested, never auto-accepted",
      lines: [line("l1", { key: "g9", code: "T", name: "TWIN TRADING B.V." }, { key: "BP" }, "1", "1")],
      settings: new LinkSettings({ autoAcceptAbove: 0.5 }),
      customer: "Suggested",
      customerTarget: [3, 4],
      agreement: "Unmapped"
    },
    {
      name: "fuzzy name with legal form and diacritics, auto-accepted when unique above the threshold",
      lines: [line("l1", { key: "g2", code: "nope", name: "Glöbex" }, { key: "BP" }, "1", "1")],
      settings: new LinkSettings({ autoAcceptAbove: 0.9 }),
      customer: "Suggested",
      customerTarget: [2]
    },
    {
      name: "extra identifier key (VAT number)",
      lines: [
        line(
          "l1",
          { key: "g6", code: "nope", name: "Something else", vatNumber: "nl 1234.56789.b01" },
          { key: "BP" },
          "1",
          "1"
        )
      ],
      settings: new LinkSettings({ identifierKeys: ["vatNumber"] }),
      customer: "Matched",
      customerTarget: 6
    },
    {
      name: "nothing alike",
      lines: [line("l1", { key: "g7", code: "nope", name: "Zyxw Qrst" }, { key: "BP" }, "1", "1")],
      customer: "Unmapped"
    },
    {
      name: "inactive product is never a target; unknown product is Missing",
      lines: [line("l1", { key: "g1", code: "C100" }, { key: "OLD", description: "Zzz" }, "1", "1")],
      customer: "Matched",
      product: "Missing",
      // The company's only active agreement is certain, with or without a configured type.
      agreement: "Matched"
    },
    {
      name: "product suggested from its description",
      lines: [
        line(
          "l1",
          { key: "g1", code: "C100" },
          { key: "x", code: "x", description: "Microsoft 365 Business Premium (NCE)" },
          "1",
          "1"
        )
      ],
      customer: "Matched",
      product: "Suggested"
    }
  ]
  for (const c of cases) {
    it(c.name, () => {
      const rows = resolve(c.lines, baseSnapshot(), c.mappings ?? [], c.settings)
      const row = rows[0]
      assert.isDefined(row)
      if (row === undefined) return
      assert.strictEqual(row.customerResolution._tag, c.customer)
      const resolution = row.customerResolution
      if (typeof c.customerTarget === "number") {
        assert.strictEqual("targetId" in resolution ? resolution.targetId : undefined, c.customerTarget)
      } else if (c.customerTarget !== undefined && resolution._tag === "Suggested") {
        assert.deepStrictEqual(
          resolution.candidates.map((candidate) => candidate.targetId).slice(0, c.customerTarget.length),
          [...c.customerTarget]
        )
        if (c.customerTarget.length > 1) assert.isFalse(resolution.autoAccepted)
        else assert.isTrue(resolution.autoAccepted)
      }
      if (c.product !== undefined) assert.strictEqual(row.productResolution._tag, c.product)
      if (c.agreement !== undefined) assert.strictEqual(row.agreementResolution._tag, c.agreement)
    })
  }

  it("groups the same product on two lines of one customer into one row with the exact sum", () => {
    const rows = resolve(
      [
        line("a", { key: "g1", code: "C100" }, { key: "BP" }, "2.5", "18.70"),
        line("b", { key: "g1", code: "C100" }, { key: "BP" }, "0.1", "18.70"),
        line("c", { key: "g1", code: "C100" }, { key: "EXO" }, "1", "4")
      ],
      baseSnapshot(),
      []
    )
    assert.strictEqual(rows.length, 2)
    assert.strictEqual(rows[0]?.key, rowKeyOf("g1", "BP"))
    assert.strictEqual(rows[0]?.lines.length, 2)
    assert.strictEqual(rows[0] && rows[0].quantity.value * 10n ** BigInt(1 - rows[0].quantity.scale), 26n)
  })

  it("agreement: suggested with several of the configured type, matched by the only one of it", () => {
    const snapshot = baseSnapshot()
    const two = new (snapshot.constructor as typeof import("../src/index.ts").PsaSnapshot)({
      ...snapshot,
      agreements: [...snapshot.agreements, { ...snapshot.agreements[0], id: 501 } as never]
    })
    const lines = [line("l1", { key: "g1", code: "C100" }, { key: "DEF" }, "1", "1")]
    assert.strictEqual(
      resolve(lines, snapshot, [], new LinkSettings({ agreementTypeId: 3 }))[0]?.agreementResolution._tag,
      "Matched"
    )
    // Two of the type and neither carries the product (nor any other of the customer's): offered, not assumed.
    const typed = resolve(lines, two, [], new LinkSettings({ agreementTypeId: 3 }))[0]?.agreementResolution
    assert.isTrue(typed?._tag === "Suggested" && !typed.autoAccepted)
    const untyped = resolve(lines, two, [])[0]?.agreementResolution
    assert.isTrue(untyped?._tag === "Suggested" && !untyped.autoAccepted)
    assert.strictEqual(
      resolve(lines, snapshot, [], new LinkSettings({ agreementTypeId: 99 }))[0]?.agreementResolution._tag,
      "Missing"
    )
  })

  it("ambiguous when two companies carry the same identifier", () => {
    const snapshot = baseSnapshot()
    const dup = new (snapshot.constructor as typeof import("../src/index.ts").PsaSnapshot)({
      ...snapshot,
      companies: [...snapshot.companies, { ...snapshot.companies[0], id: 77 } as never]
    })
    const row = resolve([line("l1", { key: "g1", code: "C100" }, { key: "BP" }, "1", "1")], dup, [])[0]
    assert.strictEqual(row?.customerResolution._tag, "Ambiguous")
  })
})
