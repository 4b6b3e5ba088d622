import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { LinkError } from "../../src/LinkError.ts"
import { previewTransfer, runTransfer, syncPayments } from "../support/transfer.ts"
import { createWorld, DIVISION, secrets, useMsw, type World } from "./world.ts"

useMsw()

const JANUARY = { from: "2026-01-01", to: "2026-02-01" } as const

const exactInvoices = (world: World) =>
  world.exactSim.records(DIVISION, "SalesInvoices").filter((r) => typeof r.YourRef === "string")
const exactLines = (world: World, invoiceId: unknown) =>
  world.exactSim.records(DIVISION, "SalesInvoiceLines").filter((r) => r.InvoiceID === invoiceId)
const text = (value: unknown) =>
  value && typeof value === "object" && "text" in value ? String(value.text) : String(value)
const day = (value: unknown) => new Date((value as { ms: number }).ms).toISOString().slice(0, 10)

describe("previewTransfer", () => {
  it("plans creates, skips and blocks without writing", async () => {
    const world = await createWorld()
    const plan = await previewTransfer(world.deps, JANUARY)
    // Invoice mode attaches the ConnectWise PDF too (the default), after the print.
    expect(plan.operations.map((op) => op._tag)).toEqual([
      "CreateAccount",
      "CreateSalesInvoice",
      "ProcessSalesInvoice",
      "AttachPdf",
      "CreateSalesInvoice",
      "ProcessSalesInvoice",
      "AttachPdf",
      "CreateSalesInvoice",
      "ProcessSalesInvoice",
      "AttachPdf"
    ])
    expect(plan.blocked.map((b) => [b.number, b.reasons])).toEqual([
      ["INV-1004", ["tax code HIGH has no Exact VAT code"]]
    ])
    expect(Object.keys(world.exactSim.requestCounts()).filter((k) => !k.startsWith("GET"))).toEqual([])
    expect(Object.keys(world.cwSim.requests.snapshot()).filter((k) => !k.startsWith("GET"))).toEqual([])
    expect(exactInvoices(world)).toHaveLength(0)
  })

  it("refuses a range that is not two dates", async () => {
    const world = await createWorld()
    const error = await previewTransfer(world.deps, { from: "2026-02-01", to: "2026-01-01" }).catch((e) => e)
    expect(error).toBeInstanceOf(LinkError)
    expect(error.reason).toMatchObject({ _tag: "InvalidInput", record: "TransferRange" })
  })
})

describe("runTransfer", () => {
  it("creates exactly the expected invoices and credit notes, processes them, and a second run creates none", async () => {
    const world = await createWorld()
    const progress: Array<string> = []
    const report = await runTransfer(world.deps, JANUARY, {
      runId: "run-1",
      onProgress: (e) => progress.push(`${e.phase} ${e.done}/${e.total}`)
    })
    expect(report.counts).toEqual({
      created: 3,
      processed: 0,
      alreadyTransferred: 0,
      blocked: 1,
      failed: 0,
      totalDiffers: 0
    })
    expect(report.invoices.map((o) => [o.number, o.status])).toEqual([
      ["INV-1001", "created"],
      ["INV-1002", "created"],
      ["INV-1003", "created"],
      ["INV-1004", "blocked"]
    ])
    expect(progress).toContain("invoices 9/9")

    const invoices = exactInvoices(world)
    expect(invoices.map((i) => i.YourRef).sort()).toEqual(["INV-1001", "INV-1002", "INV-1003"])
    const byRef = new Map(invoices.map((i) => [i.YourRef, i]))
    const accounts = world.exactSim.records(DIVISION, "Accounts")
    const accountOf = (code: string) => accounts.find((a) => String(a.Code).trim() === code)

    const agreement = byRef.get("INV-1001")!
    expect(agreement.Type).toBe(8020)
    expect(agreement.Status).toBe(50)
    expect(agreement.OrderedBy).toBe(accountOf("1000")!.ID)
    expect(agreement.Journal).toBe("70")
    expect(agreement.Currency).toBe("EUR")
    expect(agreement.PaymentCondition).toBe("30")
    expect(day(agreement.InvoiceDate)).toBe("2026-01-01")
    expect(day(agreement.DueDate)).toBe("2026-01-31")
    expect(
      exactLines(world, agreement.InvoiceID).map((l) => [
        l.ItemCode,
        text(l.Quantity),
        text(l.NetPrice),
        l.VATCode,
        l.Description
      ])
    ).toEqual([
      [world.seeded.items[0]!.Code, "12", "10.5", "1  ", "Seats January"],
      [world.seeded.items[1]!.Code, "3", "4.125", "1  ", "Backup 100 GB"]
    ])

    // The new customer got an account with its code, and the mapping is remembered.
    const created = accountOf("1005")
    expect(created?.Name).toBe("Nieuw Klant B.V.")
    expect(String(created?.Code)).toBe("1005".padStart(18, " "))
    const standard = byRef.get("INV-1002")!
    expect(standard.OrderedBy).toBe(created!.ID)
    expect(exactLines(world, standard.InvoiceID).map((l) => [text(l.Quantity), text(l.NetPrice), l.VATCode])).toEqual([
      ["2.5", "12.345", "2  "]
    ])
    const mappings = await Effect.runPromise(world.storage.mappings.list("link-flowb", { kind: "customer" }))
    expect(mappings.map((m) => [m.sourceKey, m.targetId])).toEqual([[created!.ID, world.companies[3]!.id]])

    // The credit memo is a credit note with a negative quantity.
    const credit = byRef.get("INV-1003")!
    expect(credit.Type).toBe(8021)
    expect(exactLines(world, credit.InvoiceID).map((l) => text(l.Quantity))).toEqual(["-1"])

    // The ledger knows all three, processed.
    const ledger = await Effect.runPromise(world.storage.transfers.list("link-flowb"))
    expect(ledger.map((r) => [r.connectwiseInvoiceNumber, r.status, r.kind])).toEqual([
      ["INV-1001", "processed", "invoice"],
      ["INV-1002", "processed", "invoice"],
      ["INV-1003", "processed", "credit-note"]
    ])

    // Second run: nothing new.
    world.exactSim.resetCounters()
    const again = await runTransfer(world.deps, JANUARY, { runId: "run-2" })
    expect(again.counts).toEqual({
      created: 0,
      processed: 0,
      alreadyTransferred: 3,
      blocked: 1,
      failed: 0,
      totalDiffers: 0
    })
    expect(exactInvoices(world)).toHaveLength(3)
    expect(Object.keys(world.exactSim.requestCounts()).filter((k) => k.startsWith("POST"))).toEqual([])
  })

  it("bounds its calls: one query per list, never one per line", async () => {
    const world = await createWorld()
    world.cwSim.requests.reset()
    await runTransfer(world.deps, JANUARY, { runId: "run-1" })
    const cw = world.cwSim.requests.snapshot()
    expect(cw).toEqual({
      "GET /login/companyinfo/{companyId}": 1, // the client resolves the codebase once
      "GET /finance/invoices": 1,
      "GET /procurement/products": 1,
      "GET /company/companies": 1,
      "GET /procurement/catalog": 1,
      "GET /finance/billingTerms": 1,
      "GET /finance/taxCodes": 1,
      // The PDF of each booked invoice (the default, attachPdf: true).
      "GET /finance/invoices/{id}/pdf": 3
    })
    const exact = world.exactSim.requestCounts()
    // Loading: accounts, items, invoices by YourRef (bulk), VAT codes, payment conditions.
    expect(exact["GET bulk/CRM/Accounts"]).toBe(1)
    expect(exact["GET bulk/Logistics/Items"]).toBe(1)
    // Invoices by YourRef before, and the printed ones' numbers after (one bulk read each).
    expect(exact["GET bulk/SalesInvoice/SalesInvoices"]).toBe(2)
    expect(exact["GET vat/VATCodes"]).toBe(1)
    expect(exact["GET cashflow/PaymentConditions"]).toBe(1)
    // Writing: one account; per invoice the POST and the print. No look-up by YourRef per invoice:
    // the bulk read above found none of them, and a first attempt cannot have posted one.
    expect(exact["POST crm/Accounts"]).toBe(1)
    expect(exact["GET salesinvoice/SalesInvoices"] ?? 0).toBe(0)
    expect(exact["POST salesinvoice/SalesInvoices"]).toBe(3)
    expect(exact["POST salesinvoice/PrintedSalesInvoices"]).toBe(3)
    // Per invoice its PDF: a document and its attachment; nothing read, as none was missing.
    expect(exact["POST documents/Documents"]).toBe(3)
    expect(exact["POST documents/DocumentAttachments"]).toBe(3)
    expect(exact["GET documents/Documents"] ?? 0).toBe(0)
  })

  it("a crash after Exact created an invoice but before the ledger and journal knew creates no duplicate", async () => {
    const world = await createWorld()
    // The first run dies right after Exact accepted INV-1001 (the ledger write never happens).
    const ledger = world.deps.ledger
    const crashing = {
      ...world.deps,
      ledger: {
        ...ledger,
        record: () => {
          throw new Error("killed")
        }
      }
    }
    await runTransfer(crashing, JANUARY, { runId: "run-crash" }).catch(() => undefined)
    expect(exactInvoices(world).map((i) => i.YourRef)).toContain("INV-1001")
    const report = await runTransfer(world.deps, JANUARY, { runId: "run-2" })
    expect(report.counts.failed).toBe(0)
    expect(
      exactInvoices(world)
        .map((i) => i.YourRef)
        .sort()
    ).toEqual(["INV-1001", "INV-1002", "INV-1003"])
    expect(exactInvoices(world).every((i) => i.Status === 50)).toBe(true)
    const records = await Effect.runPromise(world.storage.transfers.list("link-flowb"))
    expect(records.map((r) => [r.connectwiseInvoiceNumber, r.status])).toEqual([
      ["INV-1001", "processed"],
      ["INV-1002", "processed"],
      ["INV-1003", "processed"]
    ])
  })

  it("an ambiguous POST failure (Exact created it, then answered 500) is found by YourRef, not repeated", async () => {
    const world = await createWorld()
    world.exactSim.inject({ method: "POST", endpoint: "salesinvoice/SalesInvoices", kind: "error-after-commit" })
    const report = await runTransfer(world.deps, JANUARY, { runId: "run-1" })
    expect(report.counts).toEqual({
      created: 3,
      processed: 0,
      alreadyTransferred: 0,
      blocked: 1,
      failed: 0,
      totalDiffers: 0
    })
    expect(exactInvoices(world)).toHaveLength(3)
  })

  it("one failing invoice does not stop the others, and a rerun finishes it", async () => {
    const world = await createWorld()
    world.exactSim.inject({
      method: "POST",
      endpoint: "salesinvoice/PrintedSalesInvoices",
      kind: "error-before-commit",
      status: 400
    })
    const report = await runTransfer(world.deps, JANUARY, { runId: "run-1" })
    expect(report.counts).toEqual({
      created: 2,
      processed: 0,
      alreadyTransferred: 0,
      blocked: 1,
      failed: 1,
      totalDiffers: 0
    })
    const failed = report.invoices.find((o) => o.status === "failed")
    expect(failed).toMatchObject({ number: "INV-1001", step: "ProcessSalesInvoice", failure: { _tag: "Exact" } })
    const rerun = await runTransfer(world.deps, JANUARY, { runId: "run-2" })
    expect(rerun.counts).toEqual({
      created: 0,
      processed: 1,
      alreadyTransferred: 2,
      blocked: 1,
      failed: 0,
      totalDiffers: 0
    })
    expect(exactInvoices(world)).toHaveLength(3)
  })

  it("a malformed invoice record is blocked with the reason; the others go through", async () => {
    const world = await createWorld()
    world.cwSim.store.put("invoices", {
      ...world.invoices.standard,
      type: "Bogus",
      id: world.invoices.standard.id as number
    })
    const report = await runTransfer(world.deps, JANUARY, { runId: "run-1" })
    const blocked = report.invoices.filter((o) => o.status === "blocked")
    expect(blocked.map((b) => b.connectwiseInvoiceId)).toEqual([world.invoices.standard.id, world.invoices.unmapped.id])
    expect(JSON.stringify(blocked[0])).toContain("malformed")
    expect(report.counts.created).toBe(2)
    expect(JSON.stringify(report)).not.toContain(secrets.privateKey)
  })

  it("rejects an unreadable range with a LinkError naming it", async () => {
    const world = await createWorld()
    const error = await runTransfer(world.deps, { from: "x", to: "y" }, { runId: "r" }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LinkError)
    expect((error as LinkError).reason).toMatchObject({
      _tag: "InvalidInput",
      record: "TransferRange",
      field: "from/to"
    })
  })
})

describe("syncPayments", () => {
  it("records Exact's payments on the ConnectWise invoices once and marks the ledger paid", async () => {
    const world = await createWorld()
    await runTransfer(world.deps, JANUARY, { runId: "run-1" })
    const receivables = world.exactSim.records(DIVISION, "Receivables")
    const paid = receivables.find((r) => r.YourRef === "INV-1001")!
    paid.IsFullyPaid = true
    // Paid on its due date (the simulation's own date value, copied).
    paid.LastPaymentDate = paid.DueDate ?? null
    world.exactSim.resetCounters()
    const report = await syncPayments(world.deps)
    expect(report.invoices.map((o) => [o.number, o.status])).toEqual([
      ["INV-1001", "paid"],
      ["INV-1002", "open"],
      ["INV-1003", "skipped"]
    ])
    // What the customer paid in Exact is what ConnectWise records: this invoice-mode world's
    // ConnectWise invoice has total = subtotal and no tax field, so the tax booked is ConnectWise's
    // (total − subtotal = 0) and the receivable is ConnectWise's total, 138.375 → 138.38.
    expect(report.invoices[0]).toMatchObject({ amount: "138.38", paymentDate: "2026-01-31" })
    // One bulk read of receivables for all invoices.
    expect(world.exactSim.requestCounts()).toEqual({ "GET bulk/Cashflow/Receivables": 1 })
    const payments = world.cwSim.store.all("invoicePayments")
    expect(payments).toHaveLength(1)
    expect(payments[0]).toMatchObject({ invoiceId: world.invoices.agreement.id })
    expect(String(payments[0]!.amount)).toBe("138.38")

    const again = await syncPayments(world.deps)
    expect(again.counts).toMatchObject({ paid: 0, open: 1 })
    expect(world.cwSim.store.all("invoicePayments")).toHaveLength(1)
    const records = await Effect.runPromise(world.storage.transfers.list("link-flowb"))
    expect(records.find((r) => r.connectwiseInvoiceNumber === "INV-1001")?.status).toBe("paid")
  })

  it("books a payment once when two syncs run at once, the other reporting it recorded", async () => {
    const world = await createWorld()
    await runTransfer(world.deps, JANUARY, { runId: "run-1" })
    const paid = world.exactSim.records(DIVISION, "Receivables").find((r) => r.YourRef === "INV-1001")!
    paid.IsFullyPaid = true
    paid.LastPaymentDate = paid.DueDate ?? null
    const [first, second] = await Promise.all([
      syncPayments(world.deps, { runId: "sync-a" }),
      syncPayments(world.deps, { runId: "sync-b" })
    ])
    const outcomes = [first, second].map((report) => report.invoices.find((o) => o.number === "INV-1001")?.status)
    expect(outcomes.sort()).toEqual(["already-recorded", "paid"])
    const payments = world.cwSim.store.all("invoicePayments")
    expect(payments).toHaveLength(1)
    expect(String(payments[0]!.amount)).toBe("138.38")
    // The payment's claim is done, in the name of the sync that booked it.
    const journal = await Effect.runPromise(world.deps.journal.list("link-flowb"))
    const claims = journal.filter((entry) => entry.opKey.startsWith("payment:"))
    expect(claims.map((entry) => [entry.opKey, entry.status])).toEqual([
      [`payment:${world.invoices.agreement.id}:138.38`, "done"]
    ])
    expect(["sync-a", "sync-b"]).toContain(claims[0]?.runId)
  })
})
