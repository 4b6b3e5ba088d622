import { BigDecimal, DateTime, Option } from "effect"
import { describe, expect, it } from "vitest"
import type { Storage } from "../Storage.ts"
import { fails, run, transfer } from "./fixtures.ts"

/** The invoices transferred to Exact Online, once each. */
export const transferLedgerSuite = (storage: () => Storage): void => {
  describe("TransferLedger", () => {
    it("records, finds (one at a time and many at once) and lists transfers in pages", async () => {
      const { transfers } = storage()
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
      expect((await run(transfers.list("a", { afterId: 1001, limit: 1 }))).map((r) => r.connectwiseInvoiceId)).toEqual([
        1002
      ])
      expect((await run(transfers.list("b"))).map((r) => r.exactInvoiceId)).toEqual(["other-link"])
    })

    it("records whether the PDF is attached: false, then true, and absent when not tracked", async () => {
      const { transfers } = storage()
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

    it("lists the records whose PDF is missing, oldest booking first, at most the limit asked", async () => {
      const { transfers } = storage()
      const at = (iso: string) => DateTime.makeUnsafe(iso)
      // Booked in another order than their ids: the oldest booking comes first, ties by id.
      await run(
        transfers.record("a", transfer(3003, { pdfAttached: false, transferredAt: at("2026-03-01T10:00:00Z") }))
      )
      await run(
        transfers.record("a", transfer(3001, { pdfAttached: false, transferredAt: at("2026-03-02T10:00:00Z") }))
      )
      await run(
        transfers.record("a", transfer(3002, { pdfAttached: false, transferredAt: at("2026-03-01T10:00:00Z") }))
      )
      await run(transfers.record("a", transfer(3004, { pdfAttached: true, transferredAt: at("2026-01-01T10:00:00Z") })))
      await run(transfers.record("a", transfer(3005, { transferredAt: at("2026-01-01T10:00:00Z") })))
      await run(
        transfers.record("b", transfer(3000, { pdfAttached: false, transferredAt: at("2025-01-01T10:00:00Z") }))
      )
      const ids = (records: ReadonlyArray<{ readonly connectwiseInvoiceId: number }>) =>
        records.map((r) => r.connectwiseInvoiceId)
      expect(ids(await run(transfers.pdfsMissing("a")))).toEqual([3002, 3003, 3001])
      expect(ids(await run(transfers.pdfsMissing("a", { limit: 2 })))).toEqual([3002, 3003])
      expect(ids(await run(transfers.pdfsMissing("b")))).toEqual([3000])
      expect(await run(transfers.pdfsMissing("c"))).toEqual([])
      // Attached: it leaves the list.
      await run(transfers.record("a", transfer(3002, { pdfAttached: true, transferredAt: at("2026-03-01T10:00:00Z") })))
      expect(ids(await run(transfers.pdfsMissing("a")))).toEqual([3003, 3001])
    })

    it("refuses an over-long invoice number", async () => {
      const error = await fails(
        storage().transfers.record("a", transfer(1, { connectwiseInvoiceNumber: "n".repeat(1_001) }))
      )
      expect(error.reason._tag).toBe("InvalidInput")
      expect(error.message).toContain("TransferRecord.connectwiseInvoiceNumber")
      expect(await run(storage().transfers.list("a"))).toEqual([])
    })
  })
}
