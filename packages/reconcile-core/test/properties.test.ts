import { describe, it } from "@effect/vitest"
import { BigDecimal, Schema } from "effect"
import {
  applyToSnapshot,
  Decisions,
  dec,
  diff,
  LinkSettings,
  NewAgreementSettings,
  plan,
  RowDecision,
  resolve,
  toMapping
} from "../src/index.ts"
import { at, baseSnapshot, line } from "./fixtures.ts"

// A decimal text with up to 4 places, from an integer of ten-thousandths.
const decimalText = (units: number) => {
  const sign = units < 0 ? "-" : ""
  const abs = Math.abs(units)
  return `${sign}${Math.floor(abs / 10_000)}.${String(abs % 10_000).padStart(4, "0")}`
}

const settings = new LinkSettings({
  agreementTypeId: 3,
  proposeCancellations: true,
  compare: "both",
  newAgreement: new NewAgreementSettings({ typeId: 3 })
})

const int = (minimum: number, maximum: number) => Schema.Int.check(Schema.isBetween({ minimum, maximum }))
const four = <S extends Schema.Top>(item: S) => Schema.Array(item).check(Schema.isMinLength(4), Schema.isMaxLength(4))
const allProducts = ["BP", "EXO", "DEF", "NEW"] as const

// Which products the invoice carries, their quantities (in ten-thousandths), unit costs (cents)
// and into how many lines each is split, and for which customer.
const scenario = Schema.Struct({
  present: four(Schema.Boolean),
  quantities: four(int(1, 2_000_000)),
  costs: four(int(0, 500_000)),
  splits: four(int(1, 3)),
  customer: Schema.Literals(["C100", "C200"])
})

const linesOf = (s: typeof scenario.Type) =>
  allProducts.flatMap((code, i) => {
    if (s.present[i] !== true && !(i === 0 && !s.present.includes(true))) return []
    const parts = s.splits[i] ?? 1
    const total = s.quantities[i] ?? 1
    const cost = decimalText((s.costs[i] ?? 0) * 100).replace(/0+$/, "")
    // Split the quantity into `parts` pieces that add up exactly.
    const pieces = Array.from({ length: parts }, (_, k) =>
      k === parts - 1 ? total - Math.floor(total / parts) * (parts - 1) : Math.floor(total / parts)
    )
    return pieces.map((piece, k) =>
      line(
        `${code}-${k}`,
        { key: s.customer, code: s.customer },
        { key: code, description: `${code} service` },
        decimalText(piece),
        cost,
        {
          unitPrice: "30"
        }
      )
    )
  })

const approveAll = (rows: ReturnType<typeof diff>) =>
  new Decisions({
    linkId: "link-p",
    decidedBy: "prop",
    decidedAt: at,
    rows: Object.fromEntries(
      rows.map((row) => [
        row.key,
        new RowDecision({
          approve: "all",
          ...(row.productResolution._tag === "Missing" ? { product: { _tag: "CreateTarget" } as never } : {}),
          ...(row.agreementResolution._tag === "Missing" ? { agreement: { _tag: "CreateTarget" } as never } : {})
        })
      ])
    )
  })

describe("properties", () => {
  it.prop(
    "decimal sums are exact for any split of a quantity",
    [int(1, 1e9), Schema.Array(int(1, 1e6)).check(Schema.isMinLength(1), Schema.isMaxLength(20))],
    ([total, weights]) => {
      const sumWeights = weights.reduce((a, b) => a + b, 0)
      const pieces = weights.map((w) => Math.floor((total * w) / sumWeights))
      pieces[0] = (pieces[0] ?? 0) + total - pieces.reduce((a, b) => a + b, 0)
      const lines = pieces.map((piece, k) =>
        line(`l${k}`, { key: "g", code: "C100" }, { key: "BP" }, decimalText(piece), "1")
      )
      const row = resolve(lines, baseSnapshot(), [], settings)[0]
      return row !== undefined && BigDecimal.equals(row.quantity, dec(decimalText(total)))
    }
  )

  it.prop("planning twice gives the same keys", [scenario], ([s]) => {
    const once = plan(
      diff(resolve(linesOf(s), baseSnapshot(), [], settings), baseSnapshot(), settings),
      approveAll(diff(resolve(linesOf(s), baseSnapshot(), [], settings), baseSnapshot(), settings)),
      settings
    )
    const rows = diff(resolve(linesOf(s), baseSnapshot(), [], settings), baseSnapshot(), settings)
    const twice = plan(rows, approveAll(rows), settings)
    return (
      JSON.stringify(once.operations.map((op) => op.idempotencyKey)) ===
      JSON.stringify(twice.operations.map((op) => op.idempotencyKey))
    )
  })

  // Defect 9: with default settings and with dated changes, an approved plan converges.
  for (const [name, variant] of [
    ["default settings", new LinkSettings({ newAgreement: new NewAgreementSettings({ typeId: 3 }) })],
    [
      "cancel-and-add",
      new LinkSettings({
        compare: "both",
        datedChanges: "cancel-and-add",
        newAgreement: new NewAgreementSettings({ typeId: 3 })
      })
    ]
  ] as const) {
    it.prop(`${name}: applying an approved plan and diffing again leaves no deviation`, [scenario], ([s]) => {
      const snapshot = baseSnapshot()
      const lines = linesOf(s)
      const rows = diff(resolve(lines, snapshot, [], variant), snapshot, variant)
      const changePlan = plan(rows, approveAll(rows), variant)
      const applied = applyToSnapshot(snapshot, changePlan)
      const mappings = changePlan.operations.flatMap((op) => {
        const mapping = op._tag === "RememberMapping" ? toMapping(op, applied.createdIds) : undefined
        return mapping === undefined ? [] : [mapping]
      })
      const after = diff(resolve(lines, applied.snapshot, mappings, variant), applied.snapshot, variant)
      const left = after.flatMap((row) => row.deviations)
      if (left.length > 0) throw new Error(`left: ${left.map((d) => d._tag).join(", ")}`)
    })
  }

  it.prop("applying an approved plan and diffing again leaves no deviations", [scenario], ([s]) => {
    const snapshot = baseSnapshot()
    const lines = linesOf(s)
    const rows = diff(resolve(lines, snapshot, [], settings), snapshot, settings)
    const changePlan = plan(rows, approveAll(rows), settings)
    const applied = applyToSnapshot(snapshot, changePlan)
    const mappings = changePlan.operations.flatMap((op) => {
      const mapping = op._tag === "RememberMapping" ? toMapping(op, applied.createdIds) : undefined
      return mapping === undefined ? [] : [mapping]
    })
    const after = diff(resolve(lines, applied.snapshot, mappings, settings), applied.snapshot, settings)
    const left = after.flatMap((row) => row.deviations)
    if (left.length > 0)
      throw new Error(`left: ${left.map((d) => d._tag).join(", ")}; skipped: ${JSON.stringify(changePlan.skipped)}`)
  })
})
