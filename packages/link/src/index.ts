/**
 * psa-ledger orchestration: reconciliation runs, invoice transfer, logs, mail and schedules.
 *
 * @packageDocumentation
 */

/** The npm name of this package, for diagnostics and user agents. */
export const packageName = "@psa-ledger/link" as const
