/**
 * Typed, rate-limit-aware client for the ConnectWise PSA (Manage) REST API.
 *
 * @packageDocumentation
 */

/** The npm name of this package, for diagnostics and user agents. */
export const packageName = "@psa-ledger/connectwise-client" as const
