import { assert, describe, it } from "@effect/vitest"
import { Equal, Schema } from "effect"
import {
  ChangePlan,
  CreateTarget,
  Decisions,
  dec,
  diff,
  InvoiceLine,
  LinkSettings,
  NewAgreementSettings,
  PlanSummary,
  PsaSnapshot,
  plan,
  ReconciliationRow,
  RowDecision,
  resolve,
  rowKeyOf,
  summary,
  TransferSettings
} from "../src/index.ts"
import { at, baseSnapshot, line } from "./fixtures.ts"

const roundTrip = <S extends Schema.Codec<unknown, unknown>>(schema: S, value: S["Type"]) => {
  const json = JSON.parse(JSON.stringify(Schema.encodeUnknownSync(schema)(value)))
  const back = Schema.decodeUnknownSync(schema)(json)
  assert.isTrue(Equal.equals(back, value), `${JSON.stringify(json).slice(0, 200)} did not round-trip`)
  return json
}

describe("JSON round-trip", () => {
  const settings = new LinkSettings({
    compare: "both",
    tolerance: { EUR: dec("0.01") },
    identifierKeys: ["vatNumber", "cocNumber"],
    autoAcceptAbove: 0.95,
    proposeCancellations: true,
    agreementTypeId: 3,
    newAgreement: new NewAgreementSettings({ typeId: 3, name: "{customer}" }),
    autoApprove: ["updateQuantity"],
    transfer: new TransferSettings({ mode: "invoice", journal: "70", vatCodes: { HIGH: "2" } })
  })
  const lines = [
    line("a", { key: "g1", code: "C100" }, { key: "BP" }, "7", "19.00"),
    line("b", { key: "g1", code: "C100" }, { key: "BP" }, "x", "19.00"),
    line("c", { key: "g2", code: "?", name: "Globex" }, { key: "NEW" }, "1", "9", { unitPrice: "12" })
  ]
  const rows = diff(resolve(lines, baseSnapshot(), [], settings), baseSnapshot(), settings)
  const decisions = new Decisions({
    linkId: "link-1",
    decidedBy: "ann",
    decidedAt: at,
    rows: {
      [rowKeyOf("g1", "BP")]: new RowDecision({ approve: "all" }),
      [rowKeyOf("g2", "NEW")]: new RowDecision({ product: new CreateTarget({}), approve: ["addAddition"] })
    }
  })
  const changePlan = plan(rows, decisions, settings)

  it("invoice lines, including unreadable ones", () => {
    for (const l of lines) roundTrip(InvoiceLine, l)
    assert.strictEqual(roundTrip(InvoiceLine, lines[0]!).quantity, "7")
  })
  it("the snapshot", () => roundTrip(PsaSnapshot, baseSnapshot()))
  it("settings", () => roundTrip(LinkSettings, settings))
  it("grid rows with every resolution and deviation they carry", () => {
    for (const row of rows) roundTrip(ReconciliationRow, row)
  })
  it("decisions", () => roundTrip(Decisions, decisions))
  it("a change plan and its summary", () => {
    assert.isAbove(changePlan.operations.length, 2)
    roundTrip(ChangePlan, changePlan)
    roundTrip(PlanSummary, summary(changePlan))
  })
  it("refuses a non-decimal quantity naming the field", () => {
    const encoded = Schema.encodeUnknownSync(InvoiceLine)(lines[0]!) as Record<string, unknown>
    assert.throws(() => Schema.decodeUnknownSync(InvoiceLine)({ ...encoded, quantity: "" }), /quantity/)
  })
})
