/**
 * psa-ledger deployments: many links kept as configuration — credentials sealed, Exact Online
 * connected by OAuth, settings, mail and schedules stored — opened on demand as link APIs.
 *
 * @packageDocumentation
 */

/** The npm name of this package, for diagnostics and user agents. */
export const packageName = "@psa-ledger/deployment" as const

export type { SystemCheck } from "./ConnectionTest.ts"
export {
  type ConnectionProblem,
  Deployment,
  type DeploymentApi,
  type DeploymentOptions,
  type DeploymentSchedule,
  type ExactConnected,
  type ExactConnectStart,
  type LinkExport,
  type LinkTestResult,
  type Lookups,
  type OpenLinkOptions,
  openDeployment,
  type SmtpConnection
} from "./Deployment.ts"
export {
  DeploymentError,
  DeploymentErrorReason,
  DeploymentInvalidConfigError,
  DeploymentLinkExistsError,
  DeploymentLinkNotFoundError,
  DeploymentOAuthRefusedError,
  DeploymentReadOnlyError,
  DeploymentStorageError,
  DeploymentUpstreamError,
  DeploymentVersionConflictError,
  DeploymentWrongSecretKeyError
} from "./DeploymentError.ts"
export {
  DEFAULT_SCHEDULING,
  DeploymentSettings,
  DeploymentSettingsInput,
  type DeploymentSettingsView,
  SchedulingMode
} from "./DeploymentSettings.ts"
export {
  ApprovalPolicy,
  ConnectWiseConfig,
  ExactConfig,
  LinkConfig,
  LinkConfigInput,
  type LinkSecretField,
  type LinkView,
  MailConfig,
  ScheduleConfig,
  type SecretState
} from "./LinkConfig.ts"
export type { LookupOption } from "./Lookups.ts"
export type { SearchHit, SearchKind, SearchPage, SearchQuery } from "./Search.ts"
export {
  deriveStorageKey,
  keyFingerprint,
  readSecretKey,
  SECRET_KEY_ENV,
  SECRET_KEY_FILE_ENV,
  type SecretKeyInput
} from "./SecretKey.ts"
