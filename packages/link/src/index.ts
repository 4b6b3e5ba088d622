/**
 * psa-ledger orchestration: reconciliation runs, invoice transfer, logs, mail and schedules.
 *
 * @packageDocumentation
 */

/** The npm name of this package, for diagnostics and user agents. */
export const packageName = "@psa-ledger/link" as const

export * from "./Link.ts"
export * from "./LinkError.ts"
export * from "./Mail.ts"
export * from "./Progress.ts"
export * from "./Redact.ts"
export * from "./Run.ts"
export * from "./Runs.ts"
export * from "./reconciliation/index.ts"
export type { Overlap, SchedulableLink, ScheduledRunOptions, SchedulerEvent } from "./Scheduling.ts"
export * from "./transfer/index.ts"
