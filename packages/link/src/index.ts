/**
 * psa-ledger orchestration: reconciliation runs, invoice transfer, logs, mail and schedules.
 *
 * The root entry is what a portal, CLI or worker needs: `createLink` and the shapes of its API, the
 * error, the runner and run history, and the invoice-source settings. The transports with heavy
 * dependencies are subpaths: `@psa-ledger/link/smtp`, `/schedule` and `/pg-boss`.
 *
 * @packageDocumentation
 */

/** The npm name of this package, for diagnostics and user agents. */
export const packageName = "@psa-ledger/link" as const

export { DEFAULT_LEASE_MS, leaseProblem, MAX_LEASE_MS, MIN_LEASE_MS } from "./internal/leaseLength.ts"
export {
  type CreateLinkOptions,
  createLink,
  createLinkEffects,
  type DecideAllOptions,
  type DecisionsInput,
  type ExactConnection,
  Link,
  type LinkApi,
  type LinkEffects,
  type LinkLogger,
  type LinkRunOptions,
  type LinkRunResult,
  type LinkStorage,
  type ReconciliationPlan
} from "./Link.ts"
export {
  LinkBusyError,
  LinkCancelledError,
  LinkConnectWiseError,
  LinkDependencyFailedError,
  LinkDoneByAnotherRunError,
  LinkError,
  LinkErrorReason,
  LinkExactError,
  LinkInvalidInputError,
  LinkMailError,
  LinkSourceError,
  LinkStaleError,
  LinkStorageError,
  LinkUnexpectedError,
  LinkUnfinishedRunError
} from "./LinkError.ts"
export type { UnfinishedRunInfo } from "./link/plans.ts"
export { type MailAttachment, type Mailer, type MailMessage, type MailOutcome, noMailer } from "./Mail.ts"
export type { ProgressEvent, ProgressListener, ProgressTracker } from "./Progress.ts"
export { makeRuns, type RunLog, type Runs } from "./RunHistory.ts"
export {
  Jobs,
  makeRunner,
  type RunContext,
  RunIds,
  type RunLogger,
  type Runner,
  type RunRequest,
  type RunResult,
  RunSettings,
  type RunSettingsShape,
  type RunTapEvent,
  runJob
} from "./Runner.ts"
export {
  type ApplyFailure,
  type ApplyReport,
  type ApplySkip,
  CsvColumns,
  type CsvInput,
  CsvSourceSettings,
  type ExcludedLine,
  type InvoiceMonth,
  type InvoiceSource,
  InvoiceSourceSettings,
  type LoadedMonth,
  type NewAgreementData,
  type NewProductData,
  type OnProgress,
  type OperationReport,
  PurchaseCustomerAttribute,
  PurchaseSourceSettings,
  previewCsv,
  type ReconciliationProgress,
  SalesSourceSettings,
  StoredApplyReport,
  StoredOperationReason,
  toStoredApplyReport
} from "./reconciliation/index.ts"
export type { Overlap, SchedulableLink, ScheduledRunOptions, SchedulerEvent } from "./Scheduling.ts"
export type {
  InvoiceTransferOutcome,
  PaymentSyncOutcome,
  PaymentSyncReport,
  TransferFailure,
  TransferProgress,
  TransferRange,
  TransferReport
} from "./transfer/index.ts"
export { StoredTransferReport, toStoredTransferReport } from "./transfer/index.ts"
