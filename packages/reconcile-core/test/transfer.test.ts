import { assert, describe, it } from "@effect/vitest"
import { BigDecimal } from "effect"
import {
  dec,
  ExactAccount,
  ExactItem,
  ExactPaymentCondition,
  ExactSalesInvoiceRef,
  ExactVatCode,
  LinkSettings,
  PsaBillingTerms,
  planInvoiceTransfer,
  TransferInvoice,
  TransferInvoiceLine,
  TransferRecord,
  TransferSettings,
  TransferSnapshot
} from "../src/index.ts"
import { at, company, product } from "./fixtures.ts"

const snapshot = new TransferSnapshot({
  linkId: "link-1",
  companies: [company(1, "C100", "Acme B.V."), company(2, "C200", "Globex GmbH")],
  products: [product(10, "BP", "M365 BP"), product(11, "EXO", "Exchange")],
  billingTerms: [new PsaBillingTerms({ id: 1, name: "Net 14", dueDays: 14 })],
  accounts: [new ExactAccount({ id: "acc-guid-1", code: "              C100", name: "Acme" })],
  items: [new ExactItem({ id: "item-guid-bp", code: "BP", description: "M365 BP" })],
  vatCodes: [new ExactVatCode({ code: "2  ", percentage: dec("0.21"), blocked: false })],
  paymentConditions: [new ExactPaymentCondition({ code: "14", days: 14 })],
  salesInvoices: [new ExactSalesInvoiceRef({ id: "ex-9", yourRef: "INV-9", status: 20 })],
  journals: ["70"]
})
const settings = new LinkSettings({
  transfer: new TransferSettings({ mode: "invoice", journal: "70", vatCodes: { HIGH: "2" }, createAccounts: "auto" })
})
const invoice = (id: number, number: string, extra: Partial<TransferInvoice> = {}) =>
  new TransferInvoice({
    id,
    number,
    type: "Standard",
    companyId: 1,
    date: "2026-12-01",
    billingTermsId: 1,
    currency: "EUR",
    taxCode: "HIGH",
    lines: [
      new TransferInvoiceLine({
        id: `${id}-1`,
        productId: 10,
        description: "BP",
        quantity: dec("3"),
        unitPrice: dec("20.10")
      })
    ],
    ...extra
  })

describe("planInvoiceTransfer", () => {
  it("creates, processes, skips what the ledger or Exact already has, blocks what is unmapped", () => {
    const record = new TransferRecord({
      connectwiseInvoiceId: 2,
      connectwiseInvoiceNumber: "INV-2",
      exactInvoiceId: "ex-2",
      kind: "invoice",
      status: "processed",
      runId: "r1",
      transferredAt: at,
      updatedAt: at
    })
    const p = planInvoiceTransfer(
      [
        invoice(1, "INV-1"),
        invoice(2, "INV-2"),
        invoice(9, "INV-9"),
        invoice(3, "INV-3", { taxCode: "LOW" }),
        invoice(4, "CM-4", { type: "CreditMemo", companyId: 2 }),
        invoice(5, "INV-5", {
          lines: [
            new TransferInvoiceLine({
              id: "5-1",
              productId: 11,
              description: "x",
              quantity: dec("1"),
              unitPrice: dec("1")
            })
          ]
        })
      ],
      snapshot,
      [],
      [record],
      settings
    )
    assert.deepStrictEqual(
      p.operations.map(
        (op) => `${op._tag}:${"connectwiseInvoiceId" in op ? op.connectwiseInvoiceId : op.connectwiseCompanyId}`
      ),
      [
        "CreateAccount:2",
        "CreateSalesInvoice:1",
        "ProcessSalesInvoice:1",
        "AttachPdf:1",
        "CreateSalesInvoice:4",
        "ProcessSalesInvoice:4",
        "AttachPdf:4",
        "ProcessSalesInvoice:9"
      ]
    )
    const create = p.operations[1]
    assert.isTrue(create?._tag === "CreateSalesInvoice")
    if (create?._tag === "CreateSalesInvoice") {
      assert.strictEqual(create.yourRef, "INV-1")
      assert.strictEqual(create.dueDate, "2026-12-15")
      assert.strictEqual(create.paymentCondition, "14")
      assert.isTrue(create.account._tag === "ExistingAccount" && create.account.id === "acc-guid-1")
      assert.strictEqual(BigDecimal.format(create.totalExclVat), "60.3")
      assert.strictEqual(create.lines[0]?.vatCode, "2")
    }
    // The PDF is attached to the created invoice, whether or not its print succeeds.
    const attach = p.operations[3]
    assert.isTrue(
      attach?._tag === "AttachPdf" &&
        attach.booked._tag === "Created" &&
        attach.booked.opKey === create?.idempotencyKey &&
        attach.dependsOn.length === 1 &&
        attach.dependsOn[0] === create?.idempotencyKey
    )
    const credit = p.operations[4]
    assert.isTrue(
      credit?._tag === "CreateSalesInvoice" && credit.type === 8021 && BigDecimal.isNegative(credit.lines[0]!.quantity)
    )
    assert.isTrue(credit?._tag === "CreateSalesInvoice" && credit.dependsOn[0] === p.operations[0]?.idempotencyKey)
    assert.deepStrictEqual(
      p.skipped.map((s) => s.connectwiseInvoiceId),
      [2]
    )
    assert.deepStrictEqual(
      p.blocked.map((b) => [b.connectwiseInvoiceId, b.reasons[0]]),
      [
        [3, "tax code LOW has no Exact VAT code"],
        [5, "catalog item EXO has no Exact item (line 5-1)"]
      ]
    )
    const again = planInvoiceTransfer([invoice(1, "INV-1")], snapshot, [], [record], settings)
    assert.strictEqual(again.operations[0]?.idempotencyKey, p.operations[1]?.idempotencyKey)
  })

  it("keys a print on the ConnectWise invoice, so a resumed run finds it, and trusts Exact's processed status", () => {
    const fresh = planInvoiceTransfer([invoice(1, "INV-1")], snapshot, [], [], settings)
    const print = fresh.operations.find((op) => op._tag === "ProcessSalesInvoice")
    // Killed after Exact created the invoice and the ledger recorded it, before the print finished.
    const created = new TransferRecord({
      connectwiseInvoiceId: 1,
      connectwiseInvoiceNumber: "INV-1",
      exactInvoiceId: "ex-1",
      kind: "invoice",
      status: "created",
      runId: "r1",
      transferredAt: at,
      updatedAt: at
    })
    const resumed = planInvoiceTransfer([invoice(1, "INV-1")], snapshot, [], [created], settings)
    assert.deepStrictEqual(
      resumed.operations.map((op) => [op._tag, op.idempotencyKey]),
      [["ProcessSalesInvoice", print?.idempotencyKey]]
    )
    // Killed after the print, before the ledger update: Exact says processed (50), so nothing is planned.
    const printed = new TransferSnapshot({
      ...snapshot,
      salesInvoices: [...snapshot.salesInvoices, new ExactSalesInvoiceRef({ id: "ex-1", yourRef: "INV-1", status: 50 })]
    })
    const done = planInvoiceTransfer([invoice(1, "INV-1")], printed, [], [created], settings)
    assert.deepStrictEqual(done.operations, [])
    assert.deepStrictEqual(
      done.skipped.map((skip) => skip.connectwiseInvoiceId),
      [1]
    )
  })
})
