import type { ExactClient } from "@psa-ledger/exact-client"
import { odata } from "@psa-ledger/exact-client"
import { type InvoiceLine, makeInvoiceLine } from "@psa-ledger/reconcile-core"
import { Effect } from "effect"
import { withIssues } from "./Csv.ts"
import { type InvoiceMonth, type InvoiceSource, type OnProgress, SalesSourceSettings } from "./InvoiceSource.ts"
import {
  ACCOUNT_FIELDS,
  amount,
  boundsOf,
  customerOf,
  monthsBackFrom,
  monthsOf,
  type Raw,
  reading,
  recordsById,
  text
} from "./internal/exact.ts"
import { type SourceReader, sourceFace } from "./internal/source.ts"

/** Exact's invoice type of a sales credit note. */
const CREDIT_NOTE = 8021

const HEADER_FIELDS = ["InvoiceID", "InvoiceNumber", "InvoiceDate", "OrderedBy", "OrderedByName", "Currency", "Type"]
const LINE_FIELDS = [
  "ID",
  "InvoiceID",
  "LineNumber",
  "Item",
  "ItemCode",
  "ItemDescription",
  "Description",
  "Quantity",
  "NetPrice",
  "AmountFC",
  "Subscription"
]

/**
 * The month's Exact Online sales invoices as an invoice source. The customer is each invoice's
 * `OrderedBy` account (code, name, VAT and chamber-of-commerce number read in bulk, never per
 * line); the unit price is the line's net price, the unit cost the item's cost (or see
 * `SalesSourceSettings.unitCost`).
 *
 * Calls for a month: ⌈invoices/1,000⌉ on `bulk/SalesInvoice/SalesInvoices` with the lines expanded
 * (or ⌈invoices/60⌉ with `read: "regular"`), one for the accounts (or ⌈accounts/1,000⌉ above 25
 * customers), and one for the items' costs.
 *
 * @example
 * ```ts
 * const source = exactSalesSource(exact, new SalesSourceSettings({ kind: "sales", journal: "70", unitCost: "item" }))
 * const lines = await source.lines("2026-11")
 * ```
 *
 * @since 0.1.0
 */
export const exactSalesSource = (
  exact: ExactClient,
  settings: SalesSourceSettings = new SalesSourceSettings({ kind: "sales" }),
  options: { readonly now?: () => number } = {}
): InvoiceSource => sourceFace(exactSalesReader(exact, settings, options))

/** {@link exactSalesSource} as Effects. */
export const exactSalesReader = (
  exact: ExactClient,
  settings: SalesSourceSettings = new SalesSourceSettings({ kind: "sales" }),
  options: { readonly now?: () => number } = {}
): SourceReader => {
  const now = options.now ?? Date.now
  const costFrom = settings.unitCost ?? "item"
  const lineCostField = settings.unitCostField ?? "CostPriceFC"
  const itemCostField = settings.itemCostField ?? "CostPriceStandard"
  const journal = (filter: ReturnType<typeof odata.ge>) =>
    settings.journal === undefined ? filter : filter.and(odata.eq("Journal", settings.journal))
  return {
    kind: "sales",
    // Cheap by design: one bulk call per 1,000 invoices of the look-back window, selecting only
    // InvoiceDate (no lines). A sync/timestamp cache would save even that, but needs state per link;
    // the pulldown is opened rarely enough that a few calls are the simpler honest answer.
    months: Effect.fn("link.reconciliation.salesMonths")(function* () {
      const since = monthsBackFrom(now(), settings.monthsBack ?? 24)
      const invoices = yield* reading("sales", (signal) =>
        exact.listAll<Raw>("salesinvoice/SalesInvoices", {
          bulk: true,
          select: ["InvoiceID", "InvoiceDate"],
          filter: journal(odata.ge("InvoiceDate", since)),
          signal
        })
      )
      return monthsOf(invoices.map((invoice) => invoice.InvoiceDate))
    }),
    lines: Effect.fn("link.reconciliation.salesLines")(function* (
      month: InvoiceMonth,
      lineOptions?: { readonly onProgress?: OnProgress | undefined }
    ) {
      const progress = lineOptions?.onProgress
      const bounds = yield* boundsOf(month)
      const lineFields = costFrom === "line" ? [...LINE_FIELDS, lineCostField] : LINE_FIELDS
      const bulk = (settings.read ?? "bulk") === "bulk"
      progress?.({ phase: "exact invoices", done: 0 })
      const invoices = yield* reading("sales", async (signal) => {
        const read: Array<Raw> = []
        for await (const invoice of exact.paginate<Raw>("salesinvoice/SalesInvoices", {
          bulk,
          filter: journal(odata.ge("InvoiceDate", bounds.from).and(odata.lt("InvoiceDate", bounds.until))),
          select: [...HEADER_FIELDS, ...lineFields.map((field) => `SalesInvoiceLines/${field}`)],
          expand: ["SalesInvoiceLines"],
          signal
        })) {
          read.push(invoice)
          if (read.length % 100 === 0) progress?.({ phase: "exact invoices", done: read.length })
        }
        return read
      })
      progress?.({ phase: "exact invoices", done: invoices.length, total: invoices.length })
      const accountIds = new Set(invoices.flatMap((invoice) => text(invoice.OrderedBy) ?? []))
      progress?.({ phase: "exact accounts", done: 0, total: accountIds.size })
      const accounts = yield* recordsById("sales", exact, "crm/Accounts", accountIds, {
        select: ACCOUNT_FIELDS,
        bulk: true
      })
      progress?.({ phase: "exact accounts", done: accountIds.size, total: accountIds.size })
      const linesOf = (invoice: Raw): Array<Raw> =>
        Array.isArray(invoice.SalesInvoiceLines)
          ? (invoice.SalesInvoiceLines as Array<unknown>).filter((l): l is Raw => l !== null && typeof l === "object")
          : []
      let itemCosts = new Map<string, Raw>()
      if (costFrom === "item") {
        const itemIds = new Set(invoices.flatMap((invoice) => linesOf(invoice).flatMap((l) => text(l.Item) ?? [])))
        progress?.({ phase: "exact items", done: 0, total: itemIds.size })
        itemCosts = yield* recordsById("sales", exact, "logistics/Items", itemIds, {
          select: ["ID", itemCostField],
          bulk: true
        })
        progress?.({ phase: "exact items", done: itemIds.size, total: itemIds.size })
      }
      const result: Array<InvoiceLine> = []
      for (const invoice of invoices) {
        const orderedBy = text(invoice.OrderedBy) ?? ""
        const account = accounts.get(orderedBy.toLowerCase())
        for (const line of linesOf(invoice)) {
          if (
            settings.subscriptionLinesOnly === true &&
            (line.Subscription === null || line.Subscription === undefined)
          )
            continue
          const item = text(line.Item)
          const unitCost =
            costFrom === "netPrice"
              ? amount(line.NetPrice)
              : costFrom === "line"
                ? amount(line[lineCostField])
                : amount(item === undefined ? undefined : itemCosts.get(item.toLowerCase())?.[itemCostField])
          const made = makeInvoiceLine({
            id: text(line.ID) ?? `${text(invoice.InvoiceID)}:${text(line.LineNumber)}`,
            invoiceId: text(invoice.InvoiceID) ?? "",
            invoiceNumber: text(invoice.InvoiceNumber) ?? "",
            period: { start: bounds.start, end: bounds.end },
            customer: customerOf(orderedBy, account, text(invoice.OrderedByName)),
            product: {
              key: item,
              code: text(line.ItemCode)?.trim(),
              description: text(line.ItemDescription) ?? text(line.Description)
            },
            quantity: amount(line.Quantity),
            unitCost,
            unitPrice: amount(line.NetPrice),
            amount: amount(line.AmountFC),
            currency: text(invoice.Currency),
            // A credit note (type 8021) credits what was billed: its negative quantity is netted.
            credit: Number(invoice.Type) === CREDIT_NOTE,
            description: text(line.Description) ?? ""
          })
          const extra =
            orderedBy !== "" && account === undefined
              ? [{ field: "customer", value: orderedBy, message: "the OrderedBy account was not found in Exact" }]
              : []
          result.push(extra.length === 0 ? made : withIssues(made, extra))
        }
      }
      return result
    })
  }
}
