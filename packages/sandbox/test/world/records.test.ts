import * as BigDecimal from "effect/BigDecimal"
import * as Option from "effect/Option"
import { describe, expect, it } from "vitest"
import { createWorld, WorldOptionsError } from "../../src/index.ts"

const world = createWorld({ seed: 17, customers: 150, products: 12, months: 3, linesPerCustomer: 7 })
const { exact, connectwise, truth } = world
const DECIMAL = /^-?\d+(\.\d+)?$/
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const dec = (s: string) => Option.getOrThrow(BigDecimal.fromString(s))
const sum = (xs: ReadonlyArray<string>) => xs.reduce((acc, x) => BigDecimal.sum(acc, dec(x)), BigDecimal.fromBigInt(0n))
const same = (a: BigDecimal.BigDecimal, b: string) => BigDecimal.equals(a, dec(b))

describe("Exact Online records", () => {
  it("pads account codes to 18 characters with leading spaces and VAT codes to 3", () => {
    for (const a of exact.accounts) {
      expect(a.Code).toHaveLength(18)
      expect(a.Code).toMatch(/^ +\d+$/)
      expect(a.ID).toMatch(GUID)
    }
    for (const v of exact.vatCodes) expect(v.Code).toMatch(/^\d {2}$/)
    expect(exact.vatCodes.find((v) => v.Code === "2  ")?.Percentage).toBe("0.21")
  })

  it("names customers in Dutch, Belgian, German and British styles with their legal forms and registers", () => {
    const customers = exact.accounts.filter((a) => a.Status === "C")
    expect(customers).toHaveLength(150)
    const form = /( B\.V\.| BV| N\.V\.| NV| VOF| BVBA| GmbH| GmbH & Co\. KG| e\.K\.| Ltd)$/
    for (const a of customers) {
      expect(a.Name).toMatch(form)
      expect(a.IsSales).toBe(true)
      const vat = { NL: /^NL\d{9}B01$/, BE: /^BE0\d{9}$/, DE: /^DE\d{9}$/, GB: /^GB\d{9}$/ }[a.Country as "NL"]
      expect(a.VATNumber).toMatch(vat)
      expect(a.ChamberOfCommerce).toBeTruthy()
    }
    expect(new Set(customers.map((a) => a.Name)).size).toBe(customers.length)
    expect(new Set(customers.map((a) => a.Country))).toEqual(new Set(["NL", "BE", "DE", "GB"]))
    expect(exact.accounts.filter((a) => a.IsSupplier)).toHaveLength(1)
  })

  it("writes amounts as decimal strings whose totals add up exactly", () => {
    const malformed = new Set(
      truth.months.flatMap((m) => m.deviations.flatMap((d) => (d.kind === "malformedLine" ? [d.lineId] : [])))
    )
    for (const invoice of exact.salesInvoices) {
      expect(invoice.InvoiceDate).toMatch(/^\/Date\(\d+\)\/$/)
      expect([8020, 8021]).toContain(invoice.Type)
      for (const line of invoice.SalesInvoiceLines) {
        for (const v of [line.NetPrice, line.UnitPrice, line.AmountFC, line.VATAmountFC, line.CostPriceFC]) {
          expect(v).toMatch(DECIMAL)
        }
        if (!malformed.has(line.ID)) {
          expect(line.Quantity).toMatch(DECIMAL)
          expect(
            BigDecimal.equals(BigDecimal.multiply(dec(line.Quantity), dec(line.NetPrice)), dec(line.AmountFC))
          ).toBe(true)
        }
        if (invoice.Type === 8021) expect(BigDecimal.isNegative(dec(line.Quantity))).toBe(true)
      }
      expect(same(sum(invoice.SalesInvoiceLines.map((l) => l.AmountFC)), invoice.AmountFCExclVat)).toBe(true)
      expect(same(sum(invoice.SalesInvoiceLines.map((l) => l.VATAmountFC)), invoice.VATAmountFC)).toBe(true)
      expect(same(sum([invoice.AmountFCExclVat, invoice.VATAmountFC]), invoice.AmountFC)).toBe(true)
    }
    expect(exact.salesInvoices.some((i) => i.Type === 8021)).toBe(true)
    expect(new Set(exact.salesInvoices.map((i) => i.InvoiceNumber)).size).toBe(exact.salesInvoices.length)
  })

  it("has a distributor invoice per month whose lines name their end customer and match the sales quantities", () => {
    expect(exact.purchaseInvoices).toHaveLength(world.meta.periods.length)
    const projects = new Map(exact.projects.map((p) => [p.ID, p.Account]))
    const byName = new Map(exact.accounts.map((a) => [a.Name, a.ID]))
    for (const purchase of exact.purchaseInvoices) {
      const period = new Date(Number(/\d+/.exec(purchase.InvoiceDate)![0])).toISOString().slice(0, 7)
      const monthSales = exact.salesInvoices.filter(
        (s) => new Date(Number(/\d+/.exec(s.InvoiceDate)![0])).toISOString().slice(0, 7) === period
      )
      expect(monthSales.length).toBeGreaterThan(0)
      for (const line of purchase.PurchaseInvoiceLines) {
        const customer =
          line.Project !== null ? projects.get(line.Project) : byName.get(line.Description.split(" | ")[1] ?? "")
        expect(customer, line.Description).toBeDefined()
        const sold = monthSales
          .filter((s) => s.OrderedBy === customer)
          .flatMap((s) => s.SalesInvoiceLines)
          .filter((l) => l.Item === line.Item && DECIMAL.test(l.Quantity))
        expect(same(sum(sold.map((l) => l.Quantity)), line.Quantity)).toBe(true)
        expect(line.UnitPrice).toBe(sold[0]!.CostPriceFC)
      }
      expect(purchase.PurchaseInvoiceLines.some((l) => l.Project !== null)).toBe(true)
      expect(purchase.PurchaseInvoiceLines.some((l) => l.Project === null)).toBe(true)
    }
  })
})

describe("ConnectWise records", () => {
  it("matches most account codes by identifier, not all, with renames and one deleted duplicate", () => {
    const codes = new Set(exact.accounts.map((a) => a.Code.trim()))
    const customers = connectwise.companies.filter((c) => !c.isVendorFlag && !c.deletedFlag)
    const matching = customers.filter((c) => codes.has(c.identifier))
    expect(matching.length / customers.length).toBeGreaterThan(0.75)
    expect(matching.length).toBeLessThan(customers.length)
    const deleted = connectwise.companies.filter((c) => c.deletedFlag)
    expect(deleted).toHaveLength(1)
    const live = customers.find((c) => c.taxIdentifier === deleted[0]!.taxIdentifier)!
    expect(live.identifier).not.toBe(deleted[0]!.identifier)
    expect(codes.has(deleted[0]!.identifier)).toBe(true)
    const names = new Map(exact.accounts.map((a) => [a.ID, a.Name]))
    const renamed = truth.links.companies.filter(
      (l) =>
        l.companyId !== null && connectwise.companies.find((c) => c.id === l.companyId)!.name !== names.get(l.accountId)
    )
    expect(renamed.length).toBeGreaterThan(0)
  })

  it("has catalog items for most products, some inactive, and additions that reference them", () => {
    const catalog = new Map(connectwise.catalogItems.map((c) => [c.id, c]))
    expect(connectwise.catalogItems.some((c) => c.inactiveFlag)).toBe(true)
    for (const a of connectwise.additions) {
      expect(catalog.get(a.product.id)?.identifier).toBe(a.product.identifier)
      for (const v of [a.quantity, a.unitCost, a.unitPrice]) expect(v).toMatch(DECIMAL)
      expect(a.effectiveDate).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00Z$/)
    }
    expect(connectwise.additions.some((a) => a.cancelledDate !== null)).toBe(true)
  })

  it("has a month of standard, agreement and credit-memo invoices whose product lines add up", () => {
    expect(new Set(connectwise.invoices.map((i) => i.type))).toEqual(new Set(["Standard", "Agreement", "CreditMemo"]))
    for (const invoice of connectwise.invoices) {
      const lines = connectwise.products.filter((p) => p.invoice.id === invoice.id)
      expect(lines.length).toBeGreaterThan(0)
      expect(same(sum(lines.map((l) => l.extPrice)), invoice.subtotal)).toBe(true)
      expect(same(sum([invoice.subtotal, invoice.salesTax]), invoice.total)).toBe(true)
      expect(connectwise.billingTerms.some((t) => t.id === invoice.billingTerms.id)).toBe(true)
      expect(connectwise.taxCodes.some((t) => t.id === invoice.taxCode.id)).toBe(true)
      for (const line of lines) expect(line.invoice.identifier).toBe(invoice.invoiceNumber)
      if (invoice.type === "CreditMemo") expect(BigDecimal.isNegative(dec(invoice.total))).toBe(true)
      if (invoice.type === "Agreement") {
        const additions = connectwise.additions.filter(
          (a) => a.agreementId === invoice.agreement!.id && a.cancelledDate === null
        )
        expect(lines.map((l) => [l.catalogItem.id, l.quantity, l.price, l.cost])).toEqual(
          additions.map((a) => [a.product.id, a.quantity, a.unitPrice, a.unitCost])
        )
      }
    }
  })

  it("maps every tax code and billing term to an Exact VAT code and payment condition", () => {
    for (const t of connectwise.taxCodes) {
      const vat = truth.links.taxCodes.find((x) => x.taxCodeId === t.id)!.vatCode
      expect(exact.vatCodes.some((v) => v.Code === vat)).toBe(true)
    }
    for (const t of connectwise.billingTerms) {
      const code = truth.links.billingTerms.find((x) => x.billingTermsId === t.id)!.paymentCondition
      expect(exact.paymentConditions.find((p) => p.Code === code)!.PaymentDays).toBe(t.dueDays)
    }
  })
})

describe("createWorld options", () => {
  it("rejects bad options with a typed error naming the option", () => {
    const bad = [
      [{ seed: 1.5 }, "seed"],
      [{ seed: 1, customers: 0 }, "customers"],
      [{ seed: 1, months: -1 }, "months"],
      [{ seed: 1, startMonth: "2025-13" }, "startMonth"],
      [{ seed: 1, deviations: { quantityOff: -1 } }, "deviations.quantityOff"],
      [{ seed: 1, customers: 4 }, "customers"],
      [{ seed: 1, products: 2, deviations: { productMissing: 2 } }, "deviations.productMissing"],
      [{ seed: 1, customers: 8, deviations: { additionNotInvoiced: 0, quantityOff: 50 } }, "deviations.quantityOff"]
    ] as const
    for (const [options, option] of bad) {
      let error: unknown
      try {
        createWorld(options)
      } catch (e) {
        error = e
      }
      expect(error, option).toBeInstanceOf(WorldOptionsError)
      expect((error as WorldOptionsError).option).toBe(option)
      expect((error as Error).message).toContain(option)
    }
  })

  it("fills in defaults", () => {
    const w = createWorld({ seed: 1 })
    expect(w.meta.options.customers).toBe(50)
    expect(w.meta.periods).toHaveLength(12)
    expect(w.meta.periods[0]).toBe("2025-01")
    expect(w.meta.latestPeriod).toBe("2025-12")
  })
})
