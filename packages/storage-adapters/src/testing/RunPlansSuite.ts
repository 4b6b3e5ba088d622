import { RunPlans, type StorageInvalidInputError, StoredPlan } from "@psa-ledger/reconcile-core"
import { DateTime, Effect, Option } from "effect"
import { describe, expect, it } from "vitest"
import type { Storage } from "../Storage.ts"
import { at, fails, later, run } from "./fixtures.ts"

/** The plans runs stored, so a rerun after a crash resumes the same plan. */
export const runPlansSuite = (storage: () => Storage): void => {
  describe("RunPlans", () => {
    const stored = (
      runId: string,
      savedAt = at,
      plan: StoredPlan["plan"] = { operations: [{ key: "k1", q: "1.50" }] }
    ) => new StoredPlan({ runId, job: "reconciliation.apply", plan, status: "open", savedAt, lastRunId: runId })

    it("keeps a run's plan as saved until it is finished, listing a link's open plans oldest first", async () => {
      const { plans } = storage()
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
      expect(await run(plans.finish("a", "r2", { status: "finished", at: later(9), note: "finished by run r9" }))).toBe(
        true
      )
      expect(await run(plans.finish("a", "r2", { status: "abandoned", at: later(10) }))).toBe(false)
      expect(await run(plans.touch("a", "r2", { lastRunId: "r10" }))).toBe(false)
      const done = Option.getOrThrow(await run(plans.get("a", "r2")))
      expect([done.status, done.lastRunId, done.note]).toEqual(["finished", "r9", "finished by run r9"])
      expect(DateTime.toEpochMillis(done.finishedAt!)).toBe(DateTime.toEpochMillis(later(9)))
      expect(
        await run(plans.finish("a", "r1", { status: "abandoned", at: later(9), note: "a person chose to plan again" }))
      ).toBe(true)
      expect(await run(plans.unfinished("a"))).toEqual([])
      expect((await run(plans.unfinished("b"))).map((p) => p.runId)).toEqual(["r3"])
      expect(await run(plans.finish("a", "nobody", { status: "finished", at }))).toBe(false)
    })

    it("refuses a second plan of one run, and a malformed plan or link id, changing nothing", async () => {
      const { plans } = storage()
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
      expect(await run(program.pipe(Effect.provide(storage().layer)))).toBe(1)
    })
  })
}
