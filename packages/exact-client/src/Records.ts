/**
 * Schemas for the Exact Online records psa-ledger consumes, as the client hands them out: amounts
 * and quantities as decimal strings (every digit Exact sent), dates as `Date`, GUIDs validated.
 *
 * Every field but the key is optional (a `$select` may leave it out) and may be `null` (Exact sends
 * nulls freely). Unmodelled fields are dropped on decode.
 *
 * @since 0.1.0
 */
import { Result, Schema, SchemaGetter } from "effect"
import type * as SchemaIssue from "effect/SchemaIssue"

const decimalText = /^-?\d+(\.\d+)?$/

/**
 * A decimal as a string, e.g. `"12.3450"`: what `parseExactJson` makes of Exact's `Edm.Double`s.
 * Turn it into a `BigDecimal` with `BigDecimal.fromString` for arithmetic.
 *
 * @since 0.1.0
 */
export const ExactDecimal = Schema.Union([
  Schema.String.check(Schema.isPattern(decimalText)),
  Schema.Int.pipe(
    Schema.decodeTo(Schema.String, {
      decode: SchemaGetter.transform((n: number) => String(n)),
      encode: SchemaGetter.transform((s: string) => Number.parseInt(s, 10))
    })
  )
])

/**
 * A GUID string (any case).
 *
 * @since 0.1.0
 */
export const Guid = Schema.String.check(
  Schema.isPattern(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/)
)

/**
 * A date (the client has already turned `/Date(ms)/` into a `Date`).
 *
 * @since 0.1.0
 */
export const ExactDate = Schema.Date

const opt = <S extends Schema.Top>(schema: S) => Schema.optionalKey(Schema.NullOr(schema))
const text = opt(Schema.String)
const int = opt(Schema.Int)
const decimal = opt(ExactDecimal)
const date = opt(ExactDate)
const guid = opt(Guid)
const bool = opt(Schema.Boolean)

/**
 * The signed-in user and their current division (`current/Me`).
 *
 * @since 0.1.0
 */
export const Me = Schema.Struct({
  UserID: Guid,
  CurrentDivision: Schema.Int,
  AccountingDivision: int,
  FullName: text,
  UserName: text,
  Email: text,
  LanguageCode: text,
  DivisionCustomerName: text
})
/** @since 0.1.0 */
export type Me = typeof Me.Type

/**
 * An administration (`system/Divisions`).
 *
 * @since 0.1.0
 */
export const Division = Schema.Struct({
  Code: Schema.Int,
  Description: text,
  Currency: text,
  Country: text,
  Current: bool,
  Status: int,
  StartDate: date,
  DivisionMoveDate: date
})
/** @since 0.1.0 */
export type Division = typeof Division.Type

/**
 * A sales-invoice line (`salesinvoice/SalesInvoiceLines`, or expanded under an invoice).
 *
 * @since 0.1.0
 */
export const SalesInvoiceLine = Schema.Struct({
  ID: Guid,
  InvoiceID: guid,
  LineNumber: int,
  Item: guid,
  ItemCode: text,
  ItemDescription: text,
  Description: text,
  Quantity: decimal,
  UnitPrice: decimal,
  NetPrice: decimal,
  Discount: decimal,
  AmountFC: decimal,
  AmountDC: decimal,
  VATCode: text,
  VATPercentage: decimal,
  VATAmountFC: decimal,
  GLAccount: guid,
  UnitCode: text,
  CostCenter: text,
  DeliveryDate: date,
  Subscription: guid
})
/** @since 0.1.0 */
export type SalesInvoiceLine = typeof SalesInvoiceLine.Type

/**
 * A sales invoice (`salesinvoice/SalesInvoices`); `SalesInvoiceLines` is present when expanded.
 * `Status`: 10 draft, 20 open, 50 processed. `Type`: 8020 invoice, 8021 credit note.
 *
 * @since 0.1.0
 */
export const SalesInvoice = Schema.Struct({
  InvoiceID: Guid,
  InvoiceNumber: int,
  InvoiceDate: date,
  OrderDate: date,
  DueDate: date,
  OrderedBy: guid,
  OrderedByName: text,
  InvoiceTo: guid,
  InvoiceToName: text,
  DeliverTo: guid,
  Journal: text,
  Currency: text,
  Description: text,
  YourRef: text,
  PaymentCondition: text,
  PaymentReference: text,
  Remarks: text,
  Status: int,
  Type: int,
  AmountFC: decimal,
  AmountFCExclVat: decimal,
  VATAmountFC: decimal,
  AmountDC: decimal,
  Created: date,
  Modified: date,
  SalesInvoiceLines: Schema.optionalKey(Schema.Array(SalesInvoiceLine))
})
/** @since 0.1.0 */
export type SalesInvoice = typeof SalesInvoice.Type

/**
 * A customer or supplier (`crm/Accounts`). `Code` is right-aligned in 18 characters, as Exact keeps it.
 *
 * @since 0.1.0
 */
export const Account = Schema.Struct({
  ID: Guid,
  Code: text,
  Name: text,
  SearchCode: text,
  Status: text,
  Email: text,
  Phone: text,
  City: text,
  Country: text,
  Postcode: text,
  AddressLine1: text,
  VATNumber: text,
  ChamberOfCommerce: text,
  SalesVATCode: text,
  PaymentConditionSales: text,
  IsSales: bool,
  Blocked: bool,
  Created: date,
  Modified: date
})
/** @since 0.1.0 */
export type Account = typeof Account.Type

/**
 * An item (`logistics/Items`).
 *
 * @since 0.1.0
 */
export const Item = Schema.Struct({
  ID: Guid,
  Code: text,
  Description: text,
  IsSalesItem: bool,
  SalesVatCode: text,
  GLRevenue: guid,
  GLRevenueCode: text,
  Unit: text,
  StandardSalesPrice: decimal,
  Created: date,
  Modified: date
})
/** @since 0.1.0 */
export type Item = typeof Item.Type

/**
 * A VAT code (`vat/VATCodes`); `Percentage` is a fraction (`"0.21"`).
 *
 * @since 0.1.0
 */
export const VATCode = Schema.Struct({
  ID: Guid,
  Code: text,
  Description: text,
  Percentage: decimal,
  Type: text,
  VATTransactionType: text,
  IsBlocked: bool
})
/** @since 0.1.0 */
export type VATCode = typeof VATCode.Type

/**
 * A general-ledger account (`financial/GLAccounts`).
 *
 * @since 0.1.0
 */
export const GLAccount = Schema.Struct({
  ID: Guid,
  Code: text,
  Description: text,
  BalanceType: text,
  Type: int,
  IsBlocked: bool
})
/** @since 0.1.0 */
export type GLAccount = typeof GLAccount.Type

/**
 * A payment condition (`cashflow/PaymentConditions`).
 *
 * @since 0.1.0
 */
export const PaymentCondition = Schema.Struct({
  ID: Guid,
  Code: text,
  Description: text,
  PaymentDays: int
})
/** @since 0.1.0 */
export type PaymentCondition = typeof PaymentCondition.Type

/**
 * An open or paid receivable (`cashflow/Receivables`), created when a sales invoice is processed.
 *
 * @since 0.1.0
 */
export const Receivable = Schema.Struct({
  ID: Guid,
  Account: guid,
  AccountCode: text,
  AccountName: text,
  EntryID: guid,
  InvoiceNumber: int,
  InvoiceDate: date,
  DueDate: date,
  AmountDC: decimal,
  AmountFC: decimal,
  Currency: text,
  Description: text,
  YourRef: text,
  IsFullyPaid: bool,
  LastPaymentDate: date,
  Journal: text,
  /** The entry number of the transaction the receivable belongs to. */
  EntryNumber: int,
  /** The transaction (a sales entry's `EntryID`) the receivable belongs to. */
  TransactionEntryID: guid,
  /** The whole transaction's amount; a part-paid receivable is split into parts of it. */
  TransactionAmountFC: decimal
})
/** @since 0.1.0 */
export type Receivable = typeof Receivable.Type

/**
 * A sales entry (`salesentry/SalesEntries`): a booked sales invoice or credit note without an
 * invoice document. `AmountFC` is the total Exact booked, VAT included.
 *
 * @since 0.1.0
 */
export const SalesEntry = Schema.Struct({
  EntryID: Guid,
  EntryNumber: int,
  Journal: text,
  Customer: guid,
  EntryDate: date,
  DueDate: date,
  YourRef: text,
  Description: text,
  Currency: text,
  AmountFC: decimal,
  VATAmountFC: decimal,
  PaymentCondition: text
})
/** @since 0.1.0 */
export type SalesEntry = typeof SalesEntry.Type

/**
 * A purchase-invoice line (`purchase/PurchaseInvoiceLines`).
 *
 * @since 0.1.0
 */
export const PurchaseInvoiceLine = Schema.Struct({
  ID: Guid,
  InvoiceID: guid,
  LineNumber: int,
  Item: guid,
  Description: text,
  Quantity: decimal,
  UnitPrice: decimal,
  NetPrice: decimal,
  Amount: decimal,
  VATCode: text,
  VATAmount: decimal,
  VATPercentage: decimal
})
/** @since 0.1.0 */
export type PurchaseInvoiceLine = typeof PurchaseInvoiceLine.Type

/**
 * A purchase invoice (`purchase/PurchaseInvoices`), e.g. a distributor's monthly bill.
 *
 * @since 0.1.0
 */
export const PurchaseInvoice = Schema.Struct({
  ID: Guid,
  Supplier: guid,
  Journal: text,
  InvoiceDate: date,
  DueDate: date,
  YourRef: text,
  Currency: text,
  Description: text,
  Status: int,
  Type: int,
  Amount: decimal,
  VATAmount: decimal,
  Modified: date,
  PurchaseInvoiceLines: Schema.optionalKey(Schema.Array(PurchaseInvoiceLine))
})
/** @since 0.1.0 */
export type PurchaseInvoice = typeof PurchaseInvoice.Type

/**
 * A subscription line (`subscription/SubscriptionLines`).
 *
 * @since 0.1.0
 */
export const SubscriptionLine = Schema.Struct({
  ID: Guid,
  EntryID: guid,
  LineNumber: int,
  Item: guid,
  ItemDescription: text,
  Description: text,
  Quantity: decimal,
  UnitPrice: decimal,
  NetPrice: decimal,
  AmountFC: decimal,
  Discount: decimal,
  FromDate: date,
  ToDate: date,
  VATCode: text,
  LineType: int
})
/** @since 0.1.0 */
export type SubscriptionLine = typeof SubscriptionLine.Type

/**
 * A subscription (`subscription/Subscriptions`): recurring billing of a customer.
 *
 * @since 0.1.0
 */
export const Subscription = Schema.Struct({
  EntryID: Guid,
  Number: int,
  Description: text,
  OrderedBy: guid,
  OrderedByName: text,
  InvoiceTo: guid,
  StartDate: date,
  EndDate: date,
  InvoicingStartDate: date,
  InvoicedTo: date,
  InvoiceDay: int,
  Currency: text,
  PaymentCondition: text,
  SubscriptionType: guid,
  SubscriptionTypeCode: text,
  Created: date,
  Modified: date,
  SubscriptionLines: Schema.optionalKey(Schema.Array(SubscriptionLine))
})
/** @since 0.1.0 */
export type Subscription = typeof Subscription.Type

/**
 * Where a decode failed: the first issue's field path and its message.
 *
 * @internal
 */
export const describeIssue = (issue: SchemaIssue.Issue): { field: string | undefined; message: string } => {
  const path: Array<string> = []
  let current: SchemaIssue.Issue = issue
  for (let depth = 0; depth < 32; depth++) {
    if (current._tag === "Pointer") {
      path.push(...current.path.map(String))
      current = current.issue
    } else if (current._tag === "Composite" || current._tag === "AnyOf") {
      const first = current.issues[0]
      if (!first) break
      current = first
    } else if ("issue" in current && current.issue !== undefined && typeof current.issue === "object") {
      current = current.issue as SchemaIssue.Issue
    } else break
  }
  return { field: path.length > 0 ? path.join(".") : undefined, message: String(current) }
}

/**
 * Decodes one record with a schema: the value, or the failing field and why.
 *
 * @internal
 */
export const decodeWith = <S extends Schema.Decoder<unknown>>(
  schema: S,
  value: unknown
):
  | { readonly ok: true; readonly value: S["Type"] }
  | { readonly ok: false; readonly field: string | undefined; readonly message: string } => {
  const result = Schema.decodeUnknownResult(schema)(value)
  if (Result.isSuccess(result)) return { ok: true, value: result.success }
  const { field, message } = describeIssue(result.failure.issue)
  return { ok: false, field, message }
}
