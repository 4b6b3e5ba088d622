import type { StorageInvalidInputError } from "@psa-ledger/reconcile-core"
import { Option } from "effect"
import { describe, expect, it } from "vitest"
import type { Storage } from "../Storage.ts"
import { at, fails, later, run } from "./fixtures.ts"

/** One run per link at a time, across processes. */
export const runLeasesSuite = (storage: () => Storage): void => {
  describe("RunLeases", () => {
    it("holds one run per link; a passed lease is taken over and its run named", async () => {
      const { leases } = storage()
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
      const error = await fails(storage().leases.acquire("A B", { runId: "r1", job: "x", at, until: later(1) }))
      expect([error.reason._tag, (error.reason as StorageInvalidInputError).field]).toEqual(["InvalidInput", "linkId"])
    })
  })
}
