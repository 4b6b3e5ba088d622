import { Schema } from "effect"
import { Decimal } from "./Decimal.ts"
import { PsaAddition } from "./PsaSnapshot.ts"

/**
 * The invoiced quantity (sum of the row's lines) differs from the additions' (sum).
 *
 * @since 0.1.0
 */
export class QuantityDiffers extends Schema.TaggedClass<QuantityDiffers>()("QuantityDiffers", {
  agreementId: Schema.Int,
  productId: Schema.Int,
  invoiced: Decimal,
  current: Decimal,
  /** The active additions of the product, as compared (several are summed). */
  additions: Schema.Array(PsaAddition)
}) {}

/**
 * The invoiced unit cost differs from the addition's beyond the tolerance.
 *
 * @since 0.1.0
 */
export class UnitCostDiffers extends Schema.TaggedClass<UnitCostDiffers>()("UnitCostDiffers", {
  agreementId: Schema.Int,
  productId: Schema.Int,
  invoiced: Decimal,
  current: Decimal,
  /** The additions whose unit cost differs. */
  additions: Schema.Array(PsaAddition)
}) {}

/**
 * The invoiced unit price differs from the addition's (only when the settings compare prices).
 *
 * @since 0.1.0
 */
export class UnitPriceDiffers extends Schema.TaggedClass<UnitPriceDiffers>()("UnitPriceDiffers", {
  agreementId: Schema.Int,
  productId: Schema.Int,
  invoiced: Decimal,
  current: Decimal,
  /** The additions whose unit price differs. */
  additions: Schema.Array(PsaAddition)
}) {}

/**
 * The agreement carries no active addition of the product (or the product or agreement does
 * not exist yet: then its id is absent).
 *
 * @since 0.1.0
 */
export class AdditionMissing extends Schema.TaggedClass<AdditionMissing>()("AdditionMissing", {
  agreementId: Schema.optional(Schema.Int),
  productId: Schema.optional(Schema.Int),
  quantity: Decimal,
  unitCost: Decimal,
  unitPrice: Schema.optional(Decimal)
}) {}

/**
 * An active addition on a linked agreement whose product the invoice no longer carries.
 *
 * @since 0.1.0
 */
export class AdditionNotInvoiced extends Schema.TaggedClass<AdditionNotInvoiced>()("AdditionNotInvoiced", {
  addition: PsaAddition
}) {}

/**
 * The lines' currency differs from the agreement's, or the row's lines disagree among themselves;
 * prices are then not compared.
 *
 * @since 0.1.0
 */
export class CurrencyMismatch extends Schema.TaggedClass<CurrencyMismatch>()("CurrencyMismatch", {
  invoiced: Schema.Array(Schema.String),
  agreementId: Schema.optional(Schema.Int),
  agreement: Schema.optional(Schema.String)
}) {}

/**
 * A line that cannot be reconciled as it is: `field` names what is wrong.
 *
 * @since 0.1.0
 */
export class InvalidLine extends Schema.TaggedClass<InvalidLine>()("InvalidLine", {
  lineId: Schema.String,
  field: Schema.String,
  value: Schema.String,
  message: Schema.String
}) {}

/**
 * The row's lines carry different unit costs (or prices), so no single value can be proposed.
 *
 * @since 0.1.0
 */
export class LinesDisagree extends Schema.TaggedClass<LinesDisagree>()("LinesDisagree", {
  field: Schema.Literals(["unitCost", "unitPrice"]),
  values: Schema.Array(Decimal)
}) {}

/**
 * Two or more active additions of one product on one agreement: which one is right is a person's
 * call, so nothing is changed on them (never one silently set to zero).
 *
 * @since 0.1.0
 */
export class DuplicateAdditions extends Schema.TaggedClass<DuplicateAdditions>()("DuplicateAdditions", {
  agreementId: Schema.Int,
  productId: Schema.Int,
  additionIds: Schema.Array(Schema.Int),
  invoiced: Decimal,
  /** Their quantities' sum. */
  current: Decimal
}) {}

const waiting = {
  /** Why the row cannot be compared yet. */
  reason: Schema.String,
  /** What will be compared once it is linked, in words, e.g. "invoice 12 at 18.70; ConnectWise has no addition". */
  pending: Schema.String,
  /** The row's invoiced quantity (its counted lines). */
  invoiced: Decimal,
  unitCost: Schema.optional(Decimal),
  /** The records to choose from, best first (may be empty: then create or link by hand). */
  candidateIds: Schema.Array(Schema.Int)
}

/**
 * The row's customer is not linked to a ConnectWise company: a person links it.
 *
 * @since 0.1.0
 */
export class NeedsCustomer extends Schema.TaggedClass<NeedsCustomer>()("NeedsCustomer", waiting) {}

/**
 * The row's product is not linked to a catalog item (a suggestion to confirm, or several equal ones).
 *
 * @since 0.1.0
 */
export class NeedsProduct extends Schema.TaggedClass<NeedsProduct>()("NeedsProduct", waiting) {}

/**
 * The company has several agreements and none is certain for the row: a person picks one.
 *
 * @since 0.1.0
 */
export class NeedsAgreement extends Schema.TaggedClass<NeedsAgreement>()("NeedsAgreement", {
  ...waiting,
  companyId: Schema.Int
}) {}

/**
 * A row with an unreadable, duplicate or inconsistent line: it proposes no change until the source
 * is fixed. Each problem is an `InvalidLine` beside it, naming the invoice, line and field.
 *
 * @since 0.1.0
 */
export class Unreadable extends Schema.TaggedClass<Unreadable>()("Unreadable", {
  lineIds: Schema.Array(Schema.String),
  /** The invoices (numbers, else ids) those lines are on. */
  invoices: Schema.Array(Schema.String),
  reason: Schema.String
}) {}

/**
 * What differs between the invoice and ConnectWise for one grid row.
 *
 * @since 0.1.0
 */
export const Deviation = Schema.Union([
  QuantityDiffers,
  UnitCostDiffers,
  UnitPriceDiffers,
  AdditionMissing,
  AdditionNotInvoiced,
  CurrencyMismatch,
  InvalidLine,
  LinesDisagree,
  DuplicateAdditions,
  NeedsCustomer,
  NeedsProduct,
  NeedsAgreement,
  Unreadable
])

/**
 * The deviations that mean a person must act before the row can be planned.
 *
 * @since 0.1.0
 */
export const needsPerson = (deviation: Deviation): boolean =>
  deviation._tag === "NeedsCustomer" ||
  deviation._tag === "NeedsProduct" ||
  deviation._tag === "NeedsAgreement" ||
  deviation._tag === "Unreadable" ||
  deviation._tag === "InvalidLine" ||
  deviation._tag === "DuplicateAdditions" ||
  deviation._tag === "CurrencyMismatch" ||
  deviation._tag === "LinesDisagree"

/** @since 0.1.0 */
export type Deviation = typeof Deviation.Type

/**
 * Something the user should know about a row that is not itself a difference to fix.
 *
 * - `several-additions`: the agreement carries the product on several additions; they were compared as their sum.
 * - `stale-mapping`: a remembered mapping points at a deleted, inactive or vanished record and was ignored.
 * - `credit-netted`: credit lines were subtracted from the quantity (settings `creditLines: "net"`).
 * - `combined-rows`: other rows link to the same agreement and product; they were summed and the
 *   differences are shown (and planned) on the first of them.
 *
 * @since 0.1.0
 */
export class Notice extends Schema.Class<Notice>("Notice")({
  code: Schema.Literals(["several-additions", "stale-mapping", "credit-netted", "combined-rows"]),
  message: Schema.String,
  ids: Schema.optional(Schema.Array(Schema.Int))
}) {}
