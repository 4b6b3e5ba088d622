import { Schema } from "effect"
import { Period } from "./Calendar.ts"
import { Decimal } from "./Decimal.ts"
import { Deviation, Notice } from "./Deviation.ts"
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
export class GridRow extends Schema.Class<GridRow>("GridRow")({
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
