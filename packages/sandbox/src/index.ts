/**
 * Faithful, stateful simulations of the ConnectWise PSA and Exact Online APIs.
 *
 * @packageDocumentation
 */

/** The npm name of this package, for diagnostics and user agents. */
export const packageName = "@psa-ledger/sandbox" as const
export * from "./world/index.ts"
