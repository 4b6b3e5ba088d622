import type { InvoiceLine } from "@psa-ledger/reconcile-core"
import { Schema } from "effect"
import { LinkError, LinkInvalidInputError } from "../LinkError.ts"

/**
 * A progress event a host can turn into a progress bar: the phase, how much of it is done, and its
 * total when known.
 *
 * @since 0.1.0
 */
export interface ReconciliationProgress {
  readonly phase: string
  readonly done: number
  readonly total?: number | undefined
}

/** A progress listener. @since 0.1.0 */
export type OnProgress = (event: ReconciliationProgress) => void

/**
 * An invoice month, `YYYY-MM`.
 *
 * @since 0.1.0
 */
export type InvoiceMonth = string

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/

/**
 * The first and last day of a month, and its UTC bounds for date filters.
 *
 * @example
 * ```ts
 * monthBounds("2026-02") // { start: "2026-02-01", end: "2026-02-28", from: 2026-02-01T00:00Z, until: 2026-03-01T00:00Z }
 * ```
 *
 * @since 0.1.0
 */
export const monthBounds = (
  month: InvoiceMonth
): { readonly start: string; readonly end: string; readonly from: Date; readonly until: Date } => {
  const match = MONTH.exec(month)
  if (match === null) {
    throw LinkError.of(
      new LinkInvalidInputError({
        record: "month",
        field: "month",
        message: `${JSON.stringify(month)} is not a YYYY-MM month`
      })
    )
  }
  const year = Number(match[1])
  const index = Number(match[2]) - 1
  const from = new Date(Date.UTC(year, index, 1))
  const until = new Date(Date.UTC(year, index + 1, 1))
  const last = new Date(until.getTime() - 86_400_000)
  return { start: from.toISOString().slice(0, 10), end: last.toISOString().slice(0, 10), from, until }
}

/**
 * The `YYYY-MM` of a date (UTC).
 *
 * @since 0.1.0
 */
export const monthOf = (date: Date): InvoiceMonth => date.toISOString().slice(0, 7)

/**
 * Where a link's monthly invoice lines come from: the port every source implements.
 *
 * A source never drops a line it cannot read and never throws on one: such a line becomes an
 * `InvoiceLine` with `issues`, so the grid shows it. It rejects (with a `LinkError`) only
 * when the source as a whole cannot be read. The link passes a `signal` that fires when its run is
 * interrupted; a source that reads over the network should abort its requests then.
 *
 * @example
 * ```ts
 * const source = exactSalesSource(exact, { journal: "70" })
 * const [latest] = await source.months()
 * const lines = await source.lines(latest!, { onProgress: (p) => console.log(p.phase, p.done, p.total) })
 * ```
 *
 * @since 0.1.0
 */
export interface InvoiceSource {
  /** `sales`, `purchase` or `csv`. */
  readonly kind: string
  /** The months with invoices, newest first (the pulldown). Aborting `signal` aborts the reads in flight. */
  months(options?: { readonly signal?: AbortSignal | undefined }): Promise<ReadonlyArray<InvoiceMonth>>
  /** The month's invoice lines. Aborting `signal` aborts the reads in flight. */
  lines(
    month: InvoiceMonth,
    options?: { readonly onProgress?: OnProgress | undefined; readonly signal?: AbortSignal | undefined }
  ): Promise<Array<InvoiceLine>>
}

/**
 * Exact Online sales invoices as the source: the customer is each invoice's `OrderedBy` account.
 *
 * @since 0.1.0
 */
export class SalesSourceSettings extends Schema.Class<SalesSourceSettings>("SalesSourceSettings")({
  kind: Schema.Literal("sales"),
  /** Only invoices of this journal code (e.g. `"70"`). */
  journal: Schema.optionalKey(Schema.String),
  /** Only lines that belong to an Exact subscription (recurring billing). Default false. */
  subscriptionLinesOnly: Schema.optionalKey(Schema.Boolean),
  /**
   * Where a line's unit cost comes from: the item's standard cost (`item`, default), a field of the
   * line (`line`, see `unitCostField`), or the line's net price (`netPrice`, for links that compare prices).
   */
  unitCost: Schema.optionalKey(Schema.Literals(["item", "line", "netPrice"])),
  /** The line field with the unit cost when `unitCost` is `line` (default `CostPriceFC`). */
  unitCostField: Schema.optionalKey(Schema.String),
  /** The item field with the cost when `unitCost` is `item` (default `CostPriceStandard`). */
  itemCostField: Schema.optionalKey(Schema.String),
  /** How far back `months()` looks (default 24 months). */
  monthsBack: Schema.optionalKey(Schema.Int),
  /**
   * `bulk` (default) reads the month's invoices on the 1,000-row bulk endpoint with their lines
   * expanded; `regular` uses `salesinvoice/SalesInvoices?$expand=SalesInvoiceLines` (60 invoices a page).
   */
  read: Schema.optionalKey(Schema.Literals(["bulk", "regular"]))
}) {}

/**
 * Which attribute of a purchase-invoice line names the end customer.
 *
 * @since 0.1.0
 */
export const PurchaseCustomerAttribute = Schema.Union([
  Schema.Struct({ by: Schema.Literal("project") }),
  Schema.Struct({ by: Schema.Literals(["costCenter", "costUnit"]) }),
  Schema.Struct({
    by: Schema.Literal("description"),
    /** A regular expression; the group named `customer` (or the first group) is the customer's code or name. */
    pattern: Schema.String
  })
])

/** @since 0.1.0 */
export type PurchaseCustomerAttribute = typeof PurchaseCustomerAttribute.Type

/**
 * Exact Online purchase invoices of one supplier (the distributor's monthly bill) as the source,
 * compared on unit cost.
 *
 * @since 0.1.0
 */
export class PurchaseSourceSettings extends Schema.Class<PurchaseSourceSettings>("PurchaseSourceSettings")({
  kind: Schema.Literal("purchase"),
  /** The supplier's Exact account ID (GUID). */
  supplier: Schema.String,
  /**
   * Where a line names its end customer; a list is tried in order, the first attribute that names a
   * customer wins (a distributor's bill often carries a project on some lines and the name in the
   * description on the rest).
   */
  customer: Schema.Union([PurchaseCustomerAttribute, Schema.Array(PurchaseCustomerAttribute)]),
  monthsBack: Schema.optionalKey(Schema.Int)
}) {}

/**
 * Which CSV column holds each field (by header name, or by 0-based index).
 *
 * @since 0.1.0
 */
export const CsvColumns = Schema.Struct({
  customerKey: Schema.Union([Schema.String, Schema.Int]),
  customerCode: Schema.optionalKey(Schema.Union([Schema.String, Schema.Int])),
  customerName: Schema.optionalKey(Schema.Union([Schema.String, Schema.Int])),
  vatNumber: Schema.optionalKey(Schema.Union([Schema.String, Schema.Int])),
  productKey: Schema.Union([Schema.String, Schema.Int]),
  productCode: Schema.optionalKey(Schema.Union([Schema.String, Schema.Int])),
  productDescription: Schema.optionalKey(Schema.Union([Schema.String, Schema.Int])),
  quantity: Schema.Union([Schema.String, Schema.Int]),
  unitCost: Schema.Union([Schema.String, Schema.Int]),
  unitPrice: Schema.optionalKey(Schema.Union([Schema.String, Schema.Int])),
  currency: Schema.optionalKey(Schema.Union([Schema.String, Schema.Int])),
  /** A date (`YYYY-MM-DD`, `DD-MM-YYYY`, `DD/MM/YYYY`) or a month (`YYYY-MM`) per row. */
  month: Schema.optionalKey(Schema.Union([Schema.String, Schema.Int])),
  invoiceNumber: Schema.optionalKey(Schema.Union([Schema.String, Schema.Int])),
  description: Schema.optionalKey(Schema.Union([Schema.String, Schema.Int]))
})

/** @since 0.1.0 */
export type CsvColumns = typeof CsvColumns.Type

/**
 * A CSV or spreadsheet export as the source.
 *
 * @since 0.1.0
 */
export class CsvSourceSettings extends Schema.Class<CsvSourceSettings>("CsvSourceSettings")({
  kind: Schema.Literal("csv"),
  columns: CsvColumns,
  /** `,` `;` or tab; default: guessed from the header line. */
  delimiter: Schema.optionalKey(Schema.Literals([",", ";", "\t"])),
  /** Decimal comma (`1.234,56`); default: true when the delimiter is `;`. */
  decimalComma: Schema.optionalKey(Schema.Boolean),
  /** Whether the first row names the columns (default true). */
  header: Schema.optionalKey(Schema.Boolean),
  /** The currency of rows without a currency column. */
  currency: Schema.optionalKey(Schema.String),
  /** The month of every row when the file has no month column. */
  month: Schema.optionalKey(Schema.String),
  /** The encoding of a file handed in as bytes without a byte-order mark (default `utf-8`), e.g. `windows-1252`. */
  encoding: Schema.optionalKey(Schema.Literals(["utf-8", "windows-1252", "iso-8859-1", "utf-16le", "utf-16be"]))
}) {}

/**
 * A link's invoice source, stored with its settings.
 *
 * @since 0.1.0
 */
export const InvoiceSourceSettings = Schema.Union([SalesSourceSettings, PurchaseSourceSettings, CsvSourceSettings])

/** @since 0.1.0 */
export type InvoiceSourceSettings = typeof InvoiceSourceSettings.Type
