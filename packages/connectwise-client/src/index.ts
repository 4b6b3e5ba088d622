/**
 * Typed, rate-limit-aware client for the ConnectWise PSA (Manage) REST API.
 *
 * @packageDocumentation
 */

/**
 * The npm name of this package, for diagnostics and user agents.
 *
 * @since 0.1.0
 */
export const packageName = "@psa-ledger/connectwise-client" as const

export {
  type ConnectWiseClient,
  type ConnectWiseClientOptions,
  type ConnectWiseLogger,
  type ConnectWiseRequestOptions,
  type CountPath,
  createConnectWiseClient,
  type ListPath,
  type ListQuery,
  type RecordOf
} from "./Client.ts"
export {
  ConnectWiseAbortedError,
  ConnectWiseAmbiguousWriteError,
  ConnectWiseDecodeError,
  ConnectWiseError,
  ConnectWiseErrorReason,
  ConnectWiseForbiddenError,
  ConnectWiseNotFoundError,
  ConnectWiseRateLimitedError,
  ConnectWiseServerError,
  ConnectWiseTimeoutError,
  ConnectWiseTransportError,
  ConnectWiseUnauthorizedError,
  ConnectWiseValidationError,
  ValidationIssue
} from "./ConnectWiseError.ts"
export { type Condition, type ConditionValue, conditions, quote } from "./conditions.ts"
// The types openapi-typescript generates from openapi/connectwise.openapi.json (@since 0.1.0).
export type { components, operations, paths } from "./generated/connectwise.ts"
export { type PatchOperation, type PatchValue, patch } from "./patch.ts"
export {
  Addition,
  Agreement,
  CatalogItem,
  Company,
  ConnectWiseDecimal,
  CurrencyReference,
  Invoice,
  InvoiceProductLine,
  InvoiceReference,
  type RecordPath,
  Reference,
  recordSchemas
} from "./Records.ts"
