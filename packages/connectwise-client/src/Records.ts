/**
 * Schemas for the ConnectWise records psa-ledger consumes, validated at the boundary. They are
 * lenient where ConnectWise is (most fields optional, unknown fields dropped) and strict where a
 * wrong value would mislead (ids are integers, money is an exact decimal).
 */
import { BigDecimal, Schema, SchemaGetter } from "effect"

const DECIMAL_TEXT = /^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$/

/**
 * An exact decimal. The client reads ConnectWise's JSON numbers from their text (see README), so
 * `12.345678901234567890` arrives as that string and decodes without rounding; a plain JS number
 * (from callers' own data) is accepted through its shortest round-trip text.
 *
 * @since 0.1.0
 */
export const ConnectWiseDecimal = Schema.Union([
  Schema.String.check(Schema.isPattern(DECIMAL_TEXT, { expected: "a decimal number" })),
  Schema.Finite
]).pipe(
  Schema.decodeTo(Schema.BigDecimal, {
    decode: SchemaGetter.transform((input: string | number) => BigDecimal.fromStringUnsafe(String(input))),
    encode: SchemaGetter.transform((value: BigDecimal.BigDecimal) => BigDecimal.format(value))
  })
)

const opt = <S extends Schema.Top>(schema: S) => Schema.optionalKey(Schema.NullOr(schema))

/**
 * A reference to another record: `{id, identifier?, name?}`.
 *
 * @since 0.1.0
 */
export const Reference = Schema.Struct({
  id: Schema.Int,
  identifier: opt(Schema.String),
  name: opt(Schema.String)
})
/**
 * A reference to another record.
 *
 * @since 0.1.0
 */
export type Reference = typeof Reference.Type

/**
 * A currency reference.
 *
 * @since 0.1.0
 */
export const CurrencyReference = Schema.Struct({
  id: opt(Schema.Int),
  currencyCode: opt(Schema.String),
  symbol: opt(Schema.String),
  name: opt(Schema.String)
})
/**
 * A currency reference.
 *
 * @since 0.1.0
 */
export type CurrencyReference = typeof CurrencyReference.Type

/**
 * An invoice reference as product lines and time entries carry it.
 *
 * @since 0.1.0
 */
export const InvoiceReference = Schema.Struct({
  id: Schema.Int,
  identifier: opt(Schema.String),
  billingType: opt(Schema.String),
  applyToType: opt(Schema.String)
})
/**
 * An invoice reference.
 *
 * @since 0.1.0
 */
export type InvoiceReference = typeof InvoiceReference.Type

const Billing = Schema.Literals(["Billable", "DoNotBill", "NoCharge"])
const AgreementStatus = Schema.Literals(["Active", "Cancelled", "Expired", "Inactive"])
const Info = opt(Schema.Record(Schema.String, Schema.Unknown))

/**
 * A ConnectWise company (customer).
 *
 * @since 0.1.0
 */
export const Company = Schema.Struct({
  id: Schema.Int,
  identifier: Schema.String,
  name: Schema.String,
  status: opt(Reference),
  accountNumber: opt(Schema.String),
  taxIdentifier: opt(Schema.String),
  invoiceToEmailAddress: opt(Schema.String),
  billingTerms: opt(Reference),
  taxCode: opt(Reference),
  billToCompany: opt(Reference),
  currency: opt(CurrencyReference),
  /** The company's default contact: a new agreement's contact when the caller names none. */
  defaultContact: opt(Reference),
  billingContact: opt(Reference),
  deletedFlag: opt(Schema.Boolean),
  _info: Info
})
/**
 * A ConnectWise company.
 *
 * @since 0.1.0
 */
export type Company = typeof Company.Type

/**
 * A ConnectWise agreement (contract) of a company.
 *
 * @since 0.1.0
 */
export const Agreement = Schema.Struct({
  id: Schema.Int,
  name: Schema.String,
  type: Reference,
  company: Reference,
  contact: opt(Reference),
  parentAgreement: opt(Reference),
  startDate: opt(Schema.String),
  endDate: opt(Schema.String),
  noEndingDateFlag: opt(Schema.Boolean),
  cancelledFlag: opt(Schema.Boolean),
  dateCancelled: opt(Schema.String),
  agreementStatus: opt(AgreementStatus),
  billingCycle: opt(Reference),
  billingTerms: opt(Reference),
  billAmount: opt(ConnectWiseDecimal),
  /** What the agreement's prepaid block counts: `Amount`, or a block of `Hours` / `Incidents`. */
  applicationUnits: opt(Schema.String),
  taxCode: opt(Reference),
  currency: opt(CurrencyReference),
  customerPO: opt(Schema.String),
  _info: Info
})
/**
 * A ConnectWise agreement.
 *
 * @since 0.1.0
 */
export type Agreement = typeof Agreement.Type

/**
 * A recurring product on an agreement: the line psa-ledger reconciles against.
 *
 * @since 0.1.0
 */
export const Addition = Schema.Struct({
  id: Schema.Int,
  agreementId: opt(Schema.Int),
  product: Reference,
  description: opt(Schema.String),
  invoiceDescription: opt(Schema.String),
  quantity: opt(ConnectWiseDecimal),
  lessIncluded: opt(ConnectWiseDecimal),
  unitPrice: opt(ConnectWiseDecimal),
  unitCost: opt(ConnectWiseDecimal),
  billCustomer: Billing,
  effectiveDate: opt(Schema.String),
  cancelledDate: opt(Schema.String),
  agreementStatus: opt(AgreementStatus),
  taxableFlag: opt(Schema.Boolean),
  uom: opt(Schema.String),
  _info: Info
})
/**
 * An agreement addition.
 *
 * @since 0.1.0
 */
export type Addition = typeof Addition.Type

/**
 * A product in the procurement catalog.
 *
 * @since 0.1.0
 */
export const CatalogItem = Schema.Struct({
  id: Schema.Int,
  identifier: Schema.String,
  description: Schema.String,
  customerDescription: opt(Schema.String),
  inactiveFlag: opt(Schema.Boolean),
  productClass: opt(Schema.Literals(["Agreement", "Bundle", "Inventory", "NonInventory", "Service"])),
  subcategory: opt(Reference),
  type: opt(Reference),
  unitOfMeasure: opt(Reference),
  price: opt(ConnectWiseDecimal),
  cost: opt(ConnectWiseDecimal),
  taxableFlag: opt(Schema.Boolean),
  recurringFlag: opt(Schema.Boolean),
  recurringRevenue: opt(ConnectWiseDecimal),
  recurringCost: opt(ConnectWiseDecimal),
  integrationXRef: opt(Schema.String),
  _info: Info
})
/**
 * A catalog item.
 *
 * @since 0.1.0
 */
export type CatalogItem = typeof CatalogItem.Type

/**
 * An invoice header (its lines are {@link InvoiceProductLine}s and time entries).
 *
 * @since 0.1.0
 */
export const Invoice = Schema.Struct({
  id: Schema.Int,
  invoiceNumber: Schema.String,
  type: Schema.Literals([
    "Agreement",
    "CreditMemo",
    "DownPayment",
    "Miscellaneous",
    "Progress",
    "Standard",
    "Consolidated"
  ]),
  company: Reference,
  billToCompany: opt(Reference),
  status: opt(Reference),
  applyToType: opt(Schema.String),
  applyToId: opt(Schema.Int),
  agreement: opt(Reference),
  date: opt(Schema.String),
  dueDate: opt(Schema.String),
  billingTerms: opt(Reference),
  taxCode: opt(Reference),
  currency: opt(CurrencyReference),
  reference: opt(Schema.String),
  customerPO: opt(Schema.String),
  serviceTotal: opt(ConnectWiseDecimal),
  productTotal: opt(ConnectWiseDecimal),
  agreementAmount: opt(ConnectWiseDecimal),
  subtotal: opt(ConnectWiseDecimal),
  salesTax: opt(ConnectWiseDecimal),
  total: opt(ConnectWiseDecimal),
  payments: opt(ConnectWiseDecimal),
  credits: opt(ConnectWiseDecimal),
  balance: opt(ConnectWiseDecimal),
  _info: Info
})
/**
 * An invoice header.
 *
 * @since 0.1.0
 */
export type Invoice = typeof Invoice.Type

/**
 * A product line of an invoice (`/procurement/products` with `invoice/id = N`).
 *
 * @since 0.1.0
 */
export const InvoiceProductLine = Schema.Struct({
  id: Schema.Int,
  catalogItem: Reference,
  description: opt(Schema.String),
  customerDescription: opt(Schema.String),
  quantity: opt(ConnectWiseDecimal),
  price: opt(ConnectWiseDecimal),
  cost: opt(ConnectWiseDecimal),
  extPrice: opt(ConnectWiseDecimal),
  discount: opt(ConnectWiseDecimal),
  billableOption: Billing,
  agreement: opt(Reference),
  company: opt(Reference),
  invoice: opt(InvoiceReference),
  taxableFlag: opt(Schema.Boolean),
  taxCode: opt(Reference),
  cancelledFlag: opt(Schema.Boolean),
  _info: Info
})
/**
 * An invoice product line.
 *
 * @since 0.1.0
 */
export type InvoiceProductLine = typeof InvoiceProductLine.Type

/**
 * Which Schema validates the records of which path (list and single-record forms).
 *
 * @since 0.1.0
 */
export const recordSchemas = {
  "/company/companies": Company,
  "/company/companies/{id}": Company,
  "/finance/agreements": Agreement,
  "/finance/agreements/{id}": Agreement,
  "/finance/agreements/{parentId}/additions": Addition,
  "/finance/agreements/{parentId}/additions/{id}": Addition,
  "/procurement/catalog": CatalogItem,
  "/procurement/catalog/{id}": CatalogItem,
  "/finance/invoices": Invoice,
  "/finance/invoices/{id}": Invoice,
  "/procurement/products": InvoiceProductLine
} as const
/**
 * The paths whose records are Schema-validated.
 *
 * @since 0.1.0
 */
export type RecordPath = keyof typeof recordSchemas
