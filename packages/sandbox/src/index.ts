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
  systemClock,
  type VirtualClock,
  virtualClock
} from "./clock.ts"
export {
  type ConditionNode,
  type ConditionOperator,
  ConditionsSyntaxError,
  type ConditionValue,
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
  type SandboxCredentials,
  type SandboxFaults,
  type SandboxHandlerOptions,
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
  type AdditionMissing,
  type AdditionNotInvoiced,
  type AgreementLink,
  type AgreementMissing,
  CANCELLATION_WINDOW,
  type CompanyLink,
  type ConnectWiseWorld,
  type CurrencyMismatch,
  type CustomerWithoutCompany,
  type CwAddition,
  type CwAgreement,
  type CwAgreementType,
  type CwBillingTerm,
  type CwCatalogItem,
  type CwCompany,
  type CwCompanyReference,
  type CwCurrency,
  type CwInvoice,
  type CwProductItem,
  type CwReference,
  type CwTaxCode,
  createWorld,
  type DecimalString,
  type Deviation,
  type DeviationCounts,
  type DeviationKind,
  defaultDeviations,
  deviationKinds,
  type ExactAccount,
  type ExactDivision,
  type ExactGLAccount,
  type ExactItem,
  type ExactJournal,
  type ExactPaymentCondition,
  type ExactProject,
  type ExactPurchaseInvoice,
  type ExactPurchaseInvoiceLine,
  type ExactSalesInvoice,
  type ExactSalesInvoiceLine,
  type ExactVATCode,
  type ExactWorld,
  type ItemLink,
  type LinkEvidence,
  type MalformedLine,
  type MissingBecause,
  type MonthTruth,
  type PairRef,
  type ProductMissing,
  type QuantityOff,
  type ResolvedWorldOptions,
  type UnitCostOff,
  type World,
  type WorldOptions,
  WorldOptionsError,
  type WorldTruth
} from "./world/index.ts"
