/**
 * The simulated MSP: `createWorld` and the shapes of its records and truth.
 *
 * @since 0.1.0
 */
export type {
  ConnectWiseWorld,
  CwAddition,
  CwAgreement,
  CwAgreementType,
  CwBillingTerm,
  CwCatalogItem,
  CwCompany,
  CwCompanyReference,
  CwCurrency,
  CwInvoice,
  CwProductItem,
  CwReference,
  CwTaxCode
} from "./ConnectWiseRecords.ts"
export type {
  DecimalString,
  ExactAccount,
  ExactDivision,
  ExactGLAccount,
  ExactItem,
  ExactJournal,
  ExactPaymentCondition,
  ExactProject,
  ExactPurchaseInvoice,
  ExactPurchaseInvoiceLine,
  ExactSalesInvoice,
  ExactSalesInvoiceLine,
  ExactVATCode,
  ExactWorld
} from "./ExactRecords.ts"
export {
  type DeviationCounts,
  defaultDeviations,
  type ResolvedWorldOptions,
  type WorldOptions,
  WorldOptionsError
} from "./Options.ts"
export {
  type AdditionMissing,
  type AdditionNotInvoiced,
  type AgreementLink,
  type AgreementMissing,
  CANCELLATION_WINDOW,
  type CompanyLink,
  type CurrencyMismatch,
  type CustomerWithoutCompany,
  type Deviation,
  type DeviationKind,
  deviationKinds,
  type ItemLink,
  type LinkEvidence,
  type MalformedLine,
  type MissingBecause,
  type MonthTruth,
  type PairRef,
  type ProductMissing,
  type QuantityOff,
  type UnitCostOff,
  type WorldTruth
} from "./Truth.ts"
export { createWorld, type World } from "./World.ts"
