/**
 * The ConnectWise setup tables every world shares: currencies, billing terms, tax codes, countries,
 * statuses and agreement types. Made fresh for each world (records are plain, mutable-by-consumers
 * data), with the same objects referenced from wherever ConnectWise embeds them.
 */
import type {
  CwAgreementType,
  CwBillingCycle,
  CwBillingTerm,
  CwCompany,
  CwCompanyReference,
  CwCurrency,
  CwProductType,
  CwReference,
  CwSubcategory,
  CwTaxCode
} from "../ConnectWiseRecords.ts"
import type { Customer } from "../Model.ts"
import { cwDate } from "./Dates.ts"
import type { Country } from "./Names.ts"

/** The setup tables of one world. */
export interface ConnectWiseSetup {
  readonly currencies: Array<CwCurrency>
  readonly eur: CwCurrency
  readonly billingTerms: Array<CwBillingTerm>
  readonly billingCycles: Array<CwBillingCycle>
  readonly productTypes: Array<CwProductType>
  readonly subcategories: Array<CwSubcategory>
  readonly taxCodes: Array<CwTaxCode>
  readonly countries: Record<Country, CwReference>
  readonly customerType: CwReference
  readonly activeStatus: CwReference
  readonly monthly: CwReference
  readonly oneTime: CwReference
  readonly agreementTypes: Array<CwAgreementType>
}

/** A reference to one of the setup's named records (a subcategory, a product type) by id. */
export const namedRef = (
  records: ReadonlyArray<{ readonly id: number; readonly name: string }>,
  id: number
): CwReference => {
  const found = records.find((r) => r.id === id)
  if (found === undefined) throw new Error(`no setup record ${id}`)
  return { id: found.id, name: found.name }
}

/** A reference to a billing term, as companies, agreements and invoices embed it. */
export const termsRef = (t: CwBillingTerm): CwReference => ({ id: t.id, name: t.name })

/** A reference to a tax code by id, as companies embed it. */
export const taxRef = (setup: ConnectWiseSetup, id: number): CwReference => {
  const t = setup.taxCodes.find((x) => x.id === id)!
  return { id: t.id, name: t.identifier }
}

/** The billing term matching the customer's Exact payment condition. */
export const termsFor = (setup: ConnectWiseSetup, c: Customer): CwBillingTerm =>
  setup.billingTerms[c.paymentCondition === "14" ? 0 : 1]!

/** A company as other records embed it. */
export const companyRef = (co: CwCompany): CwCompanyReference => ({
  id: co.id,
  identifier: co.identifier,
  name: co.name
})

/** Build the setup tables of one world. */
export const connectWiseSetup = (): ConnectWiseSetup => {
  const currencies: Array<CwCurrency> = [
    { id: 1, currencyCode: "EUR", name: "Euro", symbol: "€", numberOfDecimals: 2 },
    { id: 7, currencyCode: "GBP", name: "Pound Sterling", symbol: "£", numberOfDecimals: 2 }
  ]
  const billingTerms: Array<CwBillingTerm> = [
    { id: 1, name: "Net 14 days", dueDays: 14, defaultFlag: true },
    { id: 2, name: "Net 30 days", dueDays: 30, defaultFlag: false },
    { id: 3, name: "Due on receipt", dueDays: 0, defaultFlag: false }
  ]
  // Ids as a tenant set up by hand has them: gaps where entries were deleted, one inactive entry.
  const billingCycles: Array<CwBillingCycle> = [
    { id: 1, identifier: "M", name: "Monthly", defaultFlag: true },
    { id: 2, identifier: "Q", name: "Quarterly", defaultFlag: false },
    { id: 3, identifier: "Y", name: "Yearly", defaultFlag: false },
    { id: 4, identifier: "O", name: "One Time", defaultFlag: false }
  ]
  const productTypes: Array<CwProductType> = [
    { id: 1, name: "Hardware", inactiveFlag: false, defaultFlag: false },
    { id: 2, name: "Oud type", inactiveFlag: true, defaultFlag: false },
    { id: 3, name: "Licentie", inactiveFlag: false, defaultFlag: false },
    { id: 4, name: "Dienst", inactiveFlag: false, defaultFlag: true }
  ]
  const managed: CwReference = { id: 2, name: "Managed Services" }
  const subcategories: Array<CwSubcategory> = [
    { id: 10, name: "Hardware", inactiveFlag: false, defaultFlag: false, category: { id: 4, name: "Hardware" } },
    { id: 11, name: "Licenties", inactiveFlag: false, defaultFlag: false, category: managed },
    { id: 12, name: "Beheerde diensten", inactiveFlag: false, defaultFlag: true, category: managed },
    { id: 13, name: "Projecten (oud)", inactiveFlag: true, defaultFlag: false, category: managed }
  ]
  const cycleRef = (c: CwBillingCycle): CwReference => ({ id: c.id, name: c.name })
  const monthly = cycleRef(billingCycles[0]!)
  const oneTime = cycleRef(billingCycles[3]!)
  return {
    currencies,
    eur: currencies[0]!,
    billingTerms,
    billingCycles,
    productTypes,
    subcategories,
    taxCodes: taxCodes(),
    countries: {
      NL: { id: 1, name: "Netherlands" },
      BE: { id: 2, name: "Belgium" },
      DE: { id: 3, name: "Germany" },
      GB: { id: 4, name: "United Kingdom" }
    },
    customerType: { id: 1, name: "Customer" },
    activeStatus: { id: 1, name: "Active" },
    monthly,
    oneTime,
    agreementTypes: agreementTypes(monthly, oneTime)
  }
}

const taxCodes = (): Array<CwTaxCode> => {
  const effectiveDate = cwDate(Date.UTC(2019, 0, 1))
  const code = (id: number, identifier: string, description: string, invoiceCaption: string, rate: string) => ({
    id,
    identifier,
    description,
    invoiceCaption,
    effectiveDate,
    cancelDate: null,
    levelOneRate: rate,
    levelOneRateType: "Percent" as const
  })
  return [
    code(1, "NL-H21", "BTW hoog 21%", "BTW 21%", "21"),
    code(2, "EU-VERL", "BTW verlegd (EU)", "BTW verlegd", "0"),
    code(3, "EXPORT", "Export buiten EU", "0% export", "0"),
    code(4, "NL-L9", "BTW laag 9%", "BTW 9%", "9")
  ]
}

const agreementTypes = (monthly: CwReference, oneTime: CwReference): Array<CwAgreementType> => [
  {
    id: 1,
    name: "Managed Services",
    defaultFlag: true,
    inactiveFlag: false,
    prePaymentFlag: false,
    billingCycle: monthly,
    invoicingCycle: "CalendarYear",
    billTime: "Billable",
    billExpenses: "Billable",
    billProducts: "Billable",
    employeeCompRate: "Actual",
    employeeCompNotExceed: "Billing",
    prorateFlag: false,
    taxableFlag: true
  },
  {
    id: 2,
    name: "Strippenkaart uren",
    defaultFlag: false,
    inactiveFlag: false,
    prePaymentFlag: true,
    billingCycle: oneTime,
    invoicingCycle: "ContractYear",
    billTime: "Billable",
    billExpenses: "DoNotBill",
    billProducts: "DoNotBill",
    employeeCompRate: "Actual",
    employeeCompNotExceed: "Billing",
    prorateFlag: false,
    taxableFlag: true
  }
]
