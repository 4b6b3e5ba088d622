/**
 * psa-ledger orchestration: reconciliation runs, invoice transfer, logs, mail and schedules.
 *
 * @packageDocumentation
 */

/** The npm name of this package, for diagnostics and user agents. */
export const packageName = "@psa-ledger/link" as const

export * from "./LinkError.ts"
export * from "./Mail.ts"
export * from "./PgBossScheduler.ts"
export * from "./Progress.ts"
export { isSecretKey, type Json, REDACTED, redactFields } from "./Redact.ts"
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
} from "./Run.ts"
export * from "./Runs.ts"
export * from "./reconciliation/index.ts"
export * from "./Schedule.ts"
export * from "./transfer/index.ts"
