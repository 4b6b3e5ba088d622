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
  CwBillingCycle,
  CwBillingTerm,
  CwCatalogItem,
  CwCompany,
  CwCompanyReference,
  CwCurrency,
  CwInvoice,
  CwProductItem,
  CwProductType,
  CwReference,
  CwSubcategory,
  CwTaxCode
} from "./ConnectWiseRecords.ts"
export type {
  DecimalString,
  ExactWorld,
  ExactWorldAccount,
  ExactWorldDivision,
  ExactWorldGLAccount,
  ExactWorldItem,
  ExactWorldJournal,
  ExactWorldPaymentCondition,
  ExactWorldProject,
  ExactWorldPurchaseInvoice,
  ExactWorldPurchaseInvoiceLine,
  ExactWorldSalesInvoice,
  ExactWorldSalesInvoiceLine,
  ExactWorldVATCode
} from "./ExactRecords.ts"
export {
  type DeviationCounts,
  defaultDeviations,
  type ResolvedWorldOptions,
  type WorldOptions,
  WorldOptionsError
} from "./Options.ts"
export {
  type AgreementLink,
  CANCELLATION_WINDOW,
  type CompanyLink,
  type DeviationKind,
  deviationKinds,
  type ItemLink,
  type LinkEvidence,
  type MissingBecause,
  type MonthTruth,
  type PairRef,
  type PlantedAdditionMissing,
  type PlantedAdditionNotInvoiced,
  type PlantedAgreementMissing,
  type PlantedCurrencyMismatch,
  type PlantedCustomerWithoutCompany,
  type PlantedDeviation,
  type PlantedDuplicateAdditions,
  type PlantedMalformedLine,
  type PlantedProductMissing,
  type PlantedQuantityOff,
  type PlantedUnitCostOff,
  type WorldTruth
} from "./Truth.ts"
export { createWorld, type World } from "./World.ts"
