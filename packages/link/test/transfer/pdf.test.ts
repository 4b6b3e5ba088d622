/**
 * The ConnectWise PDF in invoice mode (sales invoice + print): attached to the booked invoice as
 * our own document, beside the one Exact's print stores; a failure is a warning, never a failed or
 * repeated booking, and a later run catches it up, once.
 */
import { LinkSettings, TransferSettings } from "@psa-ledger/reconcile-core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { runTransfer } from "../support/transfer.ts"
import { createWorld, DIVISION, useMsw, type World } from "./world.ts"

useMsw()

const JANUARY = { from: "2026-01-01", to: "2026-02-01" } as const
const FEBRUARY = { from: "2026-02-01", to: "2026-03-01" } as const
const BOOKED = ["INV-1001", "INV-1002", "INV-1003"]

const invoiceOf = (world: World, ref: string) =>
  world.exactSim.records(DIVISION, "SalesInvoices").find((r) => r.YourRef === ref)

/** The booked invoice's documents: ours (subject `Invoice <number>`) and the others (Exact's print). */
const documentsOf = (world: World, ref: string) => {
  const invoice = invoiceOf(world, ref)
  if (invoice === undefined) throw new Error(`Exact has no invoice ${ref}`)
  const all = world.exactSim.documentsOf(DIVISION, String(invoice.InvoiceID))
  return {
    ours: all.filter((d) => d.subject === `Invoice ${ref}`),
    others: all.filter((d) => d.subject !== `Invoice ${ref}`)
  }
}

/** Exactly one document of ours, holding exactly one file: ConnectWise's PDF of this invoice. */
const expectOnePdf = (world: World, ref: string) => {
  const { ours, others } = documentsOf(world, ref)
  expect(
    ours.map((d) => d.attachments.length),
    ref
  ).toEqual([1])
  const pdf = Buffer.from(ours[0]!.attachments[0]!.bytes).toString("latin1")
  expect(pdf.startsWith("%PDF-"), ref).toBe(true)
  expect(pdf, ref).toContain(`Invoice ${ref} total`)
  // Exact's own document of the print is there too, and untouched.
  expect(
    others.map((d) => d.attachments.length),
    ref
  ).toEqual([1])
}

const ledgerOf = async (world: World) =>
  Object.fromEntries(
    (await Effect.runPromise(world.storage.transfers.list("link-flowb"))).map((r) => [
      r.connectwiseInvoiceNumber,
      r.pdfAttached
    ])
  )

const attachJournal = async (world: World) =>
  (await Effect.runPromise(world.storage.journal.list("link-flowb")))
    .filter((entry) => entry.opKey.startsWith("AttachPdf:"))
    .map((entry) => entry.status)

const writes = (world: World) =>
  Object.fromEntries(Object.entries(world.exactSim.requestCounts()).filter(([key]) => key.startsWith("POST")))

describe("invoice mode: the ConnectWise PDF", () => {
  it("is attached to each booked invoice as exactly one document of ours, beside Exact's printed one", async () => {
    const world = await createWorld()
    const report = await runTransfer(world.deps, JANUARY, { runId: "run-1" })
    expect(report.counts).toMatchObject({ created: 3, failed: 0, blocked: 1 })
    const created = report.invoices.filter((o) => o.status === "created")
    expect(
      created.map((o) => [o.number, o.status === "created" && o.processed, o.status === "created" && o.pdfAttached])
    ).toEqual(BOOKED.map((ref) => [ref, true, true]))
    for (const ref of BOOKED) expectOnePdf(world, ref)
    expect(await ledgerOf(world)).toEqual(Object.fromEntries(BOOKED.map((ref) => [ref, true])))

    world.exactSim.resetCounters()
    const again = await runTransfer(world.deps, JANUARY, { runId: "run-2" })
    expect(again.counts).toMatchObject({ created: 0, alreadyTransferred: 3, failed: 0 })
    expect(writes(world)).toEqual({})
    for (const ref of BOOKED) expectOnePdf(world, ref)
  })

  it("whose fetch fails is a warning: the invoice is created, not failed; the next run attaches it once", async () => {
    const world = await createWorld()
    world.cwSim.faults.failNext({ method: "GET", template: "/finance/invoices/{id}/pdf", status: 404, count: 1 })
    const first = await runTransfer(world.deps, JANUARY, { runId: "run-1" })
    expect(first.counts).toMatchObject({ created: 3, failed: 0, blocked: 1 })
    const warned = first.invoices.find((o) => o.number === "INV-1001")
    expect(warned).toMatchObject({ status: "created", processed: true, pdfAttached: false })
    expect(warned?.status === "created" && warned.warnings?.join(" ")).toContain("was not attached")
    expect(documentsOf(world, "INV-1001").ours).toEqual([])
    expect(await ledgerOf(world)).toEqual({ "INV-1001": false, "INV-1002": true, "INV-1003": true })

    world.exactSim.resetCounters()
    const second = await runTransfer(world.deps, JANUARY, { runId: "run-2" })
    expect(second.counts).toMatchObject({ created: 0, alreadyTransferred: 3, failed: 0 })
    expect(second.invoices.find((o) => o.number === "INV-1001")).toMatchObject({
      status: "alreadyTransferred",
      pdfAttached: true
    })
    // Nothing booked or printed again: only the missing PDF's document and file.
    expect(writes(world)).toEqual({ "POST documents/Documents": 1, "POST documents/DocumentAttachments": 1 })
    for (const ref of BOOKED) expectOnePdf(world, ref)
    expect(await ledgerOf(world)).toEqual(Object.fromEntries(BOOKED.map((ref) => [ref, true])))

    world.exactSim.resetCounters()
    await runTransfer(world.deps, JANUARY, { runId: "run-3" })
    expect(writes(world)).toEqual({})
  })

  it("left missing by an earlier run is caught up by a run on another range, from the ledger", async () => {
    const world = await createWorld()
    world.cwSim.faults.failNext({ method: "GET", template: "/finance/invoices/{id}/pdf", status: 404, count: 1 })
    await runTransfer(world.deps, JANUARY, { runId: "run-1" })
    expect((await ledgerOf(world))["INV-1001"]).toBe(false)
    const february = await runTransfer(world.deps, FEBRUARY, { runId: "run-2" })
    expect(february.counts).toMatchObject({ created: 1, failed: 0 })
    expectOnePdf(world, "INV-1001")
    expectOnePdf(world, "INV-1005")
    expect(await ledgerOf(world)).toEqual(Object.fromEntries([...BOOKED, "INV-1005"].map((ref) => [ref, true])))
  })

  it("whose POST Exact takes but answers 503 is found, not repeated, and counts attached", async () => {
    const world = await createWorld()
    world.exactSim.inject({ method: "POST", endpoint: "documents/Documents", kind: "error-after-commit", status: 503 })
    world.exactSim.inject({
      method: "POST",
      endpoint: "documents/DocumentAttachments",
      kind: "error-after-commit",
      status: 503
    })
    const report = await runTransfer(world.deps, JANUARY, { runId: "run-1" })
    expect(report.counts).toMatchObject({ created: 3, failed: 0 })
    expect(report.invoices.filter((o) => o.status === "created" && o.pdfAttached !== true)).toEqual([])
    for (const ref of BOOKED) expectOnePdf(world, ref)
    expect(await ledgerOf(world)).toEqual(Object.fromEntries(BOOKED.map((ref) => [ref, true])))
    expect(writes(world)).toMatchObject({ "POST documents/Documents": 3, "POST documents/DocumentAttachments": 3 })
    expect(await attachJournal(world)).toEqual(["done", "done", "done"])
  })

  it("attached, but the ledger could not record it: the invoice stays created, and the next run records it without attaching again", async () => {
    const world = await createWorld()
    const ledger = world.deps.ledger
    // The ledger refuses the one write that records INV-1001's PDF as attached.
    const refusing = {
      ...world.deps,
      ledger: {
        ...ledger,
        record: (linkId: string, record: Parameters<typeof ledger.record>[1]) =>
          record.connectwiseInvoiceNumber === "INV-1001" && record.pdfAttached === true
            ? Effect.die(new Error("the ledger is down"))
            : ledger.record(linkId, record)
      }
    }
    const first = await runTransfer(refusing, JANUARY, { runId: "run-1" })
    expect(first.counts).toMatchObject({ created: 3, failed: 0 })
    expect(first.invoices.find((o) => o.number === "INV-1001")).toMatchObject({ status: "created", pdfAttached: false })
    expect((await ledgerOf(world))["INV-1001"]).toBe(false)
    expectOnePdf(world, "INV-1001")

    world.exactSim.resetCounters()
    const second = await runTransfer(world.deps, JANUARY, { runId: "run-2" })
    expect(second.counts).toMatchObject({ created: 0, alreadyTransferred: 3, failed: 0 })
    // Our document was found with its file: recorded, not attached a second time.
    expect(writes(world)).toEqual({})
    expectOnePdf(world, "INV-1001")
    expect(await ledgerOf(world)).toEqual(Object.fromEntries(BOOKED.map((ref) => [ref, true])))
  })

  it("attached and recorded in the ledger, the journal not told (a kill between): the next run closes the journal entry", async () => {
    const world = await createWorld()
    const journal = world.deps.journal
    // The process dies after the ledger heard of each attachment and before the journal did: the
    // attachment's entry stays "started", as a SIGKILL leaves it.
    const dying = {
      ...world.deps,
      journal: {
        ...journal,
        complete: (...args: Parameters<typeof journal.complete>) =>
          args[1].startsWith("AttachPdf:") ? Effect.void : journal.complete(...args)
      }
    }
    const first = await runTransfer(dying, JANUARY, { runId: "run-1" })
    expect(first.counts).toMatchObject({ created: 3, failed: 0 })
    expect(await ledgerOf(world)).toEqual(Object.fromEntries(BOOKED.map((ref) => [ref, true])))
    expect(await attachJournal(world)).toEqual(BOOKED.map(() => "started"))

    world.exactSim.resetCounters()
    const second = await runTransfer(world.deps, JANUARY, { runId: "run-2" })
    expect(second.counts).toMatchObject({ created: 0, alreadyTransferred: 3, failed: 0 })
    expect(writes(world)).toEqual({})
    expect(await attachJournal(world)).toEqual(BOOKED.map(() => "done"))
    for (const ref of BOOKED) expectOnePdf(world, ref)
  })

  it("is not attached with attachPdf: false, and the ledger records nothing about it", async () => {
    const world = await createWorld()
    const transfer = world.deps.settings.transfer!
    const deps = {
      ...world.deps,
      settings: new LinkSettings({ transfer: new TransferSettings({ ...transfer, attachPdf: false }) })
    }
    const report = await runTransfer(deps, JANUARY, { runId: "run-1" })
    expect(report.counts).toMatchObject({ created: 3, failed: 0 })
    expect(world.cwSim.requests.count("GET", "/finance/invoices/{id}/pdf")).toBe(0)
    for (const ref of BOOKED) expect(documentsOf(world, ref).ours).toEqual([])
    expect(await ledgerOf(world)).toEqual(Object.fromEntries(BOOKED.map((ref) => [ref, undefined])))
  })
})
