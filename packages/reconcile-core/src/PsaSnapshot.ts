import { Schema } from "effect"
import { LocalDate } from "./Calendar.ts"
import { Decimal } from "./Decimal.ts"

/**
 * A ConnectWise company. A `deleted` company is kept so a stale mapping can be recognised, but
 * it is never a target.
 *
 * @since 0.1.0
 */
export class PsaCompany extends Schema.Class<PsaCompany>("PsaCompany")({
  id: Schema.Int,
  identifier: Schema.String,
  name: Schema.String,
  /** Where MSPs keep the accounting system's customer number; certain like the identifier. */
  accountNumber: Schema.optional(Schema.String),
  /** ConnectWise `taxIdentifier`. */
  vatNumber: Schema.optional(Schema.String),
  cocNumber: Schema.optional(Schema.String),
  deleted: Schema.Boolean
}) {}

/**
 * A ConnectWise catalog item (procurement/catalog). An `inactive` product is never a target.
 *
 * @since 0.1.0
 */
export class PsaProduct extends Schema.Class<PsaProduct>("PsaProduct")({
  id: Schema.Int,
  identifier: Schema.String,
  description: Schema.String,
  cost: Decimal,
  price: Decimal,
  inactive: Schema.Boolean
}) {}

/**
 * ConnectWise's agreement status (also carried by additions).
 *
 * @since 0.1.0
 */
export const AgreementStatus = Schema.Literals(["Active", "Cancelled", "Expired", "Inactive"])

/** @since 0.1.0 */
export type AgreementStatus = typeof AgreementStatus.Type

/**
 * A ConnectWise agreement.
 *
 * @since 0.1.0
 */
export class PsaAgreement extends Schema.Class<PsaAgreement>("PsaAgreement")({
  id: Schema.Int,
  name: Schema.String,
  companyId: Schema.Int,
  typeId: Schema.Int,
  status: AgreementStatus,
  startDate: Schema.optional(LocalDate),
  endDate: Schema.optional(LocalDate),
  currency: Schema.optional(Schema.String),
  prorate: Schema.Boolean,
  /**
   * A block of prepaid hours or incidents (a "strippenkaart"): where time is booked, not where
   * recurring additions go, so it is never picked for them by itself.
   */
  prepaid: Schema.optional(Schema.Boolean)
}) {}

/**
 * Whether ConnectWise bills an addition to the customer.
 *
 * @since 0.1.0
 */
export const BillCustomer = Schema.Literals(["Billable", "DoNotBill", "NoCharge"])

/** @since 0.1.0 */
export type BillCustomer = typeof BillCustomer.Type

/**
 * An agreement addition: a product on an agreement with a quantity, a unit cost and a unit price,
 * from `effectiveDate` until `cancelledDate`.
 *
 * @since 0.1.0
 */
export class PsaAddition extends Schema.Class<PsaAddition>("PsaAddition")({
  id: Schema.Int,
  agreementId: Schema.Int,
  productId: Schema.Int,
  quantity: Decimal,
  unitCost: Decimal,
  unitPrice: Decimal,
  effectiveDate: Schema.optional(LocalDate),
  cancelledDate: Schema.optional(LocalDate),
  billCustomer: BillCustomer,
  status: AgreementStatus
}) {}

/**
 * A ConnectWise record that could not be read (it does not match the API's document): the rows it
 * would be compared with say so instead of the whole month failing.
 *
 * @since 0.1.0
 */
export class UnreadableRecord extends Schema.Class<UnreadableRecord>("UnreadableRecord")({
  /** What could not be read, e.g. `"additions of agreement 3001"`. */
  what: Schema.String,
  /** The agreement whose additions are unknown because of it. */
  agreementId: Schema.Int,
  recordId: Schema.optional(Schema.Union([Schema.Int, Schema.String])),
  field: Schema.optional(Schema.String),
  message: Schema.String
}) {}

/**
 * What the reconciliation needs of one ConnectWise site, loaded once per run.
 *
 * @since 0.1.0
 */
export class PsaSnapshot extends Schema.Class<PsaSnapshot>("PsaSnapshot")({
  companies: Schema.Array(PsaCompany),
  products: Schema.Array(PsaProduct),
  agreements: Schema.Array(PsaAgreement),
  additions: Schema.Array(PsaAddition),
  /** Records that could not be read; their agreements' rows are not compared. */
  unreadable: Schema.optional(Schema.Array(UnreadableRecord))
}) {}

/**
 * Whether an agreement is in force during a period: `Active` and its dates overlap the period.
 *
 * @since 0.1.0
 */
export const isAgreementActive = (agreement: PsaAgreement, period: { readonly start: string; readonly end: string }) =>
  agreement.status === "Active" &&
  (agreement.startDate === undefined || agreement.startDate <= period.end) &&
  (agreement.endDate === undefined || agreement.endDate >= period.start)

/**
 * Whether an addition bills during a period: `Active`, effective by the period's end and not
 * cancelled on or before its start.
 *
 * @since 0.1.0
 */
export const isAdditionActive = (addition: PsaAddition, period: { readonly start: string; readonly end: string }) =>
  addition.status === "Active" &&
  (addition.effectiveDate === undefined || addition.effectiveDate <= period.end) &&
  (addition.cancelledDate === undefined || addition.cancelledDate > period.start)
