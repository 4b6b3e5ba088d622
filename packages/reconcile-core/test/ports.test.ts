import { assert, describe, it } from "@effect/vitest"
import { DateTime, Effect, Layer, Option } from "effect"
import {
  DEFAULT_CLAIM_LEASE_MS,
  LinkStore,
  Mapping,
  MappingStore,
  NewLogEntry,
  PlanJournal,
  Run,
  RunStore,
  renderLog,
  StorageError
} from "../src/index.ts"

const at = DateTime.makeUnsafe("2026-11-01T09:00:00Z")
const layer = Layer.mergeAll(
  MappingStore.layerMemory,
  PlanJournal.layerMemory,
  RunStore.layerMemory,
  LinkStore.layerMemory
)

// `disableChecks` lets a test build the over-long value a caller could bring from unchecked JSON.
const mapping = (sourceKey: string, targetId: number) =>
  new Mapping(
    { kind: "customer", sourceKey, targetId, method: "manual", decidedBy: "ann", decidedAt: at },
    { disableChecks: true }
  )

describe("in-memory ports", () => {
  it.effect("keep each link's mappings apart", () =>
    Effect.gen(function* () {
      const store = yield* MappingStore
      yield* store.upsert("a", [mapping("c1", 1), mapping("c2", 2)])
      yield* store.upsert("b", [mapping("c1", 9)])
      yield* store.upsert("a", [mapping("c1", 3)])
      assert.deepStrictEqual(
        (yield* store.list("a")).map((m) => m.targetId),
        [3, 2]
      )
      const other = yield* store.get("b", { kind: "customer", sourceKey: "c1" })
      assert.strictEqual(Option.getOrThrow(other).targetId, 9)
      assert.isTrue(yield* store.remove("a", { kind: "customer", sourceKey: "c2" }))
      assert.isFalse(yield* store.remove("a", { kind: "customer", sourceKey: "c2" }))
    }).pipe(Effect.provide(layer))
  )

  it.effect("refuse an over-long key naming the record and field, writing nothing", () =>
    Effect.gen(function* () {
      const store = yield* MappingStore
      const error = yield* store.upsert("a", [mapping("ok", 1), mapping("x".repeat(600), 2)]).pipe(Effect.flip)
      assert.instanceOf(error, StorageError)
      assert.strictEqual(error.reason._tag, "InvalidInput")
      assert.include(error.message, "Mapping.sourceKey")
      assert.deepStrictEqual(yield* store.list("a"), [])
    }).pipe(Effect.provide(layer))
  )

  it.effect("start a journal operation once and never again once done", () =>
    Effect.gen(function* () {
      const journal = yield* PlanJournal
      const first = yield* journal.begin("a", "op-1", { runId: "r1", at })
      const second = yield* journal.begin("a", "op-1", { runId: "r2", at })
      assert.strictEqual(first._tag, "Started")
      assert.strictEqual(second._tag, "InProgress")
      yield* journal.complete("a", "op-1", { result: { id: 42 }, at })
      const third = yield* journal.begin("a", "op-1", { runId: "r3", at, takeOver: true })
      assert.deepStrictEqual(third, { _tag: "AlreadyDone", result: { id: 42 } })
      const conflict = yield* journal.complete("a", "op-2", { result: null, at }).pipe(Effect.flip)
      assert.strictEqual(conflict.reason._tag, "Conflict")
    }).pipe(Effect.provide(layer))
  )

  it.effect("restart a failed operation and take over a crashed one", () =>
    Effect.gen(function* () {
      const journal = yield* PlanJournal
      yield* journal.begin("a", "op", { runId: "r1", at })
      yield* journal.fail("a", "op", { error: { reason: "Server" }, at })
      assert.deepStrictEqual(yield* journal.begin("a", "op", { runId: "r2", at }), { _tag: "Started", attempt: 2 })
      // r2 is alive (its lease has not passed): never taken over, even when asked.
      const live = yield* journal.begin("a", "op", { runId: "r3", at, takeOver: true })
      assert.strictEqual(live._tag, "InProgress")
      const expired = DateTime.add(at, { milliseconds: DEFAULT_CLAIM_LEASE_MS })
      assert.deepStrictEqual(yield* journal.begin("a", "op", { runId: "r3", at: expired, takeOver: true }), {
        _tag: "Started",
        attempt: 3
      })
    }).pipe(Effect.provide(layer))
  )

  it.effect("append log entries in order and render them as text", () =>
    Effect.gen(function* () {
      const runs = yield* RunStore
      yield* runs.create(
        "a",
        new Run({
          id: "r1",
          job: "reconciliation.apply",
          trigger: "manual",
          status: "running",
          startedAt: at,
          counts: {}
        })
      )
      const seqs = yield* runs.append("a", "r1", [
        new NewLogEntry({ at, level: "info", message: "applying 2 operations", fields: { month: "2026-10" } }),
        new NewLogEntry({ at, level: "error", message: "addition update failed", fields: { addition: 7 } })
      ])
      assert.deepStrictEqual(seqs, [1, 2])
      const page = yield* runs.readLog("a", "r1", { afterSeq: 1 })
      assert.deepStrictEqual(
        page.map((e) => e.seq),
        [2]
      )
      const text = renderLog(yield* runs.readLog("a", "r1"))
      assert.strictEqual(
        text,
        '2026-11-01T09:00:00.000Z INFO  applying 2 operations month="2026-10"\n2026-11-01T09:00:00.000Z ERROR addition update failed addition=7'
      )
    }).pipe(Effect.provide(layer))
  )

  it.effect("detect a concurrent link edit through its version", () =>
    Effect.gen(function* () {
      const links = yield* LinkStore
      const first = yield* links.put({ id: "a", name: "Acme", settings: {}, updatedAt: at }, { expectedVersion: 0 })
      assert.strictEqual(first.version, 1)
      const stale = yield* links
        .put({ id: "a", name: "Acme 2", settings: {}, updatedAt: at }, { expectedVersion: 0 })
        .pipe(Effect.flip)
      assert.strictEqual(stale.reason._tag, "Conflict")
    }).pipe(Effect.provide(layer))
  )
})
