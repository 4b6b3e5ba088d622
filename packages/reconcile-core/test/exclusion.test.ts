import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, Schema } from "effect"
import {
  ChangePlan,
  Decisions,
  diff,
  Exclusion,
  ExclusionStore,
  excludedLines,
  excludedRows,
  LinkSettings,
  plan,
  planConfirmed,
  RowDecision,
  resolve,
  rowKeyOf,
  summarizeRows,
  UseTarget
} from "../src/index.ts"
import { at, baseSnapshot, line } from "./fixtures.ts"

const settings = new LinkSettings({ agreementTypeId: 3, proposeCancellations: true })
const acme = { key: "g1", code: "C100" }
const globex = { key: "g2", code: "C200" }
// BP 7 ≠ 5 (quantity), EXO in agreement, DEF not on the agreement (addition missing), Globex unlinked agreement.
const lines = [
  line("a", acme, { key: "BP" }, "7", "18.70"),
  line("b", acme, { key: "EXO" }, "2", "4"),
  line("c", acme, { key: "DEF" }, "1", "3"),
  line("d", globex, { key: "BP" }, "1", "18.70")
]
const snapshot = baseSnapshot()
const rows = diff(resolve(lines, snapshot, [], settings), snapshot, settings)
const all = new Decisions({
  linkId: "link-1",
  decidedBy: "ann",
  decidedAt: at,
  rows: Object.fromEntries(rows.map((row) => [row.key, new RowDecision({ approve: "all" })]))
})
const exclusion = (kind: "product" | "customer", key: string, reason = "not ours to reconcile") =>
  new Exclusion({ kind, key, reason, createdAt: at, createdBy: "ann" })
const encode = Schema.encodeSync(ChangePlan)

describe("exclusions", () => {
  it("leave a plan byte-identical when there are none", () => {
    const without = JSON.stringify(encode(plan(rows, all, settings)))
    assert.strictEqual(JSON.stringify(encode(plan(rows, all, settings, []))), without)
    const confirmed = planConfirmed({ rows, lines, snapshot, mappings: [] }, all, settings)
    const confirmedEmpty = planConfirmed({ rows, lines, snapshot, mappings: [], exclusions: [] }, all, settings)
    assert.strictEqual(JSON.stringify(encode(confirmedEmpty.plan)), JSON.stringify(encode(confirmed.plan)))
    assert.deepStrictEqual(summarizeRows(rows, []), summarizeRows(rows))
  })

  it("tell which rows and lines a product or customer exclusion covers, and why", () => {
    const exclusions = [
      exclusion("product", "DEF", "defender is billed by the distributor"),
      exclusion("customer", "g2")
    ]
    const byRow = excludedRows(rows, exclusions)
    assert.deepStrictEqual([...byRow.keys()].sort(), [rowKeyOf("g1", "DEF"), rowKeyOf("g2", "BP")].sort())
    assert.strictEqual(byRow.get(rowKeyOf("g1", "DEF"))?.reason, "defender is billed by the distributor")
    const byLine = excludedLines(lines, exclusions)
    assert.deepStrictEqual([...byLine.keys()].sort(), ["c", "d"])
    assert.strictEqual(byLine.get("d")?.kind, "customer")
    assert.strictEqual(excludedRows(rows, []).size, 0)
  })

  it("plan nothing on excluded rows and do not count them as needing a person", () => {
    const before = plan(rows, all, settings)
    assert.isTrue(before.operations.some((op) => op.rowKeys.includes(rowKeyOf("g1", "DEF"))))
    const exclusions = [exclusion("product", "DEF"), exclusion("customer", "g2")]
    const after = plan(rows, all, settings, exclusions)
    const excludedKeys = new Set([rowKeyOf("g1", "DEF"), rowKeyOf("g2", "BP")])
    assert.isFalse(after.operations.some((op) => op.rowKeys.some((key) => excludedKeys.has(key))))
    assert.isFalse(after.skipped.some((skipped) => excludedKeys.has(skipped.rowKey)))
    // The BP quantity change of Acme is still planned.
    assert.isTrue(after.operations.some((op) => op._tag === "UpdateAdditionQuantity"))
    const summary = summarizeRows(rows, exclusions)
    assert.strictEqual(summary.excluded, 2)
    assert.strictEqual(summary.needsPerson, summarizeRows(rows.filter((row) => !excludedKeys.has(row.key))).needsPerson)
    assert.strictEqual(summary.rows, rows.length)
  })

  it("keep a confirmed choice on an excluded row out of the plan", () => {
    const choosing = new Decisions({
      ...all,
      rows: {
        ...all.rows,
        [rowKeyOf("g2", "BP")]: new RowDecision({ approve: "all", agreement: new UseTarget({ targetId: 500 }) })
      }
    })
    const planned = planConfirmed(
      { rows, lines, snapshot, mappings: [], exclusions: [exclusion("customer", "g2")] },
      choosing,
      settings
    )
    assert.isFalse(planned.plan.operations.some((op) => op.rowKeys.includes(rowKeyOf("g2", "BP"))))
  })
})

describe("ExclusionStore (memory)", () => {
  it.effect("remembers, lists by kind, forgets, and refuses bad input naming the field", () =>
    Effect.gen(function* () {
      const store = yield* ExclusionStore
      yield* store.upsert("link-1", [exclusion("product", "DEF"), exclusion("customer", "g2")])
      yield* store.upsert("link-2", [exclusion("product", "BP")])
      assert.deepStrictEqual(
        (yield* store.list("link-1")).map((e) => `${e.kind}:${e.key}`),
        ["customer:g2", "product:DEF"]
      )
      assert.deepStrictEqual(
        (yield* store.list("link-1", { kind: "product" })).map((e) => e.key),
        ["DEF"]
      )
      assert.isTrue(Option.isSome(yield* store.get("link-1", { kind: "product", key: "DEF" })))
      assert.isTrue(yield* store.remove("link-1", { kind: "product", key: "DEF" }))
      assert.isFalse(yield* store.remove("link-1", { kind: "product", key: "DEF" }))
      const empty = yield* store.get("link-1", { kind: "product", key: "" }).pipe(Effect.flip)
      assert.strictEqual(empty.reason._tag, "InvalidInput")
      assert.include(empty.message, "Exclusion.key")
      const unknown = yield* store.remove("link-1", { kind: "agreement" as "product", key: "x" }).pipe(Effect.flip)
      assert.include(unknown.message, "Exclusion.kind")
      const wrongKind = Object.assign(exclusion("product", "x"), { kind: "agreement" as "product" })
      assert.include((yield* store.upsert("link-1", [wrongKind]).pipe(Effect.flip)).message, "Exclusion.kind")
      const bad = yield* store
        .upsert("link-1", [
          new Exclusion({ kind: "product", key: "", reason: "", createdAt: at }, { disableChecks: true })
        ])
        .pipe(Effect.flip)
      assert.include(bad.message, "Exclusion.key")
    }).pipe(Effect.provide(ExclusionStore.layerMemory))
  )
})
