/**
 * Pure reconciliation domain: mapping resolution, deviation diffing and change plans.
 *
 * Every export is named here (grouped by module); anything else is internal and may change.
 *
 * @packageDocumentation
 */

/**
 * The npm name of this package, for diagnostics and user agents.
 *
 * @since 0.1.0
 */
export const packageName = "@psa-ledger/reconcile-core" as const

export { type AppliedSnapshot, applyToSnapshot } from "./ApplyToSnapshot.ts"
export { addDays, LocalDate, localDate, Period, parseLocalDate } from "./Calendar.ts"
export {
  AddAddition,
  CancelAddition,
  ChangePlan,
  CreateAgreement,
  Created,
  CreateProduct,
  CurrencyImpact,
  Existing,
  PlanOperation,
  PlanSummary,
  RememberMapping,
  SkippedRow,
  summary,
  TargetRef,
  toMapping,
  UpdateAdditionQuantity,
  UpdateAdditionUnitCost,
  UpdateAdditionUnitPrice
} from "./ChangePlan.ts"
export { CurrencyCode } from "./CurrencyCode.ts"
export { type BulkDecisionOptions, decideAll } from "./DecideAll.ts"
export { Decimal, dec, parseDecimal } from "./Decimal.ts"
export { CreateTarget, Decisions, RowDecision, TargetChoice, UseTarget } from "./Decisions.ts"
export {
  AdditionMissing,
  AdditionNotInvoiced,
  CurrencyMismatch,
  Deviation,
  DuplicateAdditions,
  InvalidLine,
  LinesDisagree,
  NeedsAgreement,
  NeedsCustomer,
  NeedsProduct,
  Notice,
  needsPerson,
  QuantityDiffers,
  UnitCostDiffers,
  UnitPriceDiffers,
  Unreadable
} from "./Deviation.ts"
export { type DiffOptions, diff, pricesDiffer } from "./Diff.ts"
export {
  Exclusion,
  type ExclusionIndex,
  ExclusionKind,
  type ExclusionRef,
  excludedLines,
  excludedRows,
  exclusionId,
  exclusionIndex
} from "./Exclusion.ts"
export { attachPdfKey, salesEntryCreateKey, salesInvoiceCreateKey, salesInvoiceProcessKey } from "./IdempotencyKeys.ts"
export {
  InvoiceCustomer,
  InvoiceLine,
  type InvoiceLineInput,
  InvoiceProduct,
  LineIssue,
  makeInvoiceLine
} from "./InvoiceLine.ts"
export { entryNumberOf } from "./internal/transfer/entry.ts"
export { ChangeKind, LinkSettings, NewAgreementSettings, NewProductSettings, TransferSettings } from "./LinkSettings.ts"
export { Mapping, MappingKind, MappingMethod, type MappingRef, mappingId } from "./Mapping.ts"
export { effectiveDateOf, type PlanInput, pendingMappings, plan, planConfirmed } from "./Plan.ts"
export { planInvoiceTransfer } from "./PlanInvoiceTransfer.ts"
export {
  AgreementStatus,
  BillCustomer,
  isAdditionActive,
  isAgreementActive,
  PsaAddition,
  PsaAgreement,
  PsaCompany,
  PsaProduct,
  PsaSnapshot,
  UnreadableRecord
} from "./PsaSnapshot.ts"
export {
  ApprovalEntry,
  ApprovalStore,
  AuditEntry,
  AuditStore,
  ConfigRecord,
  ConfigStore,
  type ConsumedOAuthState,
  checkExclusionRef,
  checkField,
  checkOwner,
  checkSecretName,
  claimExpired,
  DEFAULT_CLAIM_LEASE_MS,
  DeploymentOwner,
  DraftRecord,
  DraftStore,
  decodeFromStorage,
  ExclusionStore,
  encodeApproval,
  encodeDraft,
  encodeForStorage,
  encodeRunEvent,
  encodeSession,
  encodeUser,
  guardLinkIds,
  type JournalClaim,
  JournalEntry,
  JournalStatus,
  LinkId,
  LinkRecord,
  LinkStore,
  LOG_PAGE_LIMIT,
  LogEntry,
  LogLevel,
  MappingStore,
  makeMemoryApprovalStore,
  makeMemoryAuditStore,
  makeMemoryConfigStore,
  makeMemoryDraftStore,
  makeMemoryExclusionStore,
  makeMemoryLinkStore,
  makeMemoryMappingStore,
  makeMemoryOAuthStateStore,
  makeMemoryPlanJournal,
  makeMemoryRunEventStore,
  makeMemoryRunLeases,
  makeMemoryRunPlans,
  makeMemoryRunStore,
  makeMemorySecretStore,
  makeMemorySessionStore,
  makeMemoryThrottleStore,
  makeMemoryTransferLedger,
  makeMemoryUserStore,
  mergeRunUpdate,
  NewLogEntry,
  OAuthState,
  OAuthStateStore,
  PlanJournal,
  RUN_EVENT_PAGE_LIMIT,
  Run,
  RunEvent,
  RunEventStore,
  type RunLeaseClaim,
  type RunLeaseHolder,
  RunLeases,
  RunMail,
  RunPlans,
  RunStatus,
  RunStore,
  RunTrigger,
  type RunUpdate,
  renderLog,
  SecretInfo,
  SecretStore,
  SessionRecord,
  SessionStore,
  StorageConflictError,
  StorageCorruptError,
  StorageError,
  StorageErrorReason,
  StorageInvalidInputError,
  StorageLimits,
  StorageUnavailableError,
  StoredPlan,
  StoredPlanStatus,
  scopedByLink,
  type ThrottleCount,
  ThrottleStore,
  TransferKind,
  TransferLedger,
  TransferRecord,
  TransferStatus,
  UserRecord,
  UserRole,
  UserStore,
  validateLinkId
} from "./ports/index.ts"
export { ReconciliationRow, ReconciliationSummary, summarizeRows } from "./ReconciliationRow.ts"
export {
  Ambiguous,
  Candidate,
  linkedId,
  Mapped,
  Matched,
  Missing,
  Resolution,
  Suggested,
  Unmapped
} from "./Resolution.ts"
export { resolve, rowKeyOf } from "./Resolve.ts"
export {
  AttachPdf,
  Blocked,
  CreateAccount,
  CreateSalesEntry,
  CreateSalesInvoice,
  ExactAccount,
  ExactGLAccount,
  ExactItem,
  ExactPaymentCondition,
  ExactSalesEntryRef,
  ExactSalesInvoiceRef,
  ExactVatCode,
  ExistingAccount,
  ExistingSalesInvoice,
  ProcessSalesInvoice,
  PsaBillingTerms,
  SalesEntryLine,
  SalesInvoiceLine,
  Skip,
  TransferCompany,
  TransferInvoice,
  TransferInvoiceLine,
  TransferOperation,
  TransferPlan,
  TransferSnapshot
} from "./Transfer.ts"
