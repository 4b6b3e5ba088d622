/**
 * Invoice mode and ConnectWise's totals: the amounts sent are checked against ConnectWise's total
 * and tax, so an invoice without a total is blocked with a named reason (never booked unchecked),
 * and a missing tax is taken from the header (total − subtotal), where it is exact.
 */
import { rawNumber } from "@psa-ledger/sandbox"
import { describe, expect, it } from "vitest"
import { runTransfer } from "../support/transfer.ts"
import { createWorld, DIVISION, useMsw } from "./world.ts"

useMsw()

const JANUARY = { from: "2026-01-01", to: "2026-02-01" } as const
const text = (value: unknown) =>
  value && typeof value === "object" && "text" in value ? String(value.text) : String(value)

describe("invoice mode: ConnectWise gives no total or no tax", () => {
  it("an invoice without a total is blocked as TotalsDiffer, naming it; nothing of it is sent", async () => {
    const world = await createWorld()
    const standard = world.invoices.standard
    world.cwSim.store.put("invoices", { ...standard, id: standard.id as number, total: null })
    const report = await runTransfer(world.deps, JANUARY, { runId: "run-1" })
    const outcome = report.invoices.find((o) => o.connectwiseInvoiceId === standard.id)
    expect(outcome).toMatchObject({ status: "blocked", number: "INV-1002", codes: ["TotalsDiffer"] })
    expect(outcome?.status === "blocked" ? outcome.reasons.join(" ") : "").toContain("no total")
    expect(report.counts.failed).toBe(0)
    const refs = world.exactSim.records(DIVISION, "SalesInvoices").map((r) => r.YourRef)
    expect(refs).not.toContain("INV-1002")
    expect(refs).toContain("INV-1001")
  })

  it("an invoice without its tax books ConnectWise's total to the cent, the tax taken from the header", async () => {
    const world = await createWorld()
    const standard = world.invoices.standard
    // 30.8625 net at 9%: ConnectWise's total is 33.64 but it sends no salesTax.
    world.cwSim.store.put("invoices", {
      ...standard,
      id: standard.id as number,
      total: rawNumber("33.64"),
      salesTax: null
    })
    const report = await runTransfer(world.deps, JANUARY, { runId: "run-1" })
    const outcome = report.invoices.find((o) => o.connectwiseInvoiceId === standard.id)
    expect(outcome?.status).toBe("created")
    const booked = world.exactSim.records(DIVISION, "SalesInvoices").find((r) => r.YourRef === "INV-1002")
    expect(text(booked?.AmountFC)).toBe("33.64")
  })
})
