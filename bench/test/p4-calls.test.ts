/**
 * P4 as a count, never a time: transferring a month of ConnectWise invoices in entry mode without
 * the PDF costs at most 1.05 Exact calls per invoice — one POST each plus a handful of bulk reads.
 * The customers are read as every account in 1,000-row pages when that is fewer calls than 40-term
 * filters (here 1 page against about ten filtered reads), and every invoice still finds its existing
 * customer: none blocked, no account created.
 */
import { describe, expect, it } from "vitest"
import { run } from "../src/cases/transfer.ts"

describe("P4 call count", () => {
  it("300 invoices: ≤ 1.05 Exact calls per invoice, the accounts in one page, no account created", async () => {
    const result = await run({ invoices: 300, attachPdf: false })
    const calls = (result.notes as { calls: Record<string, number> }).calls
    const m = result.metrics
    expect(m.blocked).toBe(0)
    expect(m.failed).toBe(0)
    expect(m.created).toBe(m.invoices)
    expect(calls["POST salesentry/SalesEntries"]).toBe(m.invoices)
    expect(calls["POST crm/Accounts"]).toBeUndefined()
    expect(calls["GET bulk/CRM/Accounts"]).toBe(1)
    expect(m.callsPerInvoice).toBeLessThanOrEqual(1.05)
  }, 300_000)
})
