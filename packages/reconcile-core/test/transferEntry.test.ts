import { assert, describe, it } from "@effect/vitest"
import { BigDecimal } from "effect"
import {
  type CreateSalesEntry,
  dec,
  ExactAccount,
  ExactGLAccount,
  ExactItem,
  ExactPaymentCondition,
  ExactSalesEntryRef,
  ExactVatCode,
  LinkSettings,
  PsaBillingTerms,
  PsaCompany,
  planInvoiceTransfer,
  TransferCompany,
  TransferInvoice,
  TransferInvoiceLine,
  TransferRecord,
  TransferSettings,
  TransferSnapshot
} from "../src/index.ts"
import { at, product } from "./fixtures.ts"

// Entry mode, the default: a sales entry that is the ConnectWise invoice, number and cents.

const cwCompany = (id: number, identifier: string, name: string, vatNumber?: string) =>
  new PsaCompany({ id, identifier, name, deleted: false, ...(vatNumber === undefined ? {} : { vatNumber }) })

const snapshot = (extra: Partial<TransferSnapshot> = {}) =>
  new TransferSnapshot({
    linkId: "link-1",
    companies: [
      cwCompany(1, "ACME", "Acme B.V."),
      cwCompany(2, "GLOBEX", "Globex GmbH", "NL 8012.34.567.B01"),
      cwCompany(3, "INITECH", "Initech Services")
    ],
    companyDetails: [new TransferCompany({ id: 1, accountNumber: "001000" })],
    products: [product(10, "BP", "M365 BP")],
    billingTerms: [new PsaBillingTerms({ id: 1, name: "Net 14", dueDays: 14 })],
    accounts: [
      // Exact pads numeric codes to 18 characters; ConnectWise's account number has leading zeros.
      new ExactAccount({ id: "acc-acme", code: "              1000", name: "Acme" }),
      new ExactAccount({ id: "acc-globex", code: "              2000", name: "Globex", vatNumber: "NL801234567B01" }),
      new ExactAccount({ id: "acc-init", code: "              3000", name: "Initech Holding" })
    ],
    items: [new ExactItem({ id: "item-bp", code: "BP", description: "M365 BP", glRevenue: "gl-8000" })],
    vatCodes: [new ExactVatCode({ code: "2  ", percentage: dec("0.21"), blocked: false })],
    paymentConditions: [new ExactPaymentCondition({ code: "14", days: 14 })],
    salesInvoices: [],
    journals: ["70"],
    glAccounts: [
      new ExactGLAccount({ id: "gl-8000", code: "8000" }),
      new ExactGLAccount({ id: "gl-8100", code: "8100" })
    ],
    salesEntries: [new ExactSalesEntryRef({ entryId: "e-77", journal: "70", entryNumber: 24077, yourRef: "OTHER" })],
    divisionCurrency: "EUR",
    ...extra
  })

const settings = (extra: Partial<TransferSettings> = {}) =>
  new LinkSettings({ transfer: new TransferSettings({ journal: "70", vatCodes: { VAT21: "2" }, ...extra }) })

const line = (id: string, quantity: string, price: string) =>
  new TransferInvoiceLine({
    id,
    productId: 10,
    description: `line ${id}`,
    quantity: dec(quantity),
    unitPrice: dec(price)
  })

// Three lines of 11.07 at 21%: per line 2.3247 → 2.32, so Exact alone would book 6.96; ConnectWise
// taxed the invoice's 33.21 and charged 6.97.
const invoice = (id: number, number: string, extra: Partial<TransferInvoice> = {}) =>
  new TransferInvoice({
    id,
    number,
    type: "Standard",
    companyId: 1,
    date: "2026-12-01",
    dueDate: "2026-12-15",
    billingTermsId: 1,
    currency: "EUR",
    taxCode: "VAT21",
    lines: [line(`${id}-1`, "1", "11.07"), line(`${id}-2`, "1", "11.07"), line(`${id}-3`, "1", "11.07")],
    subtotal: dec("33.21"),
    tax: dec("6.97"),
    total: dec("40.18"),
    ...extra
  })

const sum = (values: ReadonlyArray<BigDecimal.BigDecimal>) => BigDecimal.format(values.reduce(BigDecimal.sum))
const entries = (p: ReturnType<typeof planInvoiceTransfer>) =>
  p.operations.filter((op): op is CreateSalesEntry => op._tag === "CreateSalesEntry")

describe("planInvoiceTransfer in entry mode (the default)", () => {
  it("books the ConnectWise number as EntryNumber with ConnectWise's VAT, to the cent, the PO in the description", () => {
    const p = planInvoiceTransfer([invoice(1, "24018", { customerPO: "PO-991" })], snapshot(), [], [], settings())
    assert.deepStrictEqual(p.blocked, [])
    const [entry] = entries(p)
    assert.strictEqual(entry?.entryNumber, 24018)
    assert.strictEqual(entry?.yourRef, "24018")
    assert.strictEqual(entry?.account._tag === "ExistingAccount" && entry.account.id, "acc-acme")
    assert.strictEqual(sum(entry?.lines.map((l) => l.vatAmount) ?? []), "6.97")
    assert.strictEqual(sum(entry?.lines.map((l) => l.amount) ?? []), "33.21")
    assert.strictEqual(BigDecimal.format(entry!.total), "40.18")
    assert.deepStrictEqual(
      entry?.lines.map((l) => l.glAccountId),
      ["gl-8000", "gl-8000", "gl-8000"]
    )
    assert.isTrue(entry?.description.includes("PO-991"))
    assert.strictEqual(entry?.paymentCondition, "14")
    assert.strictEqual(entry?.dueDate, "2026-12-15")
    // The PDF follows the entry.
    assert.deepStrictEqual(
      p.operations.map((op) => op._tag),
      ["CreateSalesEntry", "AttachPdf"]
    )
  })

  it("derives the number with the settings' pattern, and blocks what gives none, exceeds 32 bits or is taken", () => {
    const p = planInvoiceTransfer(
      [invoice(1, "INV-24018"), invoice(2, "INV-X"), invoice(3, "INV-9999999999"), invoice(4, "INV-24077")],
      snapshot(),
      [],
      [],
      settings({ entryNumberPattern: "^INV-(\\d+)$" })
    )
    assert.deepStrictEqual(
      entries(p).map((e) => e.entryNumber),
      [24018]
    )
    assert.deepStrictEqual(
      p.blocked.map((b) => [b.number, b.codes]),
      [
        ["INV-X", ["EntryNumberInvalid"]],
        ["INV-9999999999", ["EntryNumberInvalid"]],
        ["INV-24077", ["EntryNumberTaken"]]
      ]
    )
  })

  it("gives an entry number derived twice in one run to the first invoice and blocks the other as taken", () => {
    const p = planInvoiceTransfer(
      [invoice(2, "24018"), invoice(1, "INV-24018")],
      snapshot(),
      [],
      [],
      settings({ entryNumberPattern: "^(?:INV-)?(\\d+)$" })
    )
    assert.deepStrictEqual(
      entries(p).map((e) => [e.yourRef, e.entryNumber]),
      [["INV-24018", 24018]]
    )
    assert.deepStrictEqual(
      p.blocked.map((b) => [b.number, b.codes]),
      [["24018", ["EntryNumberTaken"]]]
    )
    assert.isTrue(p.blocked[0]?.reasons[0]?.includes("INV-24018"))
  })

  it("spreads the VAT per rate: each rate's lines carry what ConnectWise charged at that rate", () => {
    const rated = (id: string, price: string, taxCode: string) =>
      new TransferInvoiceLine({ ...line(id, "1", price), taxCode })
    const mixed = (extra: Partial<TransferInvoice>) => invoice(1, "24018", { taxCode: undefined, ...extra })
    const snap = snapshot({
      vatCodes: [
        new ExactVatCode({ code: "2  ", percentage: dec("0.21"), blocked: false }),
        new ExactVatCode({ code: "3  ", percentage: dec("0.09"), blocked: false })
      ]
    })
    const s = settings({ vatCodes: { VAT21: "2", VAT9: "3" } })
    const byCode = (entry: CreateSalesEntry | undefined) => {
      const out: Record<string, Array<string>> = {}
      for (const l of entry?.lines ?? []) {
        out[l.vatCode] = [...(out[l.vatCode] ?? []), BigDecimal.format(l.vatAmount)]
      }
      return out
    }
    // 100 at 21% and 100 at 9%: 21.00 and 9.00, not 15.00 each.
    const simple = planInvoiceTransfer(
      [
        mixed({
          lines: [rated("a", "100", "VAT21"), rated("b", "100", "VAT9")],
          subtotal: dec("200"),
          tax: dec("30"),
          total: dec("230")
        })
      ],
      snap,
      [],
      [],
      s
    )
    assert.deepStrictEqual(simple.blocked, [])
    assert.deepStrictEqual(byCode(entries(simple)[0]), { "2": ["21"], "3": ["9"] })
    // Three lines of 11.07 at 21% (6.97 on 33.21, though 2.32 each) and 10.00 at 9% (0.90).
    const rounded = planInvoiceTransfer(
      [
        mixed({
          lines: [
            rated("a", "11.07", "VAT21"),
            rated("b", "10.00", "VAT9"),
            rated("c", "11.07", "VAT21"),
            rated("d", "11.07", "VAT21")
          ],
          subtotal: dec("43.21"),
          tax: dec("7.87"),
          total: dec("51.08")
        })
      ],
      snap,
      [],
      [],
      s
    )
    assert.deepStrictEqual(rounded.blocked, [])
    const groups = byCode(entries(rounded)[0])
    assert.strictEqual(sum((groups["2"] ?? []).map((v) => dec(v))), "6.97")
    assert.deepStrictEqual(groups["3"], ["0.9"])
    assert.strictEqual(sum(entries(rounded)[0]?.lines.map((l) => l.vatAmount) ?? []), "7.87")
  })

  it("finds the customer by account number, then by VAT number; never creates a duplicate, and asks before creating", () => {
    const p = planInvoiceTransfer(
      [invoice(1, "1"), invoice(2, "2", { companyId: 2 }), invoice(3, "3", { companyId: 3 })],
      snapshot(),
      [],
      [],
      settings()
    )
    assert.deepStrictEqual(
      entries(p).map((e) => (e.account._tag === "ExistingAccount" ? e.account.id : e.account.opKey)),
      ["acc-acme", "acc-globex"]
    )
    const [needs] = p.blocked
    assert.deepStrictEqual(needs?.codes, ["NeedsCustomer"])
    assert.isTrue(needs?.reasons[0]?.includes("Initech Holding"))
    const create = p.operations.find((op) => op._tag === "CreateAccount")
    assert.strictEqual(create?._tag === "CreateAccount" && create.approved, false)
    // Approved by a person: the account is created and the invoice booked on it.
    const approved = planInvoiceTransfer([invoice(3, "3", { companyId: 3 })], snapshot(), [], [], settings(), {
      approvedCompanies: [3]
    })
    assert.strictEqual(entries(approved)[0]?.account._tag, "Created")
    const never = planInvoiceTransfer(
      [invoice(3, "3", { companyId: 3 })],
      snapshot(),
      [],
      [],
      settings({ createAccounts: "never" })
    )
    assert.isFalse(never.operations.some((op) => op._tag === "CreateAccount"))
  })

  it("blocks, naming the difference, totals that do not add up; and another currency, a closed period, unmapped VAT or terms", () => {
    const p = planInvoiceTransfer(
      [
        invoice(1, "1", { total: dec("40.19") }),
        invoice(2, "2", { currency: "USD" }),
        invoice(3, "3", { date: "2026-01-31" }),
        invoice(4, "4", { taxCode: "LOW" }),
        invoice(5, "5", { billingTermsId: 99 })
      ],
      snapshot(),
      [],
      [],
      settings({ closedThrough: "2026-06-30" })
    )
    assert.deepStrictEqual(entries(p), [])
    assert.deepStrictEqual(
      p.blocked.map((b) => [b.number, b.codes]),
      [
        ["1", ["TotalsDiffer"]],
        ["2", ["Currency"]],
        ["3", ["ClosedPeriod"]],
        ["4", ["VatCode"]],
        ["5", ["PaymentCondition"]]
      ]
    )
    assert.isTrue(p.blocked[0]?.reasons[0]?.includes("difference -0.01"))
  })

  it("books a credit memo with negative amounts", () => {
    const p = planInvoiceTransfer(
      [invoice(1, "24019", { type: "CreditMemo", subtotal: dec("33.21"), tax: dec("6.97"), total: dec("40.18") })],
      snapshot(),
      [],
      [],
      settings()
    )
    const [entry] = entries(p)
    assert.strictEqual(entry?.kind, "credit-note")
    assert.strictEqual(BigDecimal.format(entry!.total), "-40.18")
    assert.strictEqual(sum(entry?.lines.map((l) => l.vatAmount) ?? []), "-6.97")
  })

  it("books nothing a second time, and reports an invoice changed or voided after booking", () => {
    const booked = (id: number, total: string) =>
      new TransferRecord({
        connectwiseInvoiceId: id,
        connectwiseInvoiceNumber: String(id),
        exactInvoiceId: `e-${id}`,
        exactInvoiceNumber: String(id),
        kind: "invoice",
        status: "processed",
        total: dec(total),
        runId: "r1",
        transferredAt: at,
        updatedAt: at
      })
    const p = planInvoiceTransfer(
      [invoice(1, "1"), invoice(2, "2", { total: dec("50.00") }), invoice(3, "3", { status: "Void" })],
      snapshot(),
      [],
      [booked(1, "40.18"), booked(2, "40.18"), booked(3, "40.18")],
      settings()
    )
    assert.deepStrictEqual(p.operations, [])
    assert.deepStrictEqual(
      p.skipped.map((s) => [s.number, s.changes?.length ?? 0]),
      [
        ["1", 0],
        ["2", 1],
        ["3", 1]
      ]
    )
  })
})

describe("planInvoiceTransfer in invoice mode", () => {
  const invoiceMode = (extra: Partial<TransferSettings> = {}) => settings({ mode: "invoice", ...extra })
  const codesOf = (p: ReturnType<typeof planInvoiceTransfer>) => p.blocked.map((b) => [b.number, b.codes])

  it("blocks what entry mode blocks: another currency without a rate, a closed period, unmapped terms, totals off", () => {
    const p = planInvoiceTransfer(
      [
        invoice(1, "24001", { currency: "USD" }),
        invoice(2, "24002", { date: "2026-11-30", dueDate: "2026-12-14" }),
        invoice(3, "24003", { billingTermsId: 9 }),
        invoice(4, "24004", { total: dec("40.19") }),
        invoice(5, "24005")
      ],
      snapshot(),
      [],
      [],
      invoiceMode({ closedThrough: "2026-11-30" })
    )
    assert.deepStrictEqual(codesOf(p), [
      ["24001", ["Currency"]],
      ["24002", ["ClosedPeriod"]],
      ["24003", ["PaymentCondition"]],
      ["24004", ["TotalsDiffer"]]
    ])
    assert.isTrue(p.blocked[3]?.reasons.some((r) => r.includes("difference")))
    assert.deepStrictEqual(
      p.operations.filter((op) => op._tag === "CreateSalesInvoice").map((op) => op.connectwiseInvoiceId),
      [5]
    )
  })

  it("puts the ConnectWise number and the customer's PO in the description", () => {
    const p = planInvoiceTransfer(
      [invoice(1, "24018", { customerPO: "PO-991", description: "December services" })],
      snapshot(),
      [],
      [],
      invoiceMode()
    )
    const [create] = p.operations.filter((op) => op._tag === "CreateSalesInvoice")
    assert.strictEqual(
      create?._tag === "CreateSalesInvoice" && create.description,
      "December services 24018 (PO PO-991)"
    )
  })

  it("with createAccounts unset asks before creating an account, as the documented default", () => {
    const p = planInvoiceTransfer([invoice(1, "24018", { companyId: 3 })], snapshot(), [], [], invoiceMode())
    assert.deepStrictEqual(codesOf(p), [["24018", ["NeedsCustomer"]]])
    assert.deepStrictEqual(
      p.operations.filter((op) => op._tag !== "CreateAccount"),
      []
    )
    const approved = planInvoiceTransfer([invoice(1, "24018", { companyId: 3 })], snapshot(), [], [], invoiceMode(), {
      approvedCompanies: [3]
    })
    assert.deepStrictEqual(approved.blocked, [])
    assert.deepStrictEqual(
      approved.operations.map((op) => op._tag),
      ["CreateAccount", "CreateSalesInvoice", "ProcessSalesInvoice", "AttachPdf"]
    )
  })
})
