import { Run, renderLog } from "@psa-ledger/reconcile-core"
import { DateTime, Option } from "effect"
import { describe, expect, it } from "vitest"
import type { Storage } from "../Storage.ts"
import { at, entry, fails, later, newRun, run } from "./fixtures.ts"

/** The runs of each link, with their logs. */
export const runSuite = (storage: () => Storage): void => {
  describe("RunStore", () => {
    it("creates, updates, reads and lists runs newest first, paging by run id", async () => {
      const { runs } = storage()
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
      expect([partial.status, partial.summary, partial.counts]).toEqual(["partial", "retried", { done: 2, failed: 1 }])
      expect(Option.isNone(await run(runs.get("b", "r1")))).toBe(true)
      expect((await fails(runs.update("b", "r1", { status: "failed" }))).reason._tag).toBe("Conflict")
    })

    it("keeps a run's details as JSON", async () => {
      const withDetails = new Run(
        { ...newRun("r1"), details: { month: "2026-10", lines: [1, 2] } },
        { disableChecks: true }
      )
      await run(storage().runs.create("a", withDetails))
      expect(Option.getOrThrow(await run(storage().runs.get("a", "r1"))).details).toEqual({
        month: "2026-10",
        lines: [1, 2]
      })
    })

    it("records whether a finished run's mail went out, kept through later updates and in the list", async () => {
      const { runs } = storage()
      await run(runs.create("a", newRun("r1")))
      expect(Option.getOrThrow(await run(runs.get("a", "r1"))).mail).toBeUndefined()
      await run(runs.update("a", "r1", { status: "succeeded", finishedAt: later(1) }))
      const mailed = await run(runs.update("a", "r1", { mail: "sent" }))
      expect([mailed.status, mailed.mail]).toEqual(["succeeded", "sent"])
      await run(runs.update("a", "r1", { summary: "read again" }))
      expect(Option.getOrThrow(await run(runs.get("a", "r1"))).mail).toBe("sent")
      expect((await run(runs.list("a")))[0]?.mail).toBe("sent")
      // An outcome no schema knows is refused, naming the field, and the stored one stays.
      const bad = await fails(runs.update("a", "r1", { mail: "maybe" as "sent" }))
      expect(bad.reason).toMatchObject({ _tag: "InvalidInput", field: "mail" })
      expect(Option.getOrThrow(await run(runs.get("a", "r1"))).mail).toBe("sent")
    })

    it("keeps a job's outcome with the run, apart from the run's record, per link", async () => {
      const { runs } = storage()
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
      const { runs } = storage()
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
      const { runs } = storage()
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
      const { runs } = storage()
      expect((await fails(runs.append("a", "nope", [entry("x")]))).reason._tag).toBe("Conflict")
      await run(runs.create("a", newRun("r1")))
      const error = await fails(runs.append("a", "r1", [entry("fine"), entry("y".repeat(100_001))]))
      expect(error.reason._tag).toBe("InvalidInput")
      expect(error.message).toContain("LogEntry.message")
      expect(await run(runs.readLog("a", "r1"))).toEqual([])
      expect(await run(runs.append("a", "r1", [entry("after")]))).toEqual([1])
    })
  })
}
