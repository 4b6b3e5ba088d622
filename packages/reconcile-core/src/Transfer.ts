import { Schema } from "effect"
import { LocalDate } from "./Calendar.ts"
import { Created } from "./ChangePlan.ts"
import { Decimal } from "./Decimal.ts"
import { PsaCompany, PsaProduct } from "./PsaSnapshot.ts"

/**
 * One line of a ConnectWise invoice, as flow B needs it.
 *
 * @since 0.1.0
 */
export class TransferInvoiceLine extends Schema.Class<TransferInvoiceLine>("TransferInvoiceLine")({
  id: Schema.String,
  /** The catalog item; absent for lines without a product (e.g. an agreement amount). */
  productId: Schema.optional(Schema.Int),
  description: Schema.String,
  quantity: Decimal,
  /** The net unit price, excluding VAT. */
  unitPrice: Decimal,
  /** The ConnectWise tax code identifier of the line; the invoice's when absent. */
  taxCode: Schema.optional(Schema.String),
  /** Whether ConnectWise taxed the line (its `taxableFlag`); taxed when absent. */
  taxable: Schema.optional(Schema.Boolean)
}) {}

/**
 * A ConnectWise invoice with its lines.
 *
 * @since 0.1.0
 */
export class TransferInvoice extends Schema.Class<TransferInvoice>("TransferInvoice")({
  id: Schema.Int,
  number: Schema.String,
  /** ConnectWise's invoice type: `Standard`, `Agreement`, `CreditMemo`, … */
  type: Schema.String,
  companyId: Schema.Int,
  date: LocalDate,
  dueDate: Schema.optional(LocalDate),
  billingTermsId: Schema.optional(Schema.Int),
  currency: Schema.String,
  taxCode: Schema.optional(Schema.String),
  description: Schema.optional(Schema.String),
  lines: Schema.Array(TransferInvoiceLine),
  /** ConnectWise's subtotal (net), sales tax and total, as invoiced: what Exact must book. */
  subtotal: Schema.optional(Decimal),
  tax: Schema.optional(Decimal),
  total: Schema.optional(Decimal),
  /** The customer's purchase-order number, carried into the entry's description. */
  customerPO: Schema.optional(Schema.String),
  /** ConnectWise's billing status name (e.g. `Sent`, `Void`). */
  status: Schema.optional(Schema.String)
}) {}

/**
 * ConnectWise billing terms: the days until an invoice is due.
 *
 * @since 0.1.0
 */
export class PsaBillingTerms extends Schema.Class<PsaBillingTerms>("PsaBillingTerms")({
  id: Schema.Int,
  name: Schema.String,
  dueDays: Schema.Int
}) {}

/**
 * An Exact Online account (crm/Accounts). `code` as Exact gives it (space padded is fine).
 *
 * @since 0.1.0
 */
export class ExactAccount extends Schema.Class<ExactAccount>("ExactAccount")({
  id: Schema.String,
  code: Schema.String,
  name: Schema.String,
  vatNumber: Schema.optional(Schema.String),
  cocNumber: Schema.optional(Schema.String)
}) {}

/**
 * What flow B needs of a ConnectWise company beyond `PsaCompany`: the accounting number MSPs keep
 * in `accountNumber`, and what a new Exact account gets (invoice e-mail, address).
 *
 * @since 0.1.0
 */
export class TransferCompany extends Schema.Class<TransferCompany>("TransferCompany")({
  id: Schema.Int,
  accountNumber: Schema.optional(Schema.String),
  email: Schema.optional(Schema.String),
  addressLine1: Schema.optional(Schema.String),
  city: Schema.optional(Schema.String),
  postcode: Schema.optional(Schema.String),
  country: Schema.optional(Schema.String)
}) {}

/**
 * An Exact Online GL account (financial/GLAccounts), the revenue account of an entry line.
 *
 * @since 0.1.0
 */
export class ExactGLAccount extends Schema.Class<ExactGLAccount>("ExactGLAccount")({
  id: Schema.String,
  code: Schema.String
}) {}

/**
 * An Exact sales entry as its receivables show it: the journal and number it holds (taken
 * numbers), `YourRef`, and the amount Exact booked.
 *
 * @since 0.1.0
 */
export class ExactSalesEntryRef extends Schema.Class<ExactSalesEntryRef>("ExactSalesEntryRef")({
  entryId: Schema.String,
  journal: Schema.String,
  entryNumber: Schema.Int,
  yourRef: Schema.optional(Schema.String),
  amount: Schema.optional(Decimal)
}) {}

/**
 * An Exact Online item (logistics/Items).
 *
 * @since 0.1.0
 */
export class ExactItem extends Schema.Class<ExactItem>("ExactItem")({
  id: Schema.String,
  code: Schema.String,
  description: Schema.String,
  /** The item's revenue GL account (its id), the default GL account of its entry lines. */
  glRevenue: Schema.optional(Schema.String)
}) {}

/**
 * An Exact Online VAT code (vat/VATCodes).
 *
 * @since 0.1.0
 */
export class ExactVatCode extends Schema.Class<ExactVatCode>("ExactVatCode")({
  code: Schema.String,
  percentage: Schema.optional(Decimal),
  blocked: Schema.Boolean
}) {}

/**
 * An Exact Online payment condition.
 *
 * @since 0.1.0
 */
export class ExactPaymentCondition extends Schema.Class<ExactPaymentCondition>("ExactPaymentCondition")({
  code: Schema.String,
  days: Schema.Int
}) {}

/**
 * An Exact Online sales invoice found by `YourRef`: evidence of an earlier transfer whose ledger
 * record was lost (a crash between the POST and the record).
 *
 * @since 0.1.0
 */
export class ExactSalesInvoiceRef extends Schema.Class<ExactSalesInvoiceRef>("ExactSalesInvoiceRef")({
  id: Schema.String,
  yourRef: Schema.String,
  invoiceNumber: Schema.optional(Schema.String),
  /** Exact's status: 20 open (not processed), 50 processed. */
  status: Schema.Int
}) {}

/**
 * Everything flow B reads besides the invoices, loaded in bulk once per run.
 *
 * @since 0.1.0
 */
export class TransferSnapshot extends Schema.Class<TransferSnapshot>("TransferSnapshot")({
  linkId: Schema.String,
  companies: Schema.Array(PsaCompany),
  products: Schema.Array(PsaProduct),
  billingTerms: Schema.Array(PsaBillingTerms),
  accounts: Schema.Array(ExactAccount),
  items: Schema.Array(ExactItem),
  vatCodes: Schema.Array(ExactVatCode),
  paymentConditions: Schema.Array(ExactPaymentCondition),
  /** Exact sales invoices whose `YourRef` is one of the invoices' numbers. */
  salesInvoices: Schema.Array(ExactSalesInvoiceRef),
  /** The division's journal codes; when given, the settings' journal must be one of them. */
  journals: Schema.optional(Schema.Array(Schema.String)),
  /** GL accounts the lines may book to (entry mode). */
  glAccounts: Schema.optional(Schema.Array(ExactGLAccount)),
  /** Sales entries already in the settings' journal with the numbers involved (entry mode). */
  salesEntries: Schema.optional(Schema.Array(ExactSalesEntryRef)),
  /** The division's currency; an invoice in another needs a rate in the settings. */
  divisionCurrency: Schema.optional(Schema.String),
  /** ConnectWise company details by id (account number, contact data). */
  companyDetails: Schema.optional(Schema.Array(TransferCompany))
}) {}

/**
 * An Exact account that exists.
 *
 * @since 0.1.0
 */
export class ExistingAccount extends Schema.TaggedClass<ExistingAccount>()("ExistingAccount", {
  id: Schema.String
}) {}

/**
 * Create an Exact account for a ConnectWise company.
 *
 * @since 0.1.0
 */
export class CreateAccount extends Schema.TaggedClass<CreateAccount>()("CreateAccount", {
  idempotencyKey: Schema.String,
  dependsOn: Schema.Array(Schema.String),
  connectwiseCompanyId: Schema.Int,
  code: Schema.String,
  name: Schema.String,
  vatNumber: Schema.optional(Schema.String),
  cocNumber: Schema.optional(Schema.String),
  paymentCondition: Schema.optional(Schema.String),
  email: Schema.optional(Schema.String),
  addressLine1: Schema.optional(Schema.String),
  city: Schema.optional(Schema.String),
  postcode: Schema.optional(Schema.String),
  country: Schema.optional(Schema.String),
  /** Whether the settings allow creating it without a person's approval (`createAccounts: "auto"`). */
  approved: Schema.optional(Schema.Boolean),
  /** Existing Exact accounts whose name resembles the company's, for the person deciding. */
  suggestions: Schema.optional(Schema.Array(Schema.String))
}) {}

/**
 * One line of an Exact sales invoice.
 *
 * @since 0.1.0
 */
export class SalesInvoiceLine extends Schema.Class<SalesInvoiceLine>("SalesInvoiceLine")({
  itemId: Schema.String,
  itemCode: Schema.String,
  quantity: Decimal,
  netPrice: Decimal,
  vatCode: Schema.String,
  description: Schema.String,
  /** The VAT ConnectWise charged on the line, sent so Exact's total equals ConnectWise's. */
  vatAmount: Schema.optional(Decimal)
}) {}

/**
 * Create an Exact sales invoice (type 8020) or credit note (8021) with `YourRef` = the
 * ConnectWise invoice number, so a retry can find it.
 *
 * @since 0.1.0
 */
export class CreateSalesInvoice extends Schema.TaggedClass<CreateSalesInvoice>()("CreateSalesInvoice", {
  idempotencyKey: Schema.String,
  dependsOn: Schema.Array(Schema.String),
  connectwiseInvoiceId: Schema.Int,
  kind: Schema.Literals(["invoice", "credit-note"]),
  type: Schema.Literals([8020, 8021]),
  yourRef: Schema.String,
  account: Schema.Union([ExistingAccount, Created]),
  journal: Schema.String,
  invoiceDate: LocalDate,
  dueDate: Schema.optional(LocalDate),
  paymentCondition: Schema.optional(Schema.String),
  currency: Schema.String,
  description: Schema.String,
  lines: Schema.Array(SalesInvoiceLine),
  /** Σ quantity × net price, excluding VAT, for checking against Exact's totals. */
  totalExclVat: Decimal
}) {}

/**
 * An invoice Exact already has.
 *
 * @since 0.1.0
 */
export class ExistingSalesInvoice extends Schema.TaggedClass<ExistingSalesInvoice>()("ExistingSalesInvoice", {
  id: Schema.String
}) {}

/**
 * One line of an Exact sales entry: the revenue GL account, the net amount and the VAT amount
 * ConnectWise charged on it.
 *
 * @since 0.1.0
 */
export class SalesEntryLine extends Schema.Class<SalesEntryLine>("SalesEntryLine")({
  glAccountId: Schema.String,
  description: Schema.String,
  quantity: Decimal,
  amount: Decimal,
  vatCode: Schema.String,
  vatAmount: Decimal
}) {}

/**
 * Book a ConnectWise invoice (or credit memo, with negative amounts) as an Exact sales entry whose
 * `EntryNumber` is the ConnectWise number and whose VAT is ConnectWise's, so Exact's total is
 * ConnectWise's to the cent.
 *
 * @since 0.1.0
 */
export class CreateSalesEntry extends Schema.TaggedClass<CreateSalesEntry>()("CreateSalesEntry", {
  idempotencyKey: Schema.String,
  dependsOn: Schema.Array(Schema.String),
  connectwiseInvoiceId: Schema.Int,
  kind: Schema.Literals(["invoice", "credit-note"]),
  entryNumber: Schema.Int,
  yourRef: Schema.String,
  account: Schema.Union([ExistingAccount, Created]),
  journal: Schema.String,
  entryDate: LocalDate,
  dueDate: Schema.optional(LocalDate),
  paymentCondition: Schema.optional(Schema.String),
  currency: Schema.String,
  rate: Schema.optional(Decimal),
  description: Schema.String,
  lines: Schema.Array(SalesEntryLine),
  /** ConnectWise's total (net + VAT): what Exact must report for the entry. */
  total: Decimal
}) {}

/**
 * Attach the invoice's ConnectWise PDF to what was booked (entry or invoice) as an Exact document.
 *
 * @since 0.1.0
 */
export class AttachPdf extends Schema.TaggedClass<AttachPdf>()("AttachPdf", {
  idempotencyKey: Schema.String,
  dependsOn: Schema.Array(Schema.String),
  connectwiseInvoiceId: Schema.Int,
  number: Schema.String,
  account: Schema.Union([ExistingAccount, Created]),
  /** The booked entry or invoice: its Exact id, or the operation that creates it. */
  booked: Schema.Union([ExistingSalesInvoice, Created]),
  entryDate: LocalDate
}) {}

/**
 * Process (print) the sales invoice so Exact books it and payments and reminders apply.
 *
 * @since 0.1.0
 */
export class ProcessSalesInvoice extends Schema.TaggedClass<ProcessSalesInvoice>()("ProcessSalesInvoice", {
  idempotencyKey: Schema.String,
  dependsOn: Schema.Array(Schema.String),
  connectwiseInvoiceId: Schema.Int,
  invoice: Schema.Union([ExistingSalesInvoice, Created]),
  invoiceDate: LocalDate
}) {}

/**
 * The invoice was transferred before: nothing to do.
 *
 * @since 0.1.0
 */
export class Skip extends Schema.TaggedClass<Skip>()("Skip", {
  connectwiseInvoiceId: Schema.Int,
  number: Schema.String,
  exactInvoiceId: Schema.String,
  reason: Schema.String,
  /**
   * What differs in ConnectWise from what was booked (its amounts or status changed, or it was
   * voided, after the transfer): for a person to resolve; it is never booked again.
   */
  changes: Schema.optional(Schema.Array(Schema.String))
}) {}

/**
 * The invoice cannot be transferred until the reasons are fixed (an unmapped tax code or item…).
 *
 * @since 0.1.0
 */
export class Blocked extends Schema.TaggedClass<Blocked>()("Blocked", {
  connectwiseInvoiceId: Schema.Int,
  number: Schema.String,
  reasons: Schema.Array(Schema.String),
  /**
   * Why, as codes a program can act on, one per kind of reason: `EntryNumberInvalid`,
   * `EntryNumberTaken`, `NeedsCustomer`, `TotalsDiffer`, `Currency`, `ClosedPeriod`, `VatCode`,
   * `PaymentCondition`, `ChangedAfterBooking`, `Mapping`, `Input`.
   */
  codes: Schema.optional(Schema.Array(Schema.String))
}) {}

/**
 * An executable flow-B operation.
 *
 * @since 0.1.0
 */
export const TransferOperation = Schema.Union([
  CreateAccount,
  CreateSalesInvoice,
  ProcessSalesInvoice,
  CreateSalesEntry,
  AttachPdf
])

/** @since 0.1.0 */
export type TransferOperation = typeof TransferOperation.Type

/**
 * The plan of a transfer run: operations in order, and the invoices skipped or blocked.
 *
 * @since 0.1.0
 */
export class TransferPlan extends Schema.Class<TransferPlan>("TransferPlan")({
  linkId: Schema.String,
  operations: Schema.Array(TransferOperation),
  skipped: Schema.Array(Skip),
  blocked: Schema.Array(Blocked)
}) {}
