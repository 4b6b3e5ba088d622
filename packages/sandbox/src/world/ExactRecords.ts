/**
 * Exact Online records of the simulated MSP, in Exact's own field names and value forms: GUID keys,
 * `Code` padded with leading spaces to 18 characters on accounts, VAT codes padded to 3, dates as
 * `/Date(ms)/`. Amounts and quantities are decimal strings; a simulation writes them into its JSON
 * bodies as numbers straight from this text, so nothing passes through binary floating point.
 */

/**
 * A decimal number as text, e.g. "24.60" or "-2".
 *
 * @since 0.1.0
 */
export type DecimalString = string

/**
 * The division (administration) the MSP keeps its books in.
 *
 * @since 0.1.0
 */
export interface ExactWorldDivision {
  readonly Code: number
  readonly Description: string
  readonly HID: number
  readonly Country: string
  readonly Currency: string
  readonly VATNumber: string
  readonly ChamberOfCommerceNumber: string
}

/**
 * `crm/Accounts`: a customer (Status "C") or the distributor (IsSupplier).
 *
 * @since 0.1.0
 */
export interface ExactWorldAccount {
  readonly ID: string
  /** 18 characters, right-aligned with leading spaces, e.g. "             10001". */
  readonly Code: string
  readonly Name: string
  readonly Status: "C" | null
  readonly Type: "A"
  readonly IsSales: boolean
  readonly IsSupplier: boolean
  readonly Blocked: boolean
  readonly VATNumber: string | null
  readonly ChamberOfCommerce: string | null
  readonly AddressLine1: string
  readonly Postcode: string
  readonly City: string
  readonly Country: string
  readonly Email: string
  readonly Phone: string
  readonly Website: string
  readonly Language: string
  readonly SalesVATCode: string | null
  readonly SalesCurrency: string
  readonly PaymentConditionSales: string | null
  readonly PaymentConditionPurchase: string | null
  readonly Division: number
}

/**
 * `logistics/Items`.
 *
 * @since 0.1.0
 */
export interface ExactWorldItem {
  readonly ID: string
  readonly Code: string
  readonly Description: string
  readonly CostPriceStandard: DecimalString
  readonly CostPriceCurrency: string
  readonly StandardSalesPrice: DecimalString
  readonly IsSalesItem: boolean
  readonly IsPurchaseItem: boolean
  readonly IsStockItem: boolean
  readonly Unit: string
  readonly UnitDescription: string
  readonly SalesVatCode: string
  readonly GLRevenue: string
  readonly GLRevenueCode: string
  readonly GLCosts: string
  readonly GLCostsCode: string
  readonly Division: number
}

/**
 * `vat/VATCodes`. `Percentage` is a fraction ("0.21"), as Exact stores it.
 *
 * @since 0.1.0
 */
export interface ExactWorldVATCode {
  readonly ID: string
  /** Padded to 3 characters, e.g. "2  ". */
  readonly Code: string
  readonly Description: string
  readonly Percentage: DecimalString
  readonly Type: "E"
  readonly VATTransactionType: "S" | "P" | "B"
  readonly IsBlocked: boolean
  readonly Division: number
}

/**
 * `financial/GLAccounts`.
 *
 * @since 0.1.0
 */
export interface ExactWorldGLAccount {
  readonly ID: string
  readonly Code: string
  readonly Description: string
  /** B = balance sheet, W = profit and loss. */
  readonly BalanceType: "B" | "W"
  readonly BalanceSide: "C" | "D"
  readonly IsBlocked: boolean
  readonly Division: number
}

/**
 * `financial/Journals`. Type 20 = sales, 22 = purchase.
 *
 * @since 0.1.0
 */
export interface ExactWorldJournal {
  readonly ID: string
  readonly Code: string
  readonly Description: string
  readonly Type: number
  readonly Currency: string
  readonly Division: number
}

/**
 * `cashflow/PaymentConditions`.
 *
 * @since 0.1.0
 */
export interface ExactWorldPaymentCondition {
  readonly ID: string
  readonly Code: string
  readonly Description: string
  readonly PaymentDays: number
  readonly Division: number
}

/**
 * `project/Projects`: one licence project per customer for some customers; the distributor's lines point at it.
 *
 * @since 0.1.0
 */
export interface ExactWorldProject {
  readonly ID: string
  readonly Code: string
  readonly Description: string
  readonly Account: string
  readonly AccountCode: string
  readonly AccountName: string
  readonly Division: number
}

/**
 * A line of `salesinvoice/SalesInvoiceLines`.
 *
 * @since 0.1.0
 */
export interface ExactWorldSalesInvoiceLine {
  readonly ID: string
  readonly InvoiceID: string
  readonly LineNumber: number
  /** Null only on a malformed line (Exact requires it). */
  readonly Item: string | null
  readonly ItemCode: string | null
  readonly ItemDescription: string | null
  readonly Description: string
  /** Normally a decimal; a malformed line may carry text such as "12 st". Negative on credit notes. */
  readonly Quantity: string
  readonly UnitCode: string
  readonly UnitPrice: DecimalString
  readonly NetPrice: DecimalString
  /** Discount as a fraction of UnitPrice ("0.05"). */
  readonly Discount: DecimalString
  /** Line amount excluding VAT. */
  readonly AmountFC: DecimalString
  readonly VATCode: string
  readonly VATPercentage: DecimalString
  readonly VATAmountFC: DecimalString
  /** The unit cost of the service on this line (per unit, in the invoice currency). */
  readonly CostPriceFC: DecimalString
  readonly GLAccount: string
  readonly Division: number
}

/**
 * `salesinvoice/SalesInvoices` with its lines expanded. Type 8020 invoice, 8021 credit note.
 *
 * @since 0.1.0
 */
export interface ExactWorldSalesInvoice {
  readonly InvoiceID: string
  readonly InvoiceNumber: number
  readonly Type: 8020 | 8021
  readonly TypeDescription: string
  readonly Status: 10 | 20 | 50
  readonly StatusDescription: string
  readonly OrderedBy: string
  readonly OrderedByName: string
  readonly InvoiceTo: string
  readonly InvoiceToName: string
  readonly InvoiceDate: string
  readonly OrderDate: string
  readonly DueDate: string
  readonly Currency: string
  readonly Journal: string
  readonly JournalDescription: string
  readonly PaymentCondition: string
  readonly PaymentConditionDescription: string
  readonly Description: string
  readonly YourRef: string | null
  readonly AmountFCExclVat: DecimalString
  readonly VATAmountFC: DecimalString
  readonly AmountFC: DecimalString
  readonly Division: number
  readonly SalesInvoiceLines: ReadonlyArray<ExactWorldSalesInvoiceLine>
}

/**
 * A line of `purchase/PurchaseInvoiceLines`: names its end customer by `Project` or in `Description`.
 *
 * @since 0.1.0
 */
export interface ExactWorldPurchaseInvoiceLine {
  readonly ID: string
  readonly InvoiceID: string
  readonly LineNumber: number
  readonly Item: string
  readonly Description: string
  readonly Quantity: DecimalString
  readonly Unit: string
  readonly UnitPrice: DecimalString
  readonly NetPrice: DecimalString
  /** Line amount excluding VAT. */
  readonly Amount: DecimalString
  readonly VATCode: string
  readonly VATPercentage: DecimalString
  readonly VATAmount: DecimalString
  readonly Currency: string
  /** The customer's licence project (its `Account` is the end customer), or null. */
  readonly Project: string | null
}

/**
 * `purchase/PurchaseInvoices` (Type 8033) from the distributor, lines expanded.
 *
 * @since 0.1.0
 */
export interface ExactWorldPurchaseInvoice {
  readonly ID: string
  readonly EntryNumber: number
  readonly Type: 8033
  readonly Status: 50
  readonly Supplier: string
  readonly Journal: string
  readonly InvoiceDate: string
  readonly DueDate: string
  readonly Currency: string
  readonly YourRef: string
  readonly Description: string
  readonly PaymentCondition: string
  readonly Amount: DecimalString
  readonly VATAmount: DecimalString
  readonly Division: number
  readonly PurchaseInvoiceLines: ReadonlyArray<ExactWorldPurchaseInvoiceLine>
}

/**
 * Everything the Exact Online simulation is loaded with.
 *
 * @since 0.1.0
 */
export interface ExactWorld {
  readonly division: ExactWorldDivision
  /** Customers first (in code order), then the distributor. */
  readonly accounts: ReadonlyArray<ExactWorldAccount>
  /** Recurring products first, then the one-off technician hour. */
  readonly items: ReadonlyArray<ExactWorldItem>
  readonly vatCodes: ReadonlyArray<ExactWorldVATCode>
  readonly glAccounts: ReadonlyArray<ExactWorldGLAccount>
  readonly journals: ReadonlyArray<ExactWorldJournal>
  readonly paymentConditions: ReadonlyArray<ExactWorldPaymentCondition>
  readonly projects: ReadonlyArray<ExactWorldProject>
  /** Every month's invoices and credit notes, by month, then customer code. */
  readonly salesInvoices: ReadonlyArray<ExactWorldSalesInvoice>
  /** One distributor invoice per month. */
  readonly purchaseInvoices: ReadonlyArray<ExactWorldPurchaseInvoice>
}
