import { DateTime } from "effect"
import {
  dec,
  type InvoiceLine,
  makeInvoiceLine,
  PsaAddition,
  PsaAgreement,
  PsaCompany,
  PsaProduct,
  PsaSnapshot
} from "../src/index.ts"

export const at = DateTime.makeUnsafe("2026-12-02T10:00:00Z")
export const period = { start: "2026-11-01", end: "2026-11-30" }

export const company = (id: number, identifier: string, name: string, extra: Partial<PsaCompany> = {}) =>
  new PsaCompany({ id, identifier, name, deleted: false, ...extra })

export const product = (id: number, identifier: string, description: string, extra: Partial<PsaProduct> = {}) =>
  new PsaProduct({ id, identifier, description, cost: dec("10"), price: dec("15"), inactive: false, ...extra })

export const agreement = (id: number, companyId: number, extra: Partial<PsaAgreement> = {}) =>
  new PsaAgreement({
    id,
    name: `Agreement ${id}`,
    companyId,
    typeId: 3,
    status: "Active",
    startDate: "2025-01-01",
    currency: "EUR",
    prorate: false,
    ...extra
  })

export const addition = (
  id: number,
  agreementId: number,
  productId: number,
  quantity: string,
  unitCost: string,
  extra: Partial<PsaAddition> = {}
) =>
  new PsaAddition({
    id,
    agreementId,
    productId,
    quantity: dec(quantity),
    unitCost: dec(unitCost),
    unitPrice: dec("20"),
    effectiveDate: "2025-01-01",
    billCustomer: "Billable",
    status: "Active",
    ...extra
  })

export const line = (
  id: string,
  customer: { key: string; code?: string; name?: string; vatNumber?: string },
  productRef: { key: string; code?: string; description?: string },
  quantity: string | number | undefined,
  unitCost: string,
  extra: { currency?: string; unitPrice?: string } = {}
): InvoiceLine =>
  makeInvoiceLine({
    id,
    invoiceId: "INV-1",
    invoiceNumber: "2026-0042",
    period,
    customer: { code: customer.key, name: `Customer ${customer.key}`, ...customer },
    product: { code: productRef.key, description: `Product ${productRef.key}`, ...productRef },
    quantity,
    unitCost,
    unitPrice: extra.unitPrice,
    currency: extra.currency ?? "EUR",
    description: "line"
  })

/** Acme (C100) with agreement 500 carrying BP (product 10) × 5 at 18.70. */
export const baseSnapshot = () =>
  new PsaSnapshot({
    companies: [
      company(1, "C100", "Acme B.V."),
      company(2, "C200", "Globex GmbH"),
      company(3, "X1", "Twin Trading Ltd"),
      company(4, "X2", "Twin Trading Ltd."),
      company(5, "C500", "Initech N.V.", { deleted: true }),
      company(6, "C600", "Umbrella BV", { vatNumber: "NL123456789B01" })
    ],
    products: [
      product(10, "BP", "Microsoft 365 Business Premium"),
      product(11, "EXO", "Exchange Online Plan 1"),
      product(12, "OLD", "Legacy Backup", { inactive: true }),
      product(13, "DEF", "Microsoft Defender for Business")
    ],
    agreements: [agreement(500, 1), agreement(600, 6, { currency: "USD" })],
    additions: [addition(900, 500, 10, "5", "18.70"), addition(901, 500, 11, "2", "4.00")]
  })
