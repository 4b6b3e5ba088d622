import { Schema } from "effect"
import { Period } from "./Calendar.ts"
import { Decimal } from "./Decimal.ts"
import { Deviation, Notice, needsPerson } from "./Deviation.ts"
import { type Exclusion, excludedRows } from "./Exclusion.ts"
import { InvoiceCustomer, InvoiceLine, InvoiceProduct } from "./InvoiceLine.ts"
import { Resolution } from "./Resolution.ts"

/**
 * One row of the reconciliation grid: the invoice lines of one (customer, product), how each side
 * links to ConnectWise, and (after `diff`) what differs.
 *
 * `origin: "connectwise"` rows come from `diff`: an active addition the invoice no longer carries.
 * Their `lines` are empty and their `product.key` is empty.
 *
 * @since 0.1.0
 */
export class ReconciliationRow extends Schema.Class<ReconciliationRow>("ReconciliationRow")({
  /** Stable across runs: from the customer and product keys (or the addition id). */
  key: Schema.String,
  origin: Schema.Literals(["invoice", "connectwise"]),
  period: Period,
  customer: InvoiceCustomer,
  product: InvoiceProduct,
  /** The lines' currency; empty when they have none or disagree. */
  currency: Schema.String,
  lines: Schema.Array(InvoiceLine),
  /** The sum of the counted lines' quantities. */
  quantity: Decimal,
  /** The lines' common unit cost; absent when they disagree or none is valid. */
  unitCost: Schema.optional(Decimal),
  unitPrice: Schema.optional(Decimal),
  customerResolution: Resolution,
  productResolution: Resolution,
  agreementResolution: Resolution,
  deviations: Schema.Array(Deviation),
  notices: Schema.Array(Notice)
}) {}

/**
 * How many rows of a grid are in agreement, have changes to approve, or need a person first
 * (an unlinked customer, product or agreement, an unreadable line, duplicate additions…).
 *
 * @since 0.1.0
 */
export class ReconciliationSummary extends Schema.Class<ReconciliationSummary>("ReconciliationSummary")({
  rows: Schema.Int,
  inAgreement: Schema.Int,
  toApprove: Schema.Int,
  needsPerson: Schema.Int,
  /** Rows covered by the link's remembered exclusions (present only when some are): never counted above but in `rows`. */
  excluded: Schema.optionalKey(Schema.Int)
}) {}

/**
 * Counts a grid's rows by what they need: nothing, an approval, or a person. Rows the link's
 * remembered exclusions cover are counted as `excluded` only (never as needing a person).
 *
 * @since 0.1.0
 */
export const summarizeRows = (
  rows: ReadonlyArray<ReconciliationRow>,
  exclusions?: ReadonlyArray<Exclusion>
): ReconciliationSummary => {
  const excludedKeys = excludedRows(rows, exclusions)
  let inAgreement = 0
  let toApprove = 0
  let person = 0
  for (const row of rows) {
    if (excludedKeys.has(row.key)) continue
    if (row.deviations.some(needsPerson)) person++
    else if (row.deviations.length > 0) toApprove++
    else inAgreement++
  }
  return new ReconciliationSummary({
    rows: rows.length,
    inAgreement,
    toApprove,
    needsPerson: person,
    ...(excludedKeys.size === 0 ? {} : { excluded: excludedKeys.size })
  })
}
