// The storage ports: what an adapter implements, the in-memory layers, and the codec helpers every
// adapter validates through so that all of them refuse the same inputs.

export { ApprovalEntry, ApprovalStore, encodeApproval, makeMemoryApprovalStore } from "./ApprovalStore.ts"
export { AuditEntry, AuditStore, makeMemoryAuditStore } from "./AuditStore.ts"
export { ConfigRecord, ConfigStore, makeMemoryConfigStore } from "./ConfigStore.ts"
export { checkField, checkOwner, DeploymentOwner } from "./DeploymentOwner.ts"
export { DraftRecord, DraftStore, encodeDraft, makeMemoryDraftStore } from "./DraftStore.ts"
export { checkExclusionRef, ExclusionStore, makeMemoryExclusionStore } from "./ExclusionStore.ts"
export { guardLinkIds, LinkRecord, LinkStore, makeMemoryLinkStore } from "./LinkStore.ts"
export { MappingStore, makeMemoryMappingStore } from "./MappingStore.ts"
export {
  type ConsumedOAuthState,
  makeMemoryOAuthStateStore,
  OAuthState,
  OAuthStateStore
} from "./OAuthStateStore.ts"
export {
  claimExpired,
  DEFAULT_CLAIM_LEASE_MS,
  type JournalClaim,
  JournalEntry,
  JournalStatus,
  makeMemoryPlanJournal,
  PlanJournal
} from "./PlanJournal.ts"
export {
  encodeRunEvent,
  makeMemoryRunEventStore,
  RUN_EVENT_PAGE_LIMIT,
  RunEvent,
  RunEventStore
} from "./RunEventStore.ts"
export {
  makeMemoryRunLeases,
  type RunLeaseClaim,
  type RunLeaseHolder,
  RunLeases
} from "./RunLease.ts"
export { makeMemoryRunPlans, RunPlans, StoredPlan, StoredPlanStatus } from "./RunPlans.ts"
export {
  LOG_PAGE_LIMIT,
  LogEntry,
  LogLevel,
  makeMemoryRunStore,
  mergeRunUpdate,
  NewLogEntry,
  Run,
  RunMail,
  RunStatus,
  RunStore,
  RunTrigger,
  type RunUpdate,
  renderLog
} from "./RunStore.ts"
export { checkSecretName, makeMemorySecretStore, SecretInfo, SecretStore } from "./SecretStore.ts"
export { encodeSession, makeMemorySessionStore, SessionRecord, SessionStore } from "./SessionStore.ts"
export { decodeFromStorage, encodeForStorage, LinkId, scopedByLink, validateLinkId } from "./StorageCodec.ts"
export {
  StorageConflictError,
  StorageCorruptError,
  StorageError,
  StorageErrorReason,
  StorageInvalidInputError,
  StorageUnavailableError
} from "./StorageError.ts"
export { StorageLimits } from "./StorageLimits.ts"
export { makeMemoryThrottleStore, type ThrottleCount, ThrottleStore } from "./ThrottleStore.ts"
export {
  makeMemoryTransferLedger,
  TransferKind,
  TransferLedger,
  TransferRecord,
  TransferStatus
} from "./TransferLedger.ts"
export { encodeUser, makeMemoryUserStore, UserRecord, UserRole, UserStore } from "./UserStore.ts"
