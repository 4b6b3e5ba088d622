import { DateTime, Option } from "effect"
import { describe, expect, it } from "vitest"
import type { Storage } from "../Storage.ts"
import { at, fails, later, run } from "./fixtures.ts"

/** The journal of applied operations: one writer per operation, its outcome kept. */
export const planJournalSuite = (storage: () => Storage): void => {
  describe("PlanJournal", () => {
    it("starts an operation once and never again once done", async () => {
      const { journal } = storage()
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
      const { journal } = storage()
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
      const { journal } = storage()
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
      const { journal } = storage()
      await run(journal.begin("a", "op", { runId: "r1", at }))
      expect(await run(journal.begin("a", "op", { runId: "r1", at: later(1), takeOver: true }))).toEqual({
        _tag: "Started",
        attempt: 2
      })
    })

    it("keeps a null result distinct from none, and lists entries by op key, optionally of one run", async () => {
      const { journal } = storage()
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
      const { journal } = storage()
      await run(journal.begin("a", "op", { runId: "r1", at }))
      const error = await fails(journal.complete("a", "op", { result: { n: Number.NaN } as never, at }))
      expect(error.reason._tag).toBe("InvalidInput")
      expect(error.message).toContain("JournalEntry.result")
      expect(Option.getOrThrow(await run(journal.get("a", "op"))).status).toBe("started")
    })
  })
}
