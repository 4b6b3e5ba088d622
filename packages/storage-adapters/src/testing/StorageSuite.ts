import { randomBytes } from "node:crypto"
import type { TokenSet } from "@psa-ledger/exact-client"
import {
  LinkStore,
  Mapping,
  MappingStore,
  NewLogEntry,
  Run,
  RunPlans,
  renderLog,
  StorageError,
  type StorageInvalidInputError,
  StoredPlan,
  TransferRecord
} from "@psa-ledger/reconcile-core"
import { BigDecimal, DateTime, Effect, Option } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import type { Storage } from "../Storage.ts"
import { deploymentSuite } from "./DeploymentSuite.ts"
import { exclusionSuite } from "./ExclusionSuite.ts"
import { serverSuite } from "./ServerSuite.ts"
import { sharedSuite } from "./SharedSuite.ts"

/**
 * A storage opened for one test, with what to do after it (remove a temp file, drop a schema).
 *
 * @since 0.1.0
 */
export interface OpenedStorage {
  readonly storage: Storage
  /** Runs after each test instead of `storage.close()`; close the storage in it. */
  readonly dispose: () => Promise<void>
}

/**
 * Opens a fresh, empty storage for one test: a `Storage` (closed after the test) or an `OpenedStorage`.
 * Durable adapters need an `encryptionKey`, since the suite stores tokens.
 *
 * @since 0.1.0
 */
export type OpenStorage = () => Storage | OpenedStorage | Promise<Storage | OpenedStorage>

const opened = async (open: OpenStorage): Promise<OpenedStorage> => {
  const result = await open()
  if ("dispose" in result) return result
  return { storage: result, dispose: () => result.close() }
}

const run = <A, E>(effect: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(effect)
const fails = <A, E>(effect: Effect.Effect<A, E>): Promise<E> => Effect.runPromise(Effect.flip(effect))

const at = DateTime.makeUnsafe("2026-11-01T09:00:00Z")
const later = (minutes: number) => DateTime.add(at, { minutes })

const mapping = (sourceKey: string, targetId: number, extra: Partial<Mapping> = {}) =>
  new Mapping(
    { kind: "customer", sourceKey, targetId, method: "manual", decidedBy: "ann", decidedAt: at, ...extra },
    { disableChecks: true }
  )

const newRun = (id: string, startedAt = at) =>
  new Run(
    { id, job: "reconciliation.apply", trigger: "manual", status: "running", startedAt, counts: {} },
    { disableChecks: true }
  )

const entry = (message: string, fields: Record<string, unknown> = {}) =>
  new NewLogEntry({ at, level: "info", message, fields: fields as NewLogEntry["fields"] }, { disableChecks: true })

const transfer = (id: number, extra: Partial<TransferRecord> = {}) =>
  new TransferRecord(
    {
      connectwiseInvoiceId: id,
      connectwiseInvoiceNumber: `INV-${id}`,
      exactInvoiceId: `exact-${id}`,
      kind: "invoice",
      status: "created",
      runId: "r1",
      transferredAt: at,
      updatedAt: at,
      ...extra
    },
    { disableChecks: true }
  )

const tokenSet = (n: number): TokenSet => ({
  accessToken: `access-${n}`,
  refreshToken: `refresh-${n}`,
  expiresAt: 1_800_000_000_000 + n,
  obtainedAt: 1_799_999_400_000 + n
})

/**
 * The storage contract, written once and run against every adapter: the same calls must give the
 * same answers and the same refusals, whichever database is behind them. Call it from a test file.
 *
 * @example
 * ```ts
 * import { memoryStorage } from "@psa-ledger/storage-adapters"
 * import { suite } from "@psa-ledger/storage-adapters/testing"
 *
 * suite("memory", () => memoryStorage())
 * ```
 *
 * @since 0.1.0
 */
export const suite = (name: string, open: OpenStorage): void => {
  describe(`${name} storage conformance`, () => {
    let storage: Storage
    let dispose: () => Promise<void>
    beforeEach(async () => {
      ;({ storage, dispose } = await opened(open))
    })
    afterEach(async () => {
      await dispose()
    })

    describe("MappingStore", () => {
      it("keeps each link's mappings apart, replaces by identity and lists in a stable order", async () => {
        const { mappings } = storage
        await run(mappings.upsert("a", [mapping("c2", 2), mapping("c1", 1)]))
        await run(mappings.upsert("b", [mapping("c1", 9)]))
        await run(mappings.upsert("a", [mapping("c1", 3)]))
        await run(
          mappings.upsert("a", [
            mapping("c1", 70, { kind: "agreement", productKey: "p9" }),
            mapping("c1", 71, { kind: "agreement" }),
            mapping("item-1", 500, { kind: "product", method: "exact-identifier" })
          ])
        )
        const all = await run(mappings.list("a"))
        expect(all.map((m) => [m.kind, m.sourceKey, m.productKey, m.targetId])).toEqual([
          ["agreement", "c1", undefined, 71],
          ["agreement", "c1", "p9", 70],
          ["customer", "c1", undefined, 3],
          ["customer", "c2", undefined, 2],
          ["product", "item-1", undefined, 500]
        ])
        expect((await run(mappings.list("a", { kind: "customer" }))).map((m) => m.targetId)).toEqual([3, 2])
        const other = await run(mappings.get("b", { kind: "customer", sourceKey: "c1" }))
        expect(Option.getOrThrow(other).targetId).toBe(9)
        const narrowed = await run(mappings.get("a", { kind: "agreement", sourceKey: "c1", productKey: "p9" }))
        expect(Option.getOrThrow(narrowed)).toEqual(mapping("c1", 70, { kind: "agreement", productKey: "p9" }))
        expect(Option.isNone(await run(mappings.get("c", { kind: "customer", sourceKey: "c1" })))).toBe(true)
        expect(await run(mappings.remove("a", { kind: "customer", sourceKey: "c2" }))).toBe(true)
        expect(await run(mappings.remove("a", { kind: "customer", sourceKey: "c2" }))).toBe(false)
        expect(await run(mappings.remove("b", { kind: "customer", sourceKey: "c2" }))).toBe(false)
        expect((await run(mappings.list("b"))).length).toBe(1)
      })

      it("lets the last of duplicate mappings in one upsert win", async () => {
        await run(storage.mappings.upsert("a", [mapping("c1", 1), mapping("c1", 2)]))
        expect((await run(storage.mappings.list("a"))).map((m) => m.targetId)).toEqual([2])
      })

      it("refuses an over-long key naming the record and field, writing nothing of the batch", async () => {
        const error = await fails(storage.mappings.upsert("a", [mapping("ok", 1), mapping("x".repeat(600), 2)]))
        expect(error).toBeInstanceOf(StorageError)
        expect(error.reason._tag).toBe("InvalidInput")
        expect(error.message).toContain("Mapping.sourceKey")
        expect(error.operation).toBe("MappingStore.upsert")
        expect(await run(storage.mappings.list("a"))).toEqual([])
        expect(await run(storage.links.list())).toEqual([])
      })

      it("refuses a target id that is not an integer", async () => {
        const error = await fails(storage.mappings.upsert("a", [mapping("c1", 1.5)]))
        expect(error.reason._tag).toBe("InvalidInput")
        expect(error.message).toContain("Mapping.targetId")
      })
    })

    describe("RunStore", () => {
      it("creates, updates, reads and lists runs newest first, paging by run id", async () => {
        const { runs } = storage
        await run(runs.create("a", newRun("r1", at)))
        await run(runs.create("a", newRun("r2", later(5))))
        await run(runs.create("a", newRun("r3", later(5))))
        await run(runs.create("a", newRun("r0", later(-5))))
        await run(runs.create("b", newRun("r9", later(60))))
        const duplicate = await fails(runs.create("a", newRun("r1")))
        expect(duplicate.reason._tag).toBe("Conflict")
        expect((await run(runs.list("a"))).map((r) => r.id)).toEqual(["r3", "r2", "r1", "r0"])
        const firstPage = await run(runs.list("a", { limit: 2 }))
        expect(firstPage.map((r) => r.id)).toEqual(["r3", "r2"])
        expect((await run(runs.list("a", { limit: 2, before: "r2" }))).map((r) => r.id)).toEqual(["r1", "r0"])
        const updated = await run(
          runs.update("a", "r1", {
            status: "partial",
            finishedAt: later(3),
            counts: { done: 2, failed: 1 },
            summary: "2 of 3"
          })
        )
        expect(updated.status).toBe("partial")
        const stored = Option.getOrThrow(await run(runs.get("a", "r1")))
        expect(stored).toEqual(updated)
        expect(stored.counts).toEqual({ done: 2, failed: 1 })
        expect(DateTime.toEpochMillis(stored.finishedAt ?? at)).toBe(DateTime.toEpochMillis(later(3)))
        const partial = await run(runs.update("a", "r1", { summary: "retried" }))
        expect([partial.status, partial.summary, partial.counts]).toEqual([
          "partial",
          "retried",
          { done: 2, failed: 1 }
        ])
        expect(Option.isNone(await run(runs.get("b", "r1")))).toBe(true)
        expect((await fails(runs.update("b", "r1", { status: "failed" }))).reason._tag).toBe("Conflict")
      })

      it("keeps a run's details as JSON", async () => {
        const withDetails = new Run(
          { ...newRun("r1"), details: { month: "2026-10", lines: [1, 2] } },
          { disableChecks: true }
        )
        await run(storage.runs.create("a", withDetails))
        expect(Option.getOrThrow(await run(storage.runs.get("a", "r1"))).details).toEqual({
          month: "2026-10",
          lines: [1, 2]
        })
      })

      it("keeps a job's outcome with the run, apart from the run's record, per link", async () => {
        const { runs } = storage
        await run(runs.create("a", newRun("r1")))
        expect(Option.isNone(await run(runs.result("a", "r1")))).toBe(true)
        const report = {
          operations: [{ key: "k1", status: "failed", reason: { _tag: "Stale", field: "quantity", expected: "2.50" } }],
          counts: { done: 0, failed: 1 }
        }
        await run(runs.update("a", "r1", { status: "partial", result: report }))
        expect(Option.getOrThrow(await run(runs.result("a", "r1")))).toEqual(report)
        // An update without a result keeps it; the run's record and list do not carry it.
        await run(runs.update("a", "r1", { summary: "read again" }))
        expect(Option.getOrThrow(await run(runs.result("a", "r1")))).toEqual(report)
        expect(Object.keys(Option.getOrThrow(await run(runs.get("a", "r1"))))).not.toContain("result")
        expect(Object.keys((await run(runs.list("a")))[0] ?? {})).not.toContain("result")
        expect(Option.isNone(await run(runs.result("b", "r1")))).toBe(true)
        expect(Option.isNone(await run(runs.result("a", "nope")))).toBe(true)
      })

      it("appends log entries in order, numbers them per run and renders them as text", async () => {
        const { runs } = storage
        await run(runs.create("a", newRun("r1")))
        await run(runs.create("a", newRun("r2")))
        expect(
          await run(runs.append("a", "r1", [entry("applying 2 operations", { month: "2026-10" }), entry("second")]))
        ).toEqual([1, 2])
        expect(await run(runs.append("a", "r2", [entry("other run")]))).toEqual([1])
        expect(await run(runs.append("a", "r1", [entry("third", { addition: 7, nested: { ok: true } })]))).toEqual([3])
        const log = await run(runs.readLog("a", "r1"))
        expect(log.map((e) => [e.seq, e.message])).toEqual([
          [1, "applying 2 operations"],
          [2, "second"],
          [3, "third"]
        ])
        expect((await run(runs.readLog("a", "r1", { afterSeq: 2 }))).map((e) => e.seq)).toEqual([3])
        expect(renderLog(log)).toBe(
          [
            '2026-11-01T09:00:00.000Z INFO  applying 2 operations month="2026-10"',
            "2026-11-01T09:00:00.000Z INFO  second",
            '2026-11-01T09:00:00.000Z INFO  third addition=7 nested={"ok":true}'
          ].join("\n")
        )
        expect(await run(runs.readLog("b", "r1"))).toEqual([])
      })

      it("reads a large log back in pages of at most 1,000", async () => {
        const { runs } = storage
        await run(runs.create("a", newRun("big")))
        const batch = Array.from({ length: 2_500 }, (_, i) => entry(`line ${i + 1}`, { i }))
        const seqs = await run(runs.append("a", "big", batch))
        expect(seqs[0]).toBe(1)
        expect(seqs.at(-1)).toBe(2_500)
        const pages: Array<number> = []
        let after = 0
        for (;;) {
          const page = await run(runs.readLog("a", "big", { afterSeq: after, limit: 5_000 }))
          if (page.length === 0) break
          pages.push(page.length)
          expect(page[0]?.seq).toBe(after + 1)
          after = page.at(-1)?.seq ?? after
        }
        expect(pages).toEqual([1_000, 1_000, 500])
      })

      it("refuses appending to a missing run, and an over-long message without writing any entry", async () => {
        const { runs } = storage
        expect((await fails(runs.append("a", "nope", [entry("x")]))).reason._tag).toBe("Conflict")
        await run(runs.create("a", newRun("r1")))
        const error = await fails(runs.append("a", "r1", [entry("fine"), entry("y".repeat(100_001))]))
        expect(error.reason._tag).toBe("InvalidInput")
        expect(error.message).toContain("LogEntry.message")
        expect(await run(runs.readLog("a", "r1"))).toEqual([])
        expect(await run(runs.append("a", "r1", [entry("after")]))).toEqual([1])
      })
    })

    describe("PlanJournal", () => {
      it("starts an operation once and never again once done", async () => {
        const { journal } = storage
        expect(await run(journal.begin("a", "op-1", { runId: "r1", at }))).toEqual({ _tag: "Started", attempt: 1 })
        const second = await run(journal.begin("a", "op-1", { runId: "r2", at: later(1) }))
        expect(second._tag).toBe("InProgress")
        if (second._tag === "InProgress") {
          expect(second.runId).toBe("r1")
          expect(DateTime.toEpochMillis(second.startedAt)).toBe(DateTime.toEpochMillis(at))
        }
        await run(journal.complete("a", "op-1", { result: { id: 42, number: "INV-1" }, at: later(2) }))
        expect(await run(journal.begin("a", "op-1", { runId: "r3", at, takeOver: true }))).toEqual({
          _tag: "AlreadyDone",
          result: { id: 42, number: "INV-1" }
        })
        const again = await fails(journal.complete("a", "op-1", { result: null, at }))
        expect(again.reason._tag).toBe("Conflict")
        expect(again.message).toContain("the operation is done")
        const never = await fails(journal.complete("a", "op-2", { result: null, at }))
        expect(never.reason._tag).toBe("Conflict")
        expect(never.message).toContain("never begun")
        // Another link's journal is its own.
        expect(await run(journal.begin("b", "op-1", { runId: "r1", at }))).toEqual({ _tag: "Started", attempt: 1 })
      })

      it("restarts a failed operation and takes over a crashed one", async () => {
        const { journal } = storage
        await run(journal.begin("a", "op", { runId: "r1", at }))
        await run(journal.fail("a", "op", { error: { reason: "Server", status: 503 }, at: later(1) }))
        const failed = Option.getOrThrow(await run(journal.get("a", "op")))
        expect([failed.status, failed.error, failed.attempts]).toEqual(["failed", { reason: "Server", status: 503 }, 1])
        expect(await run(journal.begin("a", "op", { runId: "r2", at }))).toEqual({ _tag: "Started", attempt: 2 })
        const restarted = Option.getOrThrow(await run(journal.get("a", "op")))
        expect([restarted.status, restarted.runId, restarted.error, restarted.finishedAt]).toEqual([
          "started",
          "r2",
          undefined,
          undefined
        ])
        // r2's claim is live at `at`; once its lease (the default two minutes) has passed it is taken over.
        expect((await run(journal.begin("a", "op", { runId: "r3", at, takeOver: true })))._tag).toBe("InProgress")
        expect(await run(journal.begin("a", "op", { runId: "r3", at: later(5), takeOver: true }))).toEqual({
          _tag: "Started",
          attempt: 3
        })
        expect((await fails(journal.fail("a", "missing", { error: "x", at }))).reason._tag).toBe("Conflict")
      })

      it("never takes over a live claim, even when asked; takes over once its lease has passed", async () => {
        const { journal } = storage
        await run(journal.begin("a", "op", { runId: "r1", at, leaseUntil: later(1) }))
        const live = await run(journal.begin("a", "op", { runId: "r2", at: later(0.5), takeOver: true }))
        expect(live._tag).toBe("InProgress")
        if (live._tag === "InProgress") {
          expect(live.runId).toBe("r1")
          expect(live.leaseUntil === undefined ? undefined : DateTime.toEpochMillis(live.leaseUntil)).toBe(
            DateTime.toEpochMillis(later(1))
          )
        }
        // The holder's heartbeat extends its claims (only its own, only started ones).
        await run(journal.begin("a", "other", { runId: "r9", at }))
        expect(await run(journal.renew("a", "r1", { at: later(0.9), leaseUntil: later(5) }))).toBe(1)
        expect(Option.getOrThrow(await run(journal.get("a", "other"))).leaseUntil).toEqual(
          DateTime.add(at, { minutes: 2 })
        )
        expect((await run(journal.begin("a", "op", { runId: "r2", at: later(2), takeOver: true })))._tag).toBe(
          "InProgress"
        )
        // Without `takeOver` even an expired claim is only reported.
        expect((await run(journal.begin("a", "op", { runId: "r2", at: later(6) })))._tag).toBe("InProgress")
        expect(
          await run(journal.begin("a", "op", { runId: "r2", at: later(6), takeOver: true, leaseUntil: later(8) }))
        ).toEqual({ _tag: "Started", attempt: 2 })
        const entry = Option.getOrThrow(await run(journal.get("a", "op")))
        expect([entry.runId, entry.leaseUntil]).toEqual(["r2", later(8)])
        // The dead run's heartbeat, should it come back, extends nothing.
        expect(await run(journal.renew("a", "r1", { at: later(7), leaseUntil: later(20) }))).toBe(0)
        expect((await run(journal.begin("a", "op", { runId: "r1", at: later(7), takeOver: true })))._tag).toBe(
          "InProgress"
        )
      })

      it("lets a run resume its own started claim at once", async () => {
        const { journal } = storage
        await run(journal.begin("a", "op", { runId: "r1", at }))
        expect(await run(journal.begin("a", "op", { runId: "r1", at: later(1), takeOver: true }))).toEqual({
          _tag: "Started",
          attempt: 2
        })
      })

      it("keeps a null result distinct from none, and lists entries by op key, optionally of one run", async () => {
        const { journal } = storage
        for (const [key, runId] of [
          ["op-b", "r1"],
          ["op-a", "r2"],
          ["op-c", "r1"]
        ] as const) {
          await run(journal.begin("a", key, { runId, at }))
        }
        await run(journal.complete("a", "op-b", { result: null, at }))
        expect(await run(journal.begin("a", "op-b", { runId: "r9", at }))).toEqual({
          _tag: "AlreadyDone",
          result: null
        })
        expect((await run(journal.list("a"))).map((e) => e.opKey)).toEqual(["op-a", "op-b", "op-c"])
        expect((await run(journal.list("a", { runId: "r1" }))).map((e) => e.opKey)).toEqual(["op-b", "op-c"])
        expect(await run(journal.list("b"))).toEqual([])
        expect(Option.isNone(await run(journal.get("b", "op-a")))).toBe(true)
      })

      it("refuses a result that is not JSON, changing nothing", async () => {
        const { journal } = storage
        await run(journal.begin("a", "op", { runId: "r1", at }))
        const error = await fails(journal.complete("a", "op", { result: { n: Number.NaN } as never, at }))
        expect(error.reason._tag).toBe("InvalidInput")
        expect(error.message).toContain("JournalEntry.result")
        expect(Option.getOrThrow(await run(journal.get("a", "op"))).status).toBe("started")
      })
    })

    describe("TransferLedger", () => {
      it("records, finds (one at a time and many at once) and lists transfers in pages", async () => {
        const { transfers } = storage
        for (const id of [1003, 1001, 1002]) await run(transfers.record("a", transfer(id)))
        await run(transfers.record("b", transfer(1001, { exactInvoiceId: "other-link" })))
        const total = BigDecimal.fromStringUnsafe("1234.50")
        await run(
          transfers.record(
            "a",
            transfer(1002, { status: "processed", exactInvoiceNumber: "25000017", total, currency: "EUR" })
          )
        )
        const found = Option.getOrThrow(await run(transfers.find("a", 1002)))
        expect([found.status, found.exactInvoiceNumber, found.currency]).toEqual(["processed", "25000017", "EUR"])
        expect(BigDecimal.equals(found.total ?? BigDecimal.fromNumberUnsafe(0), total)).toBe(true)
        expect(Option.isNone(await run(transfers.find("a", 9999)))).toBe(true)
        const many = await run(transfers.findMany("a", [1003, 9999, 1001]))
        expect([...many.keys()]).toEqual([1003, 1001])
        expect(many.get(1001)?.exactInvoiceId).toBe("exact-1001")
        expect((await run(transfers.findMany("a", []))).size).toBe(0)
        expect((await run(transfers.list("a"))).map((r) => r.connectwiseInvoiceId)).toEqual([1001, 1002, 1003])
        expect(
          (await run(transfers.list("a", { afterId: 1001, limit: 1 }))).map((r) => r.connectwiseInvoiceId)
        ).toEqual([1002])
        expect((await run(transfers.list("b"))).map((r) => r.exactInvoiceId)).toEqual(["other-link"])
      })

      it("records whether the PDF is attached: false, then true, and absent when not tracked", async () => {
        const { transfers } = storage
        await run(transfers.record("a", transfer(2001, { pdfAttached: false })))
        await run(transfers.record("a", transfer(2002)))
        const pending = await run(transfers.findMany("a", [2001, 2002]))
        expect(pending.get(2001)?.pdfAttached).toBe(false)
        expect(pending.get(2002)?.pdfAttached).toBeUndefined()
        // Replacing the record is how the transfer marks the attachment made.
        await run(transfers.record("a", transfer(2001, { pdfAttached: true })))
        expect(Option.getOrThrow(await run(transfers.find("a", 2001))).pdfAttached).toBe(true)
        expect((await run(transfers.list("a"))).map((r) => [r.connectwiseInvoiceId, r.pdfAttached])).toEqual([
          [2001, true],
          [2002, undefined]
        ])
      })

      it("refuses an over-long invoice number", async () => {
        const error = await fails(
          storage.transfers.record("a", transfer(1, { connectwiseInvoiceNumber: "n".repeat(1_001) }))
        )
        expect(error.reason._tag).toBe("InvalidInput")
        expect(error.message).toContain("TransferRecord.connectwiseInvoiceNumber")
        expect(await run(storage.transfers.list("a"))).toEqual([])
      })
    })

    describe("LinkStore", () => {
      it("versions every put and detects a concurrent edit", async () => {
        const { links } = storage
        const first = await run(
          links.put({ id: "b", name: "Beta", settings: { division: 7 }, updatedAt: at }, { expectedVersion: 0 })
        )
        expect(first.version).toBe(1)
        const stale = await fails(
          links.put({ id: "b", name: "Beta 2", settings: {}, updatedAt: at }, { expectedVersion: 0 })
        )
        expect(stale.reason._tag).toBe("Conflict")
        expect(stale.message).toContain("expected version 0, found 1")
        const second = await run(
          links.put({ id: "b", name: "Beta 2", settings: { division: 8 }, updatedAt: later(1) }, { expectedVersion: 1 })
        )
        expect(second.version).toBe(2)
        expect(
          (await fails(links.put({ id: "b", name: "x", settings: {}, updatedAt: at }, { expectedVersion: 1 }))).reason
            ._tag
        ).toBe("Conflict")
        const missing = await fails(
          links.put({ id: "z", name: "x", settings: {}, updatedAt: at }, { expectedVersion: 3 })
        )
        expect(missing.message).toContain("found 0")
        const third = await run(links.put({ id: "b", name: "Beta 3", settings: [1, "two"], updatedAt: later(2) }))
        expect(third.version).toBe(3)
        await run(links.put({ id: "a", name: "Acme", settings: {}, updatedAt: at }))
        const listed = await run(links.list())
        expect(listed.map((l) => [l.id, l.name, l.version])).toEqual([
          ["a", "Acme", 1],
          ["b", "Beta 3", 3]
        ])
        expect(Option.getOrThrow(await run(links.get("b"))).settings).toEqual([1, "two"])
        expect(await run(links.remove("a"))).toBe(true)
        expect(await run(links.remove("a"))).toBe(false)
        expect(Option.isNone(await run(links.get("a")))).toBe(true)
      })
    })

    describe("RunLeases", () => {
      it("holds one run per link; a passed lease is taken over and its run named", async () => {
        const { leases } = storage
        const job = "reconciliation.apply"
        expect(await run(leases.acquire("a", { runId: "r1", job, at, until: later(2) }))).toEqual({ _tag: "Acquired" })
        const held = await run(leases.acquire("a", { runId: "r2", job: "transfer.run", at: later(1), until: later(3) }))
        expect(held).toEqual({ _tag: "Held", runId: "r1", job, until: later(2) })
        // Another link is its own.
        expect((await run(leases.acquire("b", { runId: "r2", job, at, until: later(2) })))._tag).toBe("Acquired")
        expect(await run(leases.renew("a", "r1", { at: later(1), until: later(4) }))).toBe(true)
        expect((await run(leases.acquire("a", { runId: "r2", job, at: later(3), until: later(5) })))._tag).toBe("Held")
        // The same run acquiring again keeps it.
        expect(await run(leases.acquire("a", { runId: "r1", job, at: later(3), until: later(6) }))).toEqual({
          _tag: "Acquired"
        })
        expect(await run(leases.acquire("a", { runId: "r2", job, at: later(7), until: later(9) }))).toEqual({
          _tag: "Acquired",
          previous: { runId: "r1", job, until: later(6) }
        })
        expect(await run(leases.renew("a", "r1", { at: later(7), until: later(20) }))).toBe(false)
        await run(leases.release("a", "r1"))
        expect(Option.getOrThrow(await run(leases.holder("a"))).runId).toBe("r2")
        await run(leases.release("a", "r2"))
        expect(Option.isNone(await run(leases.holder("a")))).toBe(true)
        expect(await run(leases.acquire("a", { runId: "r3", job, at: later(7), until: later(9) }))).toEqual({
          _tag: "Acquired"
        })
      })

      it("refuses a malformed link id", async () => {
        const error = await fails(storage.leases.acquire("A B", { runId: "r1", job: "x", at, until: later(1) }))
        expect([error.reason._tag, (error.reason as StorageInvalidInputError).field]).toEqual([
          "InvalidInput",
          "linkId"
        ])
      })
    })

    describe("RunPlans", () => {
      const stored = (
        runId: string,
        savedAt = at,
        plan: StoredPlan["plan"] = { operations: [{ key: "k1", q: "1.50" }] }
      ) => new StoredPlan({ runId, job: "reconciliation.apply", plan, status: "open", savedAt, lastRunId: runId })

      it("keeps a run's plan as saved until it is finished, listing a link's open plans oldest first", async () => {
        const { plans } = storage
        const plan = {
          month: "2026-10",
          operations: [
            { key: "k1", quantity: "12.5" },
            { key: "k2", nested: [null, true] }
          ]
        }
        await run(plans.save("a", stored("r2", later(5), plan)))
        await run(plans.save("a", stored("r1", later(1))))
        await run(plans.save("b", stored("r3")))
        expect((await run(plans.unfinished("a"))).map((p) => p.runId)).toEqual(["r1", "r2"])
        const got = Option.getOrThrow(await run(plans.get("a", "r2")))
        expect([got.plan, got.job, got.status, got.lastRunId]).toEqual([plan, "reconciliation.apply", "open", "r2"])
        expect(DateTime.toEpochMillis(got.savedAt)).toBe(DateTime.toEpochMillis(later(5)))
        expect(Option.isNone(await run(plans.get("b", "r2")))).toBe(true)

        // A resume names the run working on it; only an open plan can be touched or closed, once.
        expect(await run(plans.touch("a", "r2", { lastRunId: "r9" }))).toBe(true)
        expect(
          await run(plans.finish("a", "r2", { status: "finished", at: later(9), note: "finished by run r9" }))
        ).toBe(true)
        expect(await run(plans.finish("a", "r2", { status: "abandoned", at: later(10) }))).toBe(false)
        expect(await run(plans.touch("a", "r2", { lastRunId: "r10" }))).toBe(false)
        const done = Option.getOrThrow(await run(plans.get("a", "r2")))
        expect([done.status, done.lastRunId, done.note]).toEqual(["finished", "r9", "finished by run r9"])
        expect(DateTime.toEpochMillis(done.finishedAt!)).toBe(DateTime.toEpochMillis(later(9)))
        expect(
          await run(
            plans.finish("a", "r1", { status: "abandoned", at: later(9), note: "a person chose to plan again" })
          )
        ).toBe(true)
        expect(await run(plans.unfinished("a"))).toEqual([])
        expect((await run(plans.unfinished("b"))).map((p) => p.runId)).toEqual(["r3"])
        expect(await run(plans.finish("a", "nobody", { status: "finished", at }))).toBe(false)
      })

      it("refuses a second plan of one run, and a malformed plan or link id, changing nothing", async () => {
        const { plans } = storage
        await run(plans.save("a", stored("r1")))
        const again = await fails(plans.save("a", stored("r1", later(1), { other: true })))
        expect(again.reason._tag).toBe("Conflict")
        expect(Option.getOrThrow(await run(plans.get("a", "r1"))).plan).toEqual({
          operations: [{ key: "k1", q: "1.50" }]
        })
        const long = await fails(plans.touch("a", "r1", { lastRunId: "r".repeat(1_000) }))
        expect(long.reason._tag).toBe("InvalidInput")
        const note = await fails(plans.finish("a", "r1", { status: "abandoned", at, note: "x".repeat(100_001) }))
        expect(note.reason._tag).toBe("InvalidInput")
        expect(Option.getOrThrow(await run(plans.get("a", "r1"))).status).toBe("open")
        const link = await fails(plans.unfinished("A B"))
        expect([link.reason._tag, (link.reason as StorageInvalidInputError).field]).toEqual(["InvalidInput", "linkId"])
      })

      it("is provided by the layer", async () => {
        const program = Effect.gen(function* () {
          const plans = yield* RunPlans
          yield* plans.save("a", stored("r1"))
          return (yield* plans.unfinished("a")).length
        })
        expect(await run(program.pipe(Effect.provide(storage.layer)))).toBe(1)
      })
    })

    describe("ErrorBudget", () => {
      it("counts error answers per scope and endpoint, oldest first, from a time", async () => {
        const budget = storage.errorBudget
        const t0 = Date.parse("2026-11-01T09:00:00Z")
        for (const offset of [3_000, 1_000, 2_000]) await budget.record("17", "crm/Accounts", t0 + offset)
        await budget.record("17", "salesentry/SalesEntries", t0)
        await budget.record("18", "crm/Accounts", t0)
        expect(await budget.errorsSince("17", "crm/Accounts", t0)).toEqual([t0 + 1_000, t0 + 2_000, t0 + 3_000])
        expect(await budget.errorsSince("17", "crm/Accounts", t0 + 2_000)).toEqual([t0 + 2_000, t0 + 3_000])
        expect(await budget.errorsSince("17", "salesentry/SalesEntries", 0)).toEqual([t0])
        expect(await budget.errorsSince("19", "crm/Accounts", 0)).toEqual([])
        // Two errors at the same millisecond are two errors.
        await budget.record("17", "crm/Accounts", t0 + 3_000)
        expect((await budget.errorsSince("17", "crm/Accounts", t0)).length).toBe(4)
      })
    })

    describe("link scope", () => {
      it("refuses a malformed link id on every link-scoped store and token chain, touching nothing", async () => {
        for (const linkId of ["", "l".repeat(64), "Acme", "-a", "a_b", "a b", "a\u0000b", "café"]) {
          const refusals = [
            await fails(storage.mappings.list(linkId)),
            await fails(storage.runs.create(linkId, newRun("r1"))),
            await fails(storage.journal.begin(linkId, "op", { runId: "r1", at })),
            await fails(storage.transfers.record(linkId, transfer(1))),
            await fails(storage.links.put({ id: linkId, name: "x", settings: {}, updatedAt: at })),
            await fails(storage.links.get(linkId)),
            await fails(storage.links.remove(linkId))
          ]
          expect(refusals.map((error) => [error.reason._tag, error.operation])).toEqual([
            ["InvalidInput", "MappingStore.list"],
            ["InvalidInput", "RunStore.create"],
            ["InvalidInput", "PlanJournal.begin"],
            ["InvalidInput", "TransferLedger.record"],
            ["InvalidInput", "LinkStore.put"],
            ["InvalidInput", "LinkStore.get"],
            ["InvalidInput", "LinkStore.remove"]
          ])
          expect(refusals.map((error) => (error.reason as StorageInvalidInputError).field)).toEqual(
            Array(7).fill("linkId")
          )
          expect(refusals[0]?.message).toContain("MappingStore.linkId")
          let refused: unknown
          try {
            storage.tokens(linkId)
          } catch (error) {
            refused = error
          }
          expect(refused).toMatchObject({
            _tag: "TokenStoreError",
            reason: "InvalidInput",
            cause: { _tag: "InvalidInput", record: "TokenStore", field: "linkId" }
          })
        }
        expect(await run(storage.mappings.list("a"))).toEqual([])
      })

      it("accepts every well-formed link id", async () => {
        for (const linkId of ["a", "0", "link-1", "9-lives", "a".repeat(63)]) {
          await run(storage.mappings.upsert(linkId, [mapping("c1", 1)]))
          expect((await run(storage.mappings.list(linkId))).length).toBe(1)
          expect(await storage.tokens(linkId).load()).toBeUndefined()
        }
      })

      it("refuses an over-long link name as StorageInvalidInputError, storing nothing", async () => {
        const error = await fails(storage.links.put({ id: "a", name: "n".repeat(1_001), settings: {}, updatedAt: at }))
        expect(error.reason._tag).toBe("InvalidInput")
        expect(error.message).toContain("LinkRecord.name")
        expect(await run(storage.links.list())).toEqual([])
      })
    })

    describe("TokenStore", () => {
      it("compares and sets by refresh token, per link", async () => {
        const tokens = storage.tokens("link-1")
        expect(await tokens.load()).toBeUndefined()
        expect(await tokens.compareAndSet(undefined, tokenSet(1))).toBe(true)
        expect(await tokens.compareAndSet(undefined, tokenSet(2))).toBe(false)
        expect(await tokens.compareAndSet(tokenSet(1), tokenSet(2))).toBe(true)
        expect(await tokens.compareAndSet(tokenSet(1), tokenSet(3))).toBe(false)
        expect(await tokens.load()).toEqual(tokenSet(2))
        expect(await storage.tokens("link-2").load()).toBeUndefined()
        expect(await storage.tokens("link-1").load()).toEqual(tokenSet(2))
      })

      it("forgets one link's chain, also for a holder of the chain, and leaves the others", async () => {
        const held = storage.tokens("link-1")
        expect(await held.compareAndSet(undefined, tokenSet(1))).toBe(true)
        expect(await storage.tokens("link-2").compareAndSet(undefined, tokenSet(5))).toBe(true)
        expect(await storage.forgetTokens("link-1")).toBe(true)
        expect(await held.load()).toBeUndefined()
        // A refresh that read the forgotten set loses: nothing is written back.
        expect(await held.compareAndSet(tokenSet(1), tokenSet(2))).toBe(false)
        expect(await storage.tokens("link-1").load()).toBeUndefined()
        expect(await storage.tokens("link-2").load()).toEqual(tokenSet(5))
        expect(await storage.forgetTokens("link-1")).toBe(false)
      })

      it("runs lock holders one at a time and releases the lock when the holder rejects", async () => {
        const tokens = storage.tokens("link-1")
        const events: Array<string> = []
        const hold = (name: string, fail = false) =>
          tokens.withLock(async () => {
            events.push(`${name}:in`)
            await new Promise((resolve) => setTimeout(resolve, 20))
            events.push(`${name}:out`)
            if (fail) throw new Error(`${name} failed`)
            return name
          })
        const results = await Promise.allSettled([hold("a", true), hold("b"), hold("c")])
        expect(results.map((r) => r.status)).toEqual(["rejected", "fulfilled", "fulfilled"])
        expect(events).toEqual(["a:in", "a:out", "b:in", "b:out", "c:in", "c:out"])
      })
    })

    deploymentSuite(
      () => storage,
      () => randomBytes(32).toString("base64")
    )

    serverSuite(() => storage)

    sharedSuite(() => storage)

    exclusionSuite(() => storage)

    it("provides every port through its layer", async () => {
      const program = Effect.gen(function* () {
        const mappings = yield* MappingStore
        const links = yield* LinkStore
        yield* mappings.upsert("a", [mapping("c1", 1)])
        yield* links.put({ id: "a", name: "Acme", settings: {}, updatedAt: at })
        return [(yield* mappings.list("a")).length, (yield* links.list()).length]
      })
      expect(await run(program.pipe(Effect.provide(storage.layer)))).toEqual([1, 1])
      expect((await run(storage.mappings.list("a"))).length).toBe(1)
    })
  })
}
