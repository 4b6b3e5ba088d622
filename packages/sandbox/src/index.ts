/**
 * Faithful, stateful simulations of the ConnectWise PSA and Exact Online APIs.
 *
 * @packageDocumentation
 */

/**
 * The npm name of this package, for diagnostics and user agents.
 *
 * @since 0.1.0
 */
export const packageName = "@psa-ledger/sandbox" as const

export {
  type SandboxClock,
  type ScaledClockOptions,
  scaledClock,
  type VirtualClock,
  virtualClock,
  wallClock
} from "./clock.ts"
export {
  type ConditionLiteral,
  type ConditionNode,
  type ConditionOperator,
  ConditionsSyntaxError,
  type ConnectWiseCollection,
  type ConnectWiseFaults,
  type ConnectWiseRecord,
  type ConnectWiseRequestCounter,
  type ConnectWiseRequestLogEntry,
  type ConnectWiseSeedOptions,
  type ConnectWiseSeedResult,
  type ConnectWiseServer,
  ConnectWiseSimulation,
  type ConnectWiseSimulationOptions,
  type ConnectWiseStore,
  connectWiseHandlers,
  type FaultMatch,
  parseConditions,
  RawNumber,
  rawNumber,
  seedConnectWise,
  startConnectWiseServer
} from "./connectwise/index.ts"
export {
  createExactSimulation,
  type ExactApp,
  type ExactDivisionSeed,
  type ExactFault,
  type ExactSeedOptions,
  type ExactSeedResult,
  type ExactServer,
  type ExactSimulation,
  type ExactSimulationOptions,
  type ExactSimulationStats,
  exactHandlers,
  exactHosts,
  type SimDocument,
  seedExactDivision,
  startExactServer
} from "./exact/index.ts"
export {
  type LockstepCoordinator,
  type LockstepParticipant,
  type LockstepParticipantOptions,
  type LockstepPort,
  lockstepCoordinator,
  lockstepParticipant
} from "./lockstep.ts"
export {
  type ConnectWiseCredentials,
  createSandbox,
  demoCredentials,
  type ExactCredentials,
  exactDivisionOf,
  type FaultEvent,
  type FaultKind,
  type FaultRule,
  loadConnectWiseWorld,
  loadExactWorld,
  type Sandbox,
  type SandboxConsent,
  type SandboxCredentials,
  type SandboxFaults,
  type SandboxHandlerOptions,
  type SandboxLinkConfig,
  type SandboxLinkConfigWith,
  type SandboxLinkSettings,
  type SandboxOptions,
  type SandboxServer,
  type SandboxServerOptions,
  type SandboxSystem,
  type SandboxUrls,
  sandboxHandlers,
  sandboxOrigin,
  startSandboxServer
} from "./sandbox/index.ts"
export {
  type AgreementLink,
  CANCELLATION_WINDOW,
  type CompanyLink,
  type ConnectWiseWorld,
  type CwAddition,
  type CwAgreement,
  type CwAgreementType,
  type CwBillingCycle,
  type CwBillingTerm,
  type CwCatalogItem,
  type CwCompany,
  type CwCompanyReference,
  type CwCurrency,
  type CwInvoice,
  type CwProductItem,
  type CwProductType,
  type CwReference,
  type CwSubcategory,
  type CwTaxCode,
  createWorld,
  type DecimalString,
  type DeviationCounts,
  type DeviationKind,
  defaultDeviations,
  deviationKinds,
  type ExactWorld,
  type ExactWorldAccount,
  type ExactWorldDivision,
  type ExactWorldGLAccount,
  type ExactWorldItem,
  type ExactWorldJournal,
  type ExactWorldPaymentCondition,
  type ExactWorldProject,
  type ExactWorldPurchaseInvoice,
  type ExactWorldPurchaseInvoiceLine,
  type ExactWorldSalesInvoice,
  type ExactWorldSalesInvoiceLine,
  type ExactWorldVATCode,
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
  type ResolvedWorldOptions,
  type World,
  type WorldOptions,
  WorldOptionsError,
  type WorldTruth
} from "./world/index.ts"
