import { seedExactDivision } from "@psa-ledger/sandbox"
import { describe, expect, it } from "vitest"
import { ExactError } from "../src/index.ts"
import { useMsw, world } from "./helpers.ts"

useMsw()

const setup = async () => {
  const w = world()
  const seeded = seedExactDivision(w.sim)
  const exact = w.client({ division: 1001 })
  await w.authorise(exact)
  const revenue = w.sim.records(1001, "GLAccounts").find((gl) => gl.Code === "8000")?.ID as string
  const customer = seeded.accounts[0]?.ID as string
  return { ...w, exact, revenue, customer }
}

describe("createSalesEntry", () => {
  it("books the entry with its number, the VAT as given, and the receivable, in one POST", async () => {
    const { sim, exact, revenue, customer } = await setup()
    sim.resetCounters()
    // 3 × 11.07 at 21%: Exact's per-line rounding would give 2.32 × 3 = 6.96; the source charged 6.97.
    const { entry, created } = await exact.createSalesEntry(
      {
        Customer: customer,
        Journal: "70",
        EntryNumber: 24018,
        EntryDate: new Date(Date.UTC(2026, 0, 31)),
        SalesEntryLines: [0, 1, 2].map((i) => ({
          GLAccount: revenue,
          AmountFC: "11.07",
          VATAmountFC: i === 0 ? "2.33" : "2.32",
          VATCode: "2",
          Description: `line ${i}`
        }))
      },
      { yourRef: "24018", lookupFirst: false }
    )
    expect(created).toBe(true)
    expect(entry.EntryNumber).toBe(24018)
    expect(entry.AmountFC).toBe("40.18")
    expect(sim.requestCounts()).toEqual({ "POST salesentry/SalesEntries": 1 })
    const [receivable] = sim.records(1001, "Receivables")
    expect(receivable?.EntryNumber).toBe(24018)
    expect(receivable?.TransactionEntryID).toBe(entry.EntryID)
  })

  it("refuses an entry number already taken in the journal, and a number beyond 32 bits before sending", async () => {
    const { exact, revenue, customer } = await setup()
    const draft = {
      Customer: customer,
      Journal: "70",
      EntryNumber: 7,
      EntryDate: new Date(Date.UTC(2026, 0, 31)),
      SalesEntryLines: [{ GLAccount: revenue, AmountFC: "10.00", VATAmountFC: "2.10", VATCode: "2" }]
    }
    await exact.createSalesEntry(draft, { yourRef: "7" })
    const taken = await exact.createSalesEntry(draft, { yourRef: "INV-7", lookupFirst: false }).catch((e) => e)
    expect(taken).toBeInstanceOf(ExactError)
    expect((taken as ExactError).reason._tag).toBe("ValidationError")
    const tooBig = await exact
      .createSalesEntry({ ...draft, EntryNumber: 2_147_483_648 }, { yourRef: "x" })
      .catch((e) => e)
    expect((tooBig as ExactError).reason.message).toContain("32-bit")
  })

  it("attaches a document to the entry: a Documents POST and an attachment POST", async () => {
    const { sim, exact, revenue, customer } = await setup()
    const { entry } = await exact.createSalesEntry(
      {
        Customer: customer,
        Journal: "70",
        EntryDate: new Date(Date.UTC(2026, 0, 31)),
        SalesEntryLines: [{ GLAccount: revenue, AmountFC: "10.00", VATAmountFC: "2.10", VATCode: "2" }]
      },
      { yourRef: "CW-9" }
    )
    sim.resetCounters()
    const bytes = new TextEncoder().encode("%PDF-1.4 test")
    const { documentId } = await exact.attachDocument({
      Subject: "Invoice CW-9",
      Type: 10,
      Account: customer,
      FinancialTransactionEntryID: entry.EntryID,
      fileName: "CW-9.pdf",
      bytes
    })
    expect(sim.requestCounts()).toEqual({ "POST documents/Documents": 1, "POST documents/DocumentAttachments": 1 })
    const [attachment] = sim.records(1001, "DocumentAttachments")
    expect(attachment?.Document).toBe(documentId)
    expect(Buffer.from(String(attachment?.Attachment), "base64").toString()).toBe("%PDF-1.4 test")
  })

  it("attaches a document to a sales invoice, linked by its InvoiceID; refuses a booking Exact does not have", async () => {
    const { sim, exact, customer } = await setup()
    const item = sim.records(1001, "Items")[0]?.ID as string
    const { invoice } = await exact.createSalesInvoice(
      {
        OrderedBy: customer,
        Journal: "70",
        OrderDate: new Date(Date.UTC(2026, 0, 31)),
        SalesInvoiceLines: [{ Item: item, Quantity: "1", NetPrice: "10" }]
      },
      { yourRef: "CW-10" }
    )
    const bytes = new TextEncoder().encode("%PDF-1.4 invoice")
    const { documentId } = await exact.attachDocument({
      Subject: "Invoice CW-10",
      Type: 10,
      Account: customer,
      // Exact's metadata: for a sales invoice's document this is the InvoiceID (SalesInvoices API).
      FinancialTransactionEntryID: invoice.InvoiceID,
      fileName: "CW-10.pdf",
      bytes
    })
    const [document] = sim.documentsOf(1001, invoice.InvoiceID)
    expect(document).toMatchObject({ id: documentId, subject: "Invoice CW-10", type: 10, account: customer })
    expect(document?.attachments.map((a) => [a.fileName, Buffer.from(a.bytes).toString()])).toEqual([
      ["CW-10.pdf", "%PDF-1.4 invoice"]
    ])
    const unknown = await exact
      .attachDocument({
        Subject: "Invoice CW-11",
        Type: 10,
        FinancialTransactionEntryID: "00000000-0000-4000-8000-000000000001",
        fileName: "CW-11.pdf",
        bytes
      })
      .catch((e) => e)
    expect((unknown as ExactError).reason.message).toContain("FinancialTransactionEntryID")
    expect(sim.records(1001, "Documents")).toHaveLength(1)
  })

  it("after an ambiguous failure of either POST, looks before retrying: one document, one file", async () => {
    const { sim, exact, revenue, customer } = await setup()
    const { entry } = await exact.createSalesEntry(
      {
        Customer: customer,
        Journal: "70",
        EntryDate: new Date(Date.UTC(2026, 0, 31)),
        SalesEntryLines: [{ GLAccount: revenue, AmountFC: "10.00", VATAmountFC: "2.10", VATCode: "2" }]
      },
      { yourRef: "CW-12" }
    )
    const bytes = new TextEncoder().encode("%PDF-1.4 twelve")
    const draft = {
      Subject: "Invoice CW-12",
      Type: 10,
      FinancialTransactionEntryID: entry.EntryID,
      fileName: "CW-12.pdf",
      bytes
    }
    // Both POSTs take effect, then Exact answers 503: the client finds what each made.
    sim.inject({ method: "POST", endpoint: "documents/Documents", kind: "error-after-commit", status: 503 })
    sim.inject({ method: "POST", endpoint: "documents/DocumentAttachments", kind: "error-after-commit", status: 503 })
    const { documentId } = await exact.attachDocument(draft)
    const [document, ...more] = sim.documentsOf(1001, entry.EntryID)
    expect(more).toEqual([])
    expect(document?.id).toBe(documentId)
    expect(document?.attachments.map((a) => Buffer.from(a.bytes).toString())).toEqual(["%PDF-1.4 twelve"])
    expect(sim.requestCount("POST documents/Documents")).toBe(1)
    expect(sim.requestCount("POST documents/DocumentAttachments")).toBe(1)
    // Refused before it took effect: nothing is found, so it is sent again, once.
    sim.inject({ method: "POST", endpoint: "documents/DocumentAttachments", kind: "error-before-commit", status: 503 })
    await exact.attachDocument({ ...draft, Subject: "Invoice CW-12 again" })
    expect(sim.documentsOf(1001, entry.EntryID).map((d) => d.attachments.length)).toEqual([1, 1])
    expect(sim.requestCount("POST documents/DocumentAttachments")).toBe(3)
  })

  it("pays in parts: the simulation splits the receivable", async () => {
    const { sim, exact, revenue, customer } = await setup()
    const { entry } = await exact.createSalesEntry(
      {
        Customer: customer,
        Journal: "70",
        EntryDate: new Date(Date.UTC(2026, 0, 31)),
        SalesEntryLines: [{ GLAccount: revenue, AmountFC: "100.00", VATAmountFC: "21.00", VATCode: "2" }]
      },
      { yourRef: "CW-10" }
    )
    sim.payEntry(1001, entry.EntryID, "60.50")
    const receivables = sim.records(1001, "Receivables").filter((r) => r.TransactionEntryID === entry.EntryID)
    expect(receivables.map((r) => [(r.AmountFC as { text: string }).text, r.IsFullyPaid])).toEqual([
      ["60.5", false],
      ["60.5", true]
    ])
    sim.payEntry(1001, entry.EntryID, "60.50")
    expect(sim.records(1001, "Receivables").every((r) => r.IsFullyPaid === true)).toBe(true)
  })
})
