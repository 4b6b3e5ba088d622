/**
 * Exact Online REST client with safe OAuth token rotation and a rate-limit governor.
 *
 * @packageDocumentation
 */

/**
 * The npm name of this package, for diagnostics and user agents.
 *
 * @since 0.1.0
 */
export const packageName = "@psa-ledger/exact-client" as const

export { type ExactClock, systemClock } from "./Clock.ts"
export { budgetFreesAt, ERROR_BUDGET, type ErrorBudget, memoryErrorBudget } from "./ErrorBudget.ts"
export {
  type CreatedSalesEntry,
  type CreatedSalesInvoice,
  createExactClient,
  type DecimalInput,
  type DocumentDraft,
  type ExactAuth,
  type ExactClient,
  type ExactClientOptions,
  type ExactLogger,
  type ExactRegion,
  type ExactRequestOptions,
  exactRegionHosts,
  type ListOptions,
  type ProcessedSalesInvoice,
  type SalesEntryDraft,
  type SalesEntryLineDraft,
  type SalesInvoiceDraft,
  type SalesInvoiceLineDraft
} from "./ExactClient.ts"
export {
  ExactAbortedError,
  ExactDailyLimitExhaustedError,
  ExactDecodeError,
  ExactError,
  ExactErrorBudgetExhaustedError,
  ExactErrorReason,
  ExactForbiddenError,
  ExactNotFoundError,
  ExactRateLimitedError,
  ExactServerError,
  ExactTimeoutError,
  ExactTokenChainBrokenError,
  ExactTransportError,
  ExactUnauthorizedError,
  ExactValidationError
} from "./ExactError.ts"
/**
 * The generated OpenAPI types of the endpoints the client knows, for typing `api` calls.
 *
 * @since 0.1.0
 */
export type { components as ExactOpenApiComponents, paths as ExactOpenApiPaths } from "./generated/exact.ts"
export {
  type DecimalLiteral,
  type Filter,
  type FilterValue,
  type GuidLiteral,
  isGuid,
  literal,
  odata,
  parseExactDate,
  parseExactJson,
  plainRecord,
  toExactJson
} from "./OData.ts"
export {
  Account,
  Division,
  ExactDate,
  ExactDecimal,
  GLAccount,
  Guid,
  Item,
  Me,
  PaymentCondition,
  PurchaseInvoice,
  PurchaseInvoiceLine,
  Receivable,
  SalesEntry,
  SalesInvoice,
  SalesInvoiceLine,
  Subscription,
  SubscriptionLine,
  VATCode
} from "./Records.ts"
export { memoryTokenStore, type TokenSet, type TokenStore } from "./TokenStore.ts"
