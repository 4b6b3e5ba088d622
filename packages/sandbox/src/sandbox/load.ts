/**
 * Loading a {@link World} into the two simulations: the world's records become their state as they
 * are — same ids, same field names, same values — with decimal strings turned into JSON numbers that
 * keep every digit, and Exact's `/Date(ms)/` strings into dates.
 */

import { RawNumber } from "../connectwise/RawNumber.ts"
import type { ConnectWiseCollection, ConnectWiseSimulation } from "../connectwise/Simulation.ts"
import type { ExactSimulation } from "../exact/ExactSimulation.ts"
import { Dec, type SimRecord, type Value, When } from "../exact/internal/values.ts"
import type { World } from "../world/World.ts"

const decimalText = /^-?\d+(\.\d+)?$/
const exactDate = /^\/Date\((-?\d+)\)\/$/

// The fields the world writes as decimal strings, per Exact entity set. A value that is not a decimal
// (the malformed line's `Quantity: "12 st"`) stays a string, as a broken feed would send it.
const exactDecimals: Readonly<Record<string, ReadonlySet<string>>> = {
  Items: new Set(["CostPriceStandard", "StandardSalesPrice"]),
  VATCodes: new Set(["Percentage"]),
  SalesInvoices: new Set(["AmountFCExclVat", "VATAmountFC", "AmountFC", "AmountDC"]),
  SalesInvoiceLines: new Set([
    "Quantity",
    "UnitPrice",
    "NetPrice",
    "Discount",
    "AmountFC",
    "AmountDC",
    "VATPercentage",
    "VATAmountFC",
    "CostPriceFC"
  ]),
  PurchaseInvoices: new Set(["Amount", "VATAmount"]),
  PurchaseInvoiceLines: new Set(["Quantity", "UnitPrice", "NetPrice", "Amount", "VATPercentage", "VATAmount"])
}

const exactRecord = (set: string, record: object, drop?: string): SimRecord => {
  const decimals = exactDecimals[set]
  const out: SimRecord = {}
  for (const [field, value] of Object.entries(record)) {
    if (field === drop) continue
    if (typeof value === "string") {
      const date = exactDate.exec(value)
      if (date) out[field] = new When(Number(date[1]))
      else if (decimals?.has(field) && decimalText.test(value)) out[field] = new Dec(value)
      else out[field] = value
    } else {
      out[field] = value as Value
    }
  }
  return out
}

/**
 * The Exact Online division a world's records live in, as `createExactSimulation`'s `divisions` option.
 *
 * @since 0.1.0
 */
export const exactDivisionOf = (world: World) => ({
  code: world.exact.division.Code,
  description: world.exact.division.Description,
  currency: world.exact.division.Currency
})

/**
 * Stores every Exact record of `world` in its division of `sim` (which must have that division:
 * create it with `divisions: [exactDivisionOf(world)]`). Sales and purchase invoices are stored with
 * their lines as separate sets, the way Exact keeps them; `$expand` joins them again.
 *
 * @example
 * ```ts
 * const world = createWorld({ seed: 7, customers: 50 })
 * const sim = createExactSimulation({ divisions: [exactDivisionOf(world)] })
 * loadExactWorld(sim, world)
 * ```
 *
 * @since 0.1.0
 */
export const loadExactWorld = (sim: ExactSimulation, world: World): void => {
  const division = world.exact.division.Code
  const put = (set: string, records: ReadonlyArray<object>) => {
    for (const record of records) sim.insert(division, set, exactRecord(set, record))
  }
  put("VATCodes", world.exact.vatCodes)
  put("GLAccounts", world.exact.glAccounts)
  put("Journals", world.exact.journals)
  put("PaymentConditions", world.exact.paymentConditions)
  put("Accounts", world.exact.accounts)
  put("Items", world.exact.items)
  put("Projects", world.exact.projects)
  for (const invoice of world.exact.salesInvoices) {
    sim.insert(division, "SalesInvoices", exactRecord("SalesInvoices", invoice, "SalesInvoiceLines"))
    put("SalesInvoiceLines", invoice.SalesInvoiceLines)
  }
  for (const invoice of world.exact.purchaseInvoices) {
    sim.insert(division, "PurchaseInvoices", exactRecord("PurchaseInvoices", invoice, "PurchaseInvoiceLines"))
    put("PurchaseInvoiceLines", invoice.PurchaseInvoiceLines)
  }
}

// Every money or quantity field of the ConnectWise records the world writes as decimal strings.
const connectWiseDecimals: ReadonlySet<string> = new Set([
  "price",
  "cost",
  "recurringRevenue",
  "recurringCost",
  "billAmount",
  "quantity",
  "lessIncluded",
  "unitCost",
  "unitPrice",
  "levelOneRate",
  "productTotal",
  "serviceTotal",
  "expenseTotal",
  "agreementAmount",
  "subtotal",
  "salesTax",
  "total",
  "payments",
  "credits",
  "balance",
  "extPrice",
  "extCost"
])

const connectWiseRecord = (record: object): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const [field, value] of Object.entries(record)) {
    out[field] =
      typeof value === "string" && connectWiseDecimals.has(field) && decimalText.test(value)
        ? new RawNumber(value)
        : value
  }
  return out
}

/**
 * Stores every ConnectWise record of `world` in `sim` with the world's ids.
 *
 * @example
 * ```ts
 * const sim = new ConnectWiseSimulation()
 * loadConnectWiseWorld(sim, createWorld({ seed: 7 }))
 * ```
 *
 * @since 0.1.0
 */
export const loadConnectWiseWorld = (sim: ConnectWiseSimulation, world: World): void => {
  const cw = world.connectwise
  const put = (collection: ConnectWiseCollection, records: ReadonlyArray<object>) => {
    for (const record of records) sim.store.insert(collection, connectWiseRecord(record))
  }
  put("currencies", cw.currencies)
  put("billingTerms", cw.billingTerms)
  put("billingCycles", cw.billingCycles)
  put("productTypes", cw.productTypes)
  put("subcategories", cw.subcategories)
  put("taxCodes", cw.taxCodes)
  put("companies", cw.companies)
  put("catalogItems", cw.catalogItems)
  put("agreementTypes", cw.agreementTypes)
  put("agreements", cw.agreements)
  put("additions", cw.additions)
  put("invoices", cw.invoices)
  put("productItems", cw.products)
}
