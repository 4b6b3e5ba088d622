/**
 * Exact Online REST client with safe OAuth token rotation and a rate-limit governor.
 *
 * @packageDocumentation
 */

/** The npm name of this package, for diagnostics and user agents. */
export const packageName = "@psa-ledger/exact-client" as const

export { memoryTokenStore, type TokenSet, type TokenStore } from "./TokenStore.ts"
