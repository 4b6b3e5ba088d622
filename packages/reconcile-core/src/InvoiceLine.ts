import { BigDecimal, Schema } from "effect"
import { Period, parseLocalDate } from "./Calendar.ts"
import { CurrencyCode } from "./CurrencyCode.ts"
import { Decimal, parseDecimal } from "./Decimal.ts"

/**
 * The invoiced customer as the source knows it. `key` is the source's stable id (an Exact
 * account GUID, a CSV customer number); names change, keys do not.
 *
 * @since 0.1.0
 */
export class InvoiceCustomer extends Schema.Class<InvoiceCustomer>("InvoiceCustomer")({
  key: Schema.String,
  code: Schema.String,
  name: Schema.String,
  vatNumber: Schema.optional(Schema.String),
  cocNumber: Schema.optional(Schema.String)
}) {}

/**
 * The invoiced product: `key` is the source's stable id (an Exact item GUID), `code` the item code.
 *
 * @since 0.1.0
 */
export class InvoiceProduct extends Schema.Class<InvoiceProduct>("InvoiceProduct")({
  key: Schema.String,
  code: Schema.String,
  description: Schema.String
}) {}

/**
 * A field of a source line that could not be read; the loader keeps the line and says why, so
 * the grid shows it instead of dropping it.
 *
 * @since 0.1.0
 */
export class LineIssue extends Schema.Class<LineIssue>("LineIssue")({
  field: Schema.String,
  /** The raw value as the source gave it. */
  value: Schema.String,
  message: Schema.String
}) {}

/**
 * One line of a recurring-service invoice (Exact sales or purchase invoice, or a CSV row): per
 * customer and product, a quantity and a unit cost for a period.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { InvoiceLine } from "@psa-ledger/reconcile-core"
 *
 * const line = Schema.decodeUnknownSync(InvoiceLine)({
 *   id: "L1", invoiceId: "INV-1", invoiceNumber: "2026001",
 *   period: { start: "2026-11-01", end: "2026-11-30" },
 *   customer: { key: "acc-1", code: "C100", name: "Acme B.V." },
 *   product: { key: "item-1", code: "M365-BP", description: "Microsoft 365 Business Premium" },
 *   quantity: "12", unitCost: "18.70", currency: "EUR", description: "M365 BP november"
 * })
 * ```
 *
 * @since 0.1.0
 */
export class InvoiceLine extends Schema.Class<InvoiceLine>("InvoiceLine")({
  /** Unique within the load, e.g. the Exact line GUID or `file:row`. */
  id: Schema.String,
  invoiceId: Schema.String,
  invoiceNumber: Schema.String,
  period: Period,
  customer: InvoiceCustomer,
  product: InvoiceProduct,
  quantity: Decimal,
  unitCost: Decimal,
  unitPrice: Schema.optional(Decimal),
  currency: Schema.String,
  description: Schema.String,
  /** The line's amount as the source states it; checked against quantity × price. */
  amount: Schema.optional(Decimal),
  /** The line is on a credit note: its negative quantity is netted, never flagged. */
  credit: Schema.optional(Schema.Boolean),
  /** Fields the loader could not read (their decimal then reads as zero and is not counted). */
  issues: Schema.optional(Schema.Array(LineIssue))
}) {}

/**
 * A line as a loader has it, before checking: text or numbers from an API, a CSV or a form.
 *
 * @since 0.1.0
 */
export interface InvoiceLineInput {
  readonly id: string
  readonly invoiceId: string
  readonly invoiceNumber: string
  readonly period: { readonly start: string; readonly end: string }
  readonly customer: {
    readonly key?: string | undefined
    readonly code?: string | undefined
    readonly name?: string | undefined
    readonly vatNumber?: string | undefined
    readonly cocNumber?: string | undefined
  }
  readonly product: {
    readonly key?: string | undefined
    readonly code?: string | undefined
    readonly description?: string | undefined
  }
  /** Decimal text is read exactly; a JSON number is read through its shortest decimal form. */
  readonly quantity: string | number | BigDecimal.BigDecimal | undefined
  readonly unitCost: string | number | BigDecimal.BigDecimal | undefined
  readonly unitPrice?: string | number | BigDecimal.BigDecimal | undefined
  readonly currency?: string | undefined
  readonly description?: string | undefined
  /** The line's amount as stated by the source (checked against quantity × price). */
  readonly amount?: string | number | BigDecimal.BigDecimal | undefined
  /** The line is on a credit note. */
  readonly credit?: boolean | undefined
}

// No invoice quantity or amount reaches 10^15: beyond that the source sent an overflow (1e400).
const LIMIT = BigDecimal.make(1n, -15)

const readDecimal = (value: unknown): BigDecimal.BigDecimal | undefined => {
  if (value === undefined || value === null) return undefined
  const within = (parsed: BigDecimal.BigDecimal | undefined) =>
    parsed === undefined || BigDecimal.isLessThan(BigDecimal.abs(parsed), LIMIT) ? parsed : undefined
  if (BigDecimal.isBigDecimal(value)) return within(value)
  // A JSON number is already binary; its shortest round-trip text is the closest we can read.
  if (typeof value === "number") return Number.isFinite(value) ? within(parseDecimal(String(value))) : undefined
  return typeof value === "string" ? within(parseDecimal(value)) : undefined
}

const shown = (value: unknown): string =>
  value === undefined || value === null ? "" : BigDecimal.isBigDecimal(value) ? BigDecimal.format(value) : String(value)

/**
 * Turns a loader's raw line into an `InvoiceLine` without ever failing: every field that cannot
 * be read becomes a `LineIssue` on the line (and a zero in its place), so one bad row never
 * stops a run and is never silently lost.
 *
 * @example
 * ```ts
 * import { makeInvoiceLine } from "@psa-ledger/reconcile-core"
 *
 * const line = makeInvoiceLine({
 *   id: "r7", invoiceId: "f.csv", invoiceNumber: "f.csv",
 *   period: { start: "2026-11-01", end: "2026-11-30" },
 *   customer: { key: "C100", code: "C100", name: "Acme" },
 *   product: { key: "BP", code: "BP", description: "M365 BP" },
 *   quantity: "twelve", unitCost: "18.70", currency: "EUR"
 * })
 * line.issues // [{ field: "quantity", value: "twelve", message: "not a decimal number" }]
 * ```
 *
 * @since 0.1.0
 */
export const makeInvoiceLine = (input: InvoiceLineInput): InvoiceLine => {
  const issues: Array<LineIssue> = []
  const text = (field: string, value: string | undefined, required: boolean): string => {
    const trimmed = value?.trim() ?? ""
    if (required && trimmed === "") issues.push(new LineIssue({ field, value: "", message: "missing" }))
    return trimmed
  }
  const decimal = (field: string, value: InvoiceLineInput["quantity"], required: boolean) => {
    const parsed = readDecimal(value)
    if (parsed === undefined && (required || (value !== undefined && value !== null))) {
      issues.push(
        new LineIssue({
          field,
          value: shown(value),
          message: value === undefined || shown(value) === "" ? "missing" : "not a decimal number"
        })
      )
    }
    return parsed
  }
  const date = (field: string, value: string): string => {
    const parsed = parseLocalDate(value.trim())
    if (parsed === undefined) issues.push(new LineIssue({ field, value, message: "not a YYYY-MM-DD date" }))
    return parsed ?? "1970-01-01"
  }
  const start = date("period.start", input.period.start)
  const end = date("period.end", input.period.end)
  if (end < start) issues.push(new LineIssue({ field: "period.end", value: end, message: "before the period start" }))
  const customer = new InvoiceCustomer({
    key: text("customer.key", input.customer.key, true),
    code: text("customer.code", input.customer.code, false),
    name: text("customer.name", input.customer.name, false),
    ...(input.customer.vatNumber?.trim() ? { vatNumber: input.customer.vatNumber.trim() } : {}),
    ...(input.customer.cocNumber?.trim() ? { cocNumber: input.customer.cocNumber.trim() } : {})
  })
  const product = new InvoiceProduct({
    key: text("product.key", input.product.key, true),
    code: text("product.code", input.product.code, false),
    description: text("product.description", input.product.description, false)
  })
  const quantity = decimal("quantity", input.quantity, true)
  const unitCost = decimal("unitCost", input.unitCost, true)
  const unitPrice = decimal("unitPrice", input.unitPrice, false)
  const amount = decimal("amount", input.amount, false)

  const currency = text("currency", input.currency, true).toUpperCase()
  if (currency !== "" && !Schema.is(CurrencyCode)(currency)) {
    issues.push(new LineIssue({ field: "currency", value: currency, message: "not an ISO 4217 currency code" }))
  }
  return new InvoiceLine({
    id: input.id,
    invoiceId: input.invoiceId,
    invoiceNumber: input.invoiceNumber,
    period: new Period({ start, end }),
    customer,
    product,
    quantity: quantity ?? BigDecimal.fromBigInt(0n),
    unitCost: unitCost ?? BigDecimal.fromBigInt(0n),
    ...(unitPrice === undefined ? {} : { unitPrice }),
    currency,
    description: input.description ?? "",
    ...(amount === undefined ? {} : { amount }),
    ...(input.credit === true ? { credit: true } : {}),
    ...(issues.length > 0 ? { issues } : {})
  })
}
