import { Schema } from "effect"
import { Decimal } from "./Decimal.ts"

/**
 * The kinds of change a user approves. `autoApprove` in the settings lists the kinds a link may
 * plan without a per-row approval.
 *
 * @since 0.1.0
 */
export const ChangeKind = Schema.Literals([
  "createProduct",
  "createAgreement",
  "addAddition",
  "updateQuantity",
  "updateUnitCost",
  "updateUnitPrice",
  "cancelAddition"
])

/** @since 0.1.0 */
export type ChangeKind = typeof ChangeKind.Type

/**
 * What a new agreement gets when the grid creates one.
 *
 * @since 0.1.0
 */
export class NewAgreementSettings extends Schema.Class<NewAgreementSettings>("NewAgreementSettings")({
  typeId: Schema.Int,
  /** The name; `{customer}` and `{code}` are replaced by the invoice customer's name and code. */
  name: Schema.optionalKey(Schema.String),
  billingCycleId: Schema.optionalKey(Schema.Int),
  billingTermsId: Schema.optionalKey(Schema.Int),
  prorate: Schema.optionalKey(Schema.Boolean)
}) {}

/**
 * What a new catalog item gets when the grid creates one.
 *
 * @since 0.1.0
 */
export class NewProductSettings extends Schema.Class<NewProductSettings>("NewProductSettings")({
  subcategoryId: Schema.optionalKey(Schema.Int),
  typeId: Schema.optionalKey(Schema.Int),
  productClass: Schema.optionalKey(Schema.Literals(["Agreement", "Bundle", "Inventory", "NonInventory", "Service"])),
  taxable: Schema.optionalKey(Schema.Boolean)
}) {}

/**
 * Flow B: how ConnectWise invoices become Exact Online sales invoices.
 *
 * @since 0.1.0
 */
export class TransferSettings extends Schema.Class<TransferSettings>("TransferSettings")({
  /** The Exact sales journal code, e.g. `"70"`. */
  journal: Schema.String,
  /** ConnectWise tax code identifier → Exact VAT code. An unmapped tax code blocks the invoice. */
  vatCodes: Schema.Record(Schema.String, Schema.String),
  /** ConnectWise billing terms id (as text) → Exact payment condition code. */
  paymentConditions: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
  /** The Exact item for lines without a product (e.g. an agreement amount). */
  defaultItemCode: Schema.optionalKey(Schema.String),
  /** Process (print) each created invoice so payments and reminders apply. Default true. */
  process: Schema.optionalKey(Schema.Boolean),
  /**
   * How an invoice is booked: `entry` (default) a sales entry numbered with the ConnectWise number,
   * the receivable at once and no second document; `invoice` an Exact sales invoice, printed.
   */
  mode: Schema.optionalKey(Schema.Literals(["entry", "invoice"])),
  /**
   * A regular expression with one capture group that takes the entry number from the ConnectWise
   * invoice number (default `^(\d+)$`: numeric numbers only; e.g. `^INV-(\d+)$` for `INV-24018`).
   */
  entryNumberPattern: Schema.optionalKey(Schema.String),
  /** Entry mode: the revenue GL account (code or id) per ConnectWise catalog item id (as text). */
  glAccounts: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
  /** Entry mode: the revenue GL account (code or id) of lines without their own. */
  defaultGlAccount: Schema.optionalKey(Schema.String),
  /** Attach ConnectWise's PDF of the invoice to what is booked. Default true. */
  attachPdf: Schema.optionalKey(Schema.Boolean),
  /** Creating an Exact account for a company with none: `ask` (default, needs approval), `auto` or `never`. */
  createAccounts: Schema.optionalKey(Schema.Literals(["ask", "auto", "never"])),
  /** The range new account codes are taken from (the next free one); default 100000–999999. */
  accountCodes: Schema.optionalKey(Schema.Struct({ from: Schema.Int, to: Schema.Int })),
  /** Exchange rate per foreign currency (to the division's); an invoice in another currency without one is blocked. */
  exchangeRates: Schema.optionalKey(Schema.Record(Schema.String, Decimal)),
  /** Exact's periods are closed up to and including this date: later invoices only are booked. */
  closedThrough: Schema.optionalKey(Schema.String)
}) {}

/**
 * A link's reconciliation and transfer settings; every field is optional and has the default
 * documented beside it. Stored as JSON in `LinkRecord.settings`.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { LinkSettings } from "@psa-ledger/reconcile-core"
 *
 * const settings = Schema.decodeUnknownSync(LinkSettings)({
 *   compare: "both",
 *   tolerance: { EUR: "0.01" },
 *   identifierKeys: ["vatNumber"],
 *   agreementTypeId: 3,
 *   newAgreement: { typeId: 3, name: "{customer} - Cloud" }
 * })
 * ```
 *
 * @since 0.1.0
 */
export class LinkSettings extends Schema.Class<LinkSettings>("LinkSettings")({
  /** Which prices to compare: the addition's unit cost (default), its unit price, or both. */
  compare: Schema.optionalKey(Schema.Literals(["unitCost", "unitPrice", "both"])),
  /** Decimal places per currency (default 2). */
  currencyScales: Schema.optionalKey(Schema.Record(Schema.String, Schema.Int)),
  /** Largest unit-price difference, after rounding to the scale, that is not a deviation (default 0). */
  tolerance: Schema.optionalKey(Schema.Record(Schema.String, Decimal)),
  /**
   * Keys besides the account code (= company `identifier` or `accountNumber`, always certain) that
   * identify a customer exactly: the VAT number (= `taxIdentifier`) and the chamber-of-commerce
   * number. Default `["vatNumber"]`; `[]` turns VAT matching off.
   */
  identifierKeys: Schema.optionalKey(Schema.Array(Schema.Literals(["vatNumber", "cocNumber"]))),
  /**
   * A fuzzy suggestion links by itself (and `decideAll` confirms it) only when its best candidate
   * scores at least this, is the only one that does, leads the runner-up by `autoAcceptMargin`,
   * and is not another invoice customer's certain match. Default 0.92; 1 accepts only names equal
   * after normalisation.
   */
  autoAcceptAbove: Schema.optionalKey(Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 }))),
  /** How far the best suggestion must lead the runner-up to be accepted without a person (default 0.1). */
  autoAcceptMargin: Schema.optionalKey(Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 }))),
  /**
   * Propose cancelling active additions the invoice no longer carries (default true). Only products
   * the source can carry are proposed: see `cancellationWindow` and `neverCancel`.
   */
  proposeCancellations: Schema.optionalKey(Schema.Boolean),
  /**
   * Sales source: an addition is proposed for cancellation only when its product was invoiced to
   * the customer in one of this many months up to the reconciled one (default 3). Purchase and CSV
   * sources: only products the supplier's bills carry (linked on this bill or remembered).
   */
  cancellationWindow: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 24 }))),
  /** Catalog item ids (or identifiers) never proposed for cancellation, e.g. a flat managed-services fee. */
  neverCancel: Schema.optionalKey(Schema.Array(Schema.Union([Schema.Int, Schema.String]))),
  /**
   * How a quantity or cost change is written. `in-place` (default): the addition is patched and the
   * change takes effect immediately (ConnectWise has no effective date on a patch). `cancel-and-add`
   * (for agreements that prorate): the current addition is cancelled the day before the effective
   * date and a new one with the new values starts on it.
   */
  datedChanges: Schema.optionalKey(Schema.Literals(["in-place", "cancel-and-add"])),
  /**
   * Negative (credit) lines: `flag` (default) shows them as invalid and leaves them out of the
   * sum; `net` subtracts them from the product's quantity.
   */
  creditLines: Schema.optionalKey(Schema.Literals(["flag", "net"])),
  /** The default effective date of a change: the period's first day (default), last day, or the day after. */
  effectiveDate: Schema.optionalKey(Schema.Literals(["period-start", "period-end", "day-after-period-end"])),
  /** The agreement type whose single active agreement a customer's lines go to. */
  agreementTypeId: Schema.optionalKey(Schema.Int),
  newAgreement: Schema.optionalKey(NewAgreementSettings),
  newProduct: Schema.optionalKey(NewProductSettings),
  /** Kinds of change planned without a per-row approval (default none: semi-automatic). */
  autoApprove: Schema.optionalKey(Schema.Array(ChangeKind)),
  transfer: Schema.optionalKey(TransferSettings)
}) {}
