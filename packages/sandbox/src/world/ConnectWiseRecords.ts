/**
 * ConnectWise PSA records of the simulated MSP, in ConnectWise's field names and reference shapes
 * (`{id, identifier, name}` company references, `{id, name}` references). Dates are ISO 8601 with a Z.
 * Amounts and quantities are decimal strings, written into JSON bodies as numbers from this text.
 */
import type { DecimalString } from "./ExactRecords.ts"

/**
 * A `{id, name}` reference.
 *
 * @since 0.1.0
 */
export interface CwReference {
  readonly id: number
  readonly name: string
}

/**
 * A `CompanyReference`.
 *
 * @since 0.1.0
 */
export interface CwCompanyReference {
  readonly id: number
  readonly identifier: string
  readonly name: string
}

/**
 * A `CurrencyReference`.
 *
 * @since 0.1.0
 */
export interface CwCurrency {
  readonly id: number
  readonly currencyCode: string
  readonly name: string
  readonly symbol: string
  readonly numberOfDecimals: number
}

/**
 * `/company/companies`.
 *
 * @since 0.1.0
 */
export interface CwCompany {
  readonly id: number
  readonly identifier: string
  readonly name: string
  readonly status: CwReference
  readonly addressLine1: string
  readonly city: string
  readonly zip: string
  readonly country: CwReference
  readonly phoneNumber: string
  readonly website: string
  /** The accounting system's customer number, filled for some companies. */
  readonly accountNumber: string | null
  readonly taxIdentifier: string | null
  /** The contact a new agreement of the company gets. */
  readonly defaultContact: CwReference | null
  readonly billingContact: CwReference | null
  readonly billingTerms: CwReference
  readonly taxCode: CwReference
  readonly currency: CwCurrency
  readonly deletedFlag: boolean
  readonly dateDeleted: string | null
  readonly isVendorFlag: boolean
  readonly types: ReadonlyArray<CwReference>
}

/**
 * `/procurement/catalog`.
 *
 * @since 0.1.0
 */
export interface CwCatalogItem {
  readonly id: number
  readonly identifier: string
  readonly description: string
  readonly customerDescription: string
  readonly inactiveFlag: boolean
  readonly subcategory: CwReference
  readonly type: CwReference
  readonly category: CwReference
  readonly productClass: "Service" | "NonInventory" | "Agreement"
  readonly unitOfMeasure: CwReference
  readonly price: DecimalString
  readonly cost: DecimalString
  readonly taxableFlag: boolean
  readonly recurringFlag: boolean
  readonly recurringRevenue: DecimalString
  readonly recurringCost: DecimalString
  readonly recurringBillCycle: CwReference | null
  readonly vendor: CwCompanyReference | null
}

/**
 * `/finance/agreements/types`.
 *
 * @since 0.1.0
 */
export interface CwAgreementType {
  readonly id: number
  readonly name: string
  readonly defaultFlag: boolean
  readonly inactiveFlag: boolean
  readonly prePaymentFlag: boolean
  readonly billingCycle: CwReference
  readonly invoicingCycle: "CalendarYear" | "ContractYear"
  readonly billTime: "Billable" | "DoNotBill" | "NoCharge" | "NoDefault"
  readonly billExpenses: "Billable" | "DoNotBill" | "NoCharge" | "NoDefault"
  readonly billProducts: "Billable" | "DoNotBill" | "NoCharge" | "NoDefault"
  readonly employeeCompRate: "Actual" | "Hourly"
  readonly employeeCompNotExceed: "Billing" | "Amount" | "Percent"
  readonly prorateFlag: boolean
  readonly taxableFlag: boolean
}

/**
 * `/finance/agreements`.
 *
 * @since 0.1.0
 */
export interface CwAgreement {
  readonly id: number
  readonly name: string
  readonly type: CwReference
  readonly company: CwCompanyReference
  readonly agreementStatus: "Active" | "Cancelled" | "Expired" | "Inactive"
  readonly startDate: string
  readonly endDate: string | null
  readonly noEndingDateFlag: boolean
  readonly cancelledFlag: boolean
  readonly billingCycle: CwReference
  readonly billingTerms: CwReference
  readonly taxCode: CwReference
  readonly currency: CwCurrency
  readonly invoicingCycle: "CalendarYear" | "ContractYear"
  readonly applicationUnits: "Amount" | "Hours" | "Incidents"
  readonly billAmount: DecimalString
  readonly taxable: boolean
  readonly billTime: "Billable" | "DoNotBill" | "NoCharge" | "NoDefault"
  readonly billExpenses: "Billable" | "DoNotBill" | "NoCharge" | "NoDefault"
  readonly billProducts: "Billable" | "DoNotBill" | "NoCharge" | "NoDefault"
}

/**
 * `/finance/agreements/{parentId}/additions`.
 *
 * @since 0.1.0
 */
export interface CwAddition {
  readonly id: number
  readonly agreementId: number
  readonly product: { readonly id: number; readonly identifier: string }
  readonly description: string
  readonly invoiceDescription: string
  readonly quantity: DecimalString
  readonly lessIncluded: DecimalString
  readonly unitCost: DecimalString
  readonly unitPrice: DecimalString
  readonly billCustomer: "Billable" | "DoNotBill" | "NoCharge"
  readonly effectiveDate: string
  readonly cancelledDate: string | null
  readonly taxableFlag: boolean
  readonly agreementStatus: "Active" | "Cancelled" | "Expired" | "Inactive"
  readonly sequenceNumber: number
  readonly uom: string
}

/**
 * `/finance/billingTerms`.
 *
 * @since 0.1.0
 */
export interface CwBillingTerm {
  readonly id: number
  readonly name: string
  readonly dueDays: number
  readonly defaultFlag: boolean
}

/**
 * `/finance/billingCycles`: how often an agreement or a recurring product bills.
 *
 * @since 0.1.0
 */
export interface CwBillingCycle {
  readonly id: number
  readonly identifier: string
  readonly name: string
  readonly defaultFlag: boolean
}

/**
 * `/procurement/types`: a catalog item's product type.
 *
 * @since 0.1.0
 */
export interface CwProductType {
  readonly id: number
  readonly name: string
  readonly inactiveFlag: boolean
  readonly defaultFlag: boolean
}

/**
 * `/procurement/subcategories`: a catalog item's subcategory, under its category.
 *
 * @since 0.1.0
 */
export interface CwSubcategory {
  readonly id: number
  readonly name: string
  readonly inactiveFlag: boolean
  readonly defaultFlag: boolean
  readonly category: CwReference
}

/**
 * `/finance/taxCodes`. `levelOneRate` is a percentage ("21").
 *
 * @since 0.1.0
 */
export interface CwTaxCode {
  readonly id: number
  readonly identifier: string
  readonly description: string
  readonly invoiceCaption: string
  readonly effectiveDate: string
  readonly cancelDate: string | null
  readonly levelOneRate: DecimalString
  readonly levelOneRateType: "Percent" | "Amount"
}

/**
 * `/finance/invoices`. Credit memos carry negative totals.
 *
 * @since 0.1.0
 */
export interface CwInvoice {
  readonly id: number
  readonly invoiceNumber: string
  readonly type: "Standard" | "Agreement" | "CreditMemo"
  readonly status: CwReference
  readonly company: CwCompanyReference
  readonly billToCompany: CwCompanyReference
  readonly applyToType: "All" | "Agreement"
  readonly applyToId: number | null
  readonly agreement: CwReference | null
  readonly date: string
  readonly dueDate: string
  readonly billingTerms: CwReference
  readonly taxCode: CwReference
  readonly currency: CwCurrency
  readonly reference: string | null
  readonly customerPO: string | null
  readonly productTotal: DecimalString
  readonly serviceTotal: DecimalString
  readonly expenseTotal: DecimalString
  readonly agreementAmount: DecimalString
  readonly subtotal: DecimalString
  readonly salesTax: DecimalString
  readonly total: DecimalString
  readonly payments: DecimalString
  readonly credits: DecimalString
  readonly balance: DecimalString
}

/**
 * `/procurement/products`: a product line, here always attached to an invoice.
 *
 * @since 0.1.0
 */
export interface CwProductItem {
  readonly id: number
  readonly catalogItem: { readonly id: number; readonly identifier: string }
  readonly description: string
  /** Negative on a credit memo. */
  readonly quantity: DecimalString
  readonly price: DecimalString
  readonly cost: DecimalString
  readonly extPrice: DecimalString
  readonly extCost: DecimalString
  readonly taxableFlag: boolean
  readonly billableOption: "Billable" | "DoNotBill" | "NoCharge"
  readonly productClass: "Service" | "NonInventory" | "Agreement"
  readonly sequenceNumber: number
  readonly company: CwCompanyReference
  readonly agreement: CwReference | null
  readonly invoice: {
    readonly id: number
    readonly identifier: string
    readonly applyToType: "All" | "Agreement"
    readonly invoiceDate: string
  }
}

/**
 * Everything the ConnectWise simulation is loaded with.
 *
 * @since 0.1.0
 */
export interface ConnectWiseWorld {
  /** Customers' companies (one deleted duplicate among them), then the distributor as vendor. */
  readonly companies: ReadonlyArray<CwCompany>
  readonly catalogItems: ReadonlyArray<CwCatalogItem>
  readonly agreementTypes: ReadonlyArray<CwAgreementType>
  readonly agreements: ReadonlyArray<CwAgreement>
  readonly additions: ReadonlyArray<CwAddition>
  readonly billingTerms: ReadonlyArray<CwBillingTerm>
  readonly billingCycles: ReadonlyArray<CwBillingCycle>
  readonly productTypes: ReadonlyArray<CwProductType>
  readonly subcategories: ReadonlyArray<CwSubcategory>
  readonly taxCodes: ReadonlyArray<CwTaxCode>
  readonly currencies: ReadonlyArray<CwCurrency>
  /** The latest month's invoices: agreement and standard invoices and one credit memo. */
  readonly invoices: ReadonlyArray<CwInvoice>
  /** The product lines of `invoices`. */
  readonly products: ReadonlyArray<CwProductItem>
}
