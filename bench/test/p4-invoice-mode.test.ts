/**
 * P4 in invoice mode, as a count: per invoice the sales invoice's POST and its print, and with the
 * PDF its document and attachment — four calls, plus bulk reads: the invoices by `YourRef` before
 * (so no look-up per invoice) and the printed ones' numbers after, each one call per 40 invoices.
 * Every invoice's PDF is attached.
 */
import { describe, expect, it } from "vitest"
import { run } from "../src/cases/transfer.ts"

describe("P4 call count, invoice mode with the PDF", () => {
  it("300 invoices: four Exact calls per invoice and the bulk reads, every PDF attached", async () => {
    const result = await run({ invoices: 300, attachPdf: true, mode: "invoice" })
    const calls = (result.notes as { calls: Record<string, number> }).calls
    const m = result.metrics
    process.stdout.write(`P4 invoice mode ${JSON.stringify({ ...m, calls }, null, 2)}\n`)
    expect(m.blocked).toBe(0)
    expect(m.failed).toBe(0)
    expect(m.created).toBe(m.invoices)
    for (const write of [
      "POST salesinvoice/SalesInvoices",
      "POST salesinvoice/PrintedSalesInvoices",
      "POST documents/Documents",
      "POST documents/DocumentAttachments"
    ]) {
      expect(calls[write], write).toBe(m.invoices)
    }
    // Nothing was missing, so the catch-up read no documents; no invoice was looked up on its own.
    expect(calls["GET documents/Documents"]).toBeUndefined()
    expect(calls["GET salesinvoice/SalesInvoices"]).toBeUndefined()
    expect(m.answered429).toBe(0)
    // 4 + 1/40 for the numbers read back + the fixed reads spread over 300 invoices.
    expect(m.callsPerInvoice).toBeLessThanOrEqual(4.1)
  }, 300_000)
})
