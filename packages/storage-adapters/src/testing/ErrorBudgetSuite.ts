import { describe, expect, it } from "vitest"
import type { Storage } from "../Storage.ts"

/** Exact's error budget per endpoint, shared by every process. */
export const errorBudgetSuite = (storage: () => Storage): void => {
  describe("ErrorBudget", () => {
    it("counts error answers per scope and endpoint, oldest first, from a time", async () => {
      const budget = storage().errorBudget
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
}
