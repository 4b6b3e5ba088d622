import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { LinkSettings, TransferSettings } from "@psa-ledger/reconcile-core"
import type { World } from "@psa-ledger/sandbox"
import type { Storage } from "@psa-ledger/storage-adapters"
import { memoryStorage } from "@psa-ledger/storage-adapters"
import { sqliteStorage } from "@psa-ledger/storage-adapters/sqlite"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { createLink, type LinkApi } from "../../src/index.ts"
import { smtpMailer } from "../../src/smtp/index.ts"
import { startSmtpServer, type TestSmtpServer } from "../support/smtp.ts"
import { type OpenSandbox, openSandbox, smallWorld } from "./sandbox.ts"

const PASSWORD = "smtp-e2e-S3cret"
let smtp: TestSmtpServer

beforeAll(async () => {
  smtp = await startSmtpServer(PASSWORD)
})
afterAll(() => smtp.close())

let sandbox: OpenSandbox | undefined
let storage: Storage | undefined
let dir: string | undefined
afterEach(async () => {
  await sandbox?.server.close()
  await storage?.close()
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  sandbox = undefined
  storage = undefined
  dir = undefined
})

/** Invoice mode with the world's VAT codes and payment conditions mapped. */
const invoiceModeSettings = (world: World) => {
  const { taxCodes, billingTerms } = world.truth.links
  const identifierOf = new Map(world.connectwise.taxCodes.map((t) => [t.id, t.identifier]))
  return new LinkSettings({
    transfer: new TransferSettings({
      mode: "invoice",
      journal: "70",
      vatCodes: Object.fromEntries(taxCodes.map((t) => [identifierOf.get(t.taxCodeId) ?? "", t.vatCode])),
      paymentConditions: Object.fromEntries(billingTerms.map((b) => [String(b.billingTermsId), b.paymentCondition]))
    })
  })
}

/** The links flow A remembered (or a person confirmed) are the link's mappings; flow B uses them too. */
const rememberLinks = async (world: World, link: LinkApi) => {
  for (const company of world.truth.links.companies) {
    if (company.evidence !== "identifier" && company.companyId !== null) {
      await link.mappings.set({ kind: "customer", sourceKey: company.accountId }, company.companyId)
    }
  }
  for (const item of world.truth.links.items) {
    if (item.evidence === "manual" && item.catalogItemId !== "create") {
      await link.mappings.set({ kind: "product", sourceKey: item.itemId }, item.catalogItemId)
    }
  }
}

describe("flow B end to end on the sandbox world, SQLite storage, mail through SMTP", () => {
  it("transfers exactly the month's ConnectWise invoices once, brings a payment back, and mails each run", async () => {
    const world = smallWorld()
    sandbox = await openSandbox(world)
    dir = mkdtempSync(join(tmpdir(), "psa-ledger-e2e-"))
    storage = await sqliteStorage({ filename: join(dir, "ledger.db"), encryptionKey: randomBytes(32) })
    const settings = invoiceModeSettings(world)
    let run = 0
    const link = createLink({
      id: "msp-1",
      name: "Sandbox MSP",
      exact: sandbox.exact,
      connectwise: sandbox.connectwise,
      storage,
      settings,
      now: () => sandbox!.clock.now(),
      ids: () => `run-${++run}`,
      mailer: smtpMailer({
        host: "127.0.0.1",
        port: smtp.port,
        auth: { user: "ledger", pass: PASSWORD },
        from: "ledger@msp.example"
      }),
      mailTo: "finance@msp.example"
    })
    await sandbox.connect(link)
    const period = world.truth.months.at(-1)!.period
    const [year, month] = period.split("-").map(Number) as [number, number]
    const range = { from: `${period}-01`, to: new Date(Date.UTC(year, month, 1)).toISOString().slice(0, 10) }
    const expected = world.connectwise.invoices.filter((i) => i.date.slice(0, 7) === period)
    expect(expected.some((i) => i.type === "CreditMemo")).toBe(true)

    await rememberLinks(world, link)
    const preview = await link.transfer.preview(range)
    expect(preview.blocked).toEqual([])
    const division = sandbox.server.credentials.exact.division
    const exactInvoices = () =>
      sandbox!.server.exact.records(division, "SalesInvoices").filter((r) => typeof r.YourRef === "string")
    const before = exactInvoices().length

    const progress = new Set<string>()
    const first = await link.transfer.run(range, { onProgress: (e) => progress.add(e.phase) })
    expect(first.report?.invoices.filter((o) => o.status !== "created")).toEqual([])
    expect(first.status).toBe("succeeded")
    expect(first.report?.counts).toMatchObject({ created: expected.length, failed: 0, blocked: 0 })
    expect(progress).toContain("invoices")
    const created = exactInvoices().slice(before)
    expect(created.map((r) => String(r.YourRef).trim()).sort()).toEqual(expected.map((i) => i.invoiceNumber).sort())
    for (const invoice of expected) {
      const exactInvoice = created.find((r) => String(r.YourRef).trim() === invoice.invoiceNumber)
      // Credit memos become credit notes (8021), the rest sales invoices (8020).
      expect(exactInvoice?.Type, invoice.invoiceNumber).toBe(invoice.type === "CreditMemo" ? 8021 : 8020)
    }

    // A second transfer creates nothing.
    const second = await link.transfer.run(range)
    expect(second.report?.counts).toMatchObject({ created: 0, failed: 0 })
    expect(exactInvoices().length).toBe(before + expected.length)

    // Payments flow back: one receivable paid in Exact → a payment on the ConnectWise invoice.
    const standard = expected.find((i) => i.type !== "CreditMemo")!
    const receivable = sandbox.server.exact
      .records(division, "Receivables")
      .find((r) => String(r.YourRef).trim() === standard.invoiceNumber)
    expect(receivable).toBeDefined()
    receivable!.IsFullyPaid = true
    receivable!.LastPaymentDate = receivable!.DueDate ?? null
    const payments = await link.transfer.syncPayments()
    expect(payments.status).toBe("succeeded")
    expect(payments.report?.counts.paid).toBe(1)
    const cwPayments = sandbox.server.connectwise.store.all("invoicePayments")
    expect(cwPayments.map((p) => p.invoiceId)).toEqual([standard.id])
    expect((await link.transfer.syncPayments()).report?.counts.paid).toBe(0)

    // Every run is stored in SQLite and was mailed with its summary and the full log attached.
    const runs = await link.runs.list()
    expect(runs.map((r) => r.job)).toEqual([
      "transfer.syncPayments",
      "transfer.syncPayments",
      "transfer.run",
      "transfer.run"
    ])
    expect(smtp.received).toHaveLength(4)
    const mail = smtp.received[0]!
    expect(mail.to).toEqual(["finance@msp.example"])
    expect(mail.raw).toContain(`Created ${expected.length}, processed 0,`)
    expect(mail.raw).toContain("filename=run-run-1.log")
    expect(smtp.received.map((m) => m.raw).join("\n")).not.toContain(PASSWORD)
    expect(await link.runs.log("run-1").text()).toContain(`invoice ${standard.invoiceNumber} created`)
  })

  it("a cancelled transfer stops before its next invoice, keeps its report, leaves no plan open, and the next run books the rest once", async () => {
    const world = smallWorld()
    sandbox = await openSandbox(world)
    storage = memoryStorage()
    const settings = invoiceModeSettings(world)
    const link = createLink({
      id: "msp-cancel",
      exact: sandbox.exact,
      connectwise: sandbox.connectwise,
      storage,
      settings,
      now: () => sandbox!.clock.now()
    })
    await sandbox.connect(link)
    await rememberLinks(world, link)
    const period = world.truth.months.at(-1)!.period
    const [year, month] = period.split("-").map(Number) as [number, number]
    const range = { from: `${period}-01`, to: new Date(Date.UTC(year, month, 1)).toISOString().slice(0, 10) }
    const expected = world.connectwise.invoices.filter((i) => i.date.slice(0, 7) === period)
    expect(expected.length).toBeGreaterThan(3)
    expect((await link.transfer.preview(range)).blocked).toEqual([])
    const division = sandbox.server.credentials.exact.division
    const exactInvoices = () =>
      sandbox!.server.exact.records(division, "SalesInvoices").filter((r) => typeof r.YourRef === "string")
    // What the runs book: the division's invoices after those the world started with.
    const before = exactInvoices().length
    const booked = () =>
      exactInvoices()
        .slice(before)
        .map((r) => String(r.YourRef).trim())

    // A person cancels once two invoices are done.
    const controller = new AbortController()
    const cancelled = await link.transfer.run(range, {
      signal: controller.signal,
      onProgress: (e) => {
        if (e.phase === "invoices" && e.done === 2) controller.abort()
      }
    })
    expect(cancelled.status).toBe("cancelled")
    const report = cancelled.report
    expect(report).toBeDefined()
    const done = report!.invoices.filter((o) => o.status === "created")
    const stopped = report!.invoices.filter((o) => o.status === "failed")
    expect(done.length).toBeGreaterThan(0)
    expect(stopped.length).toBeGreaterThan(0)
    for (const outcome of stopped) {
      expect(outcome.status === "failed" && outcome.failure._tag, outcome.number).toBe("Cancelled")
    }
    expect(done.length + stopped.length).toBe(expected.length)
    expect(booked().sort()).toEqual(done.map((o) => o.number).sort())
    // Not a dead run: nothing to resume, and the next run is not refused.
    expect(await link.runs.unfinished()).toEqual([])
    const next = await link.transfer.run(range)
    expect(next.status).toBe("succeeded")
    expect(next.report?.counts).toMatchObject({ created: stopped.length, alreadyTransferred: done.length, failed: 0 })
    expect(booked().sort()).toEqual(expected.map((i) => i.invoiceNumber).sort())
  })
})
