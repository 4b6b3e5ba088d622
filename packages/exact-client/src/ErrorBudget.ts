/**
 * Where the Exact Online client keeps its count of error answers, so that every worker of a
 * division sees one count.
 *
 * Exact blocks an app's access to an endpoint after ten error answers on it within an hour (every
 * 4xx but 429 counts, a 401 included). The client records each such answer here, per scope (the
 * division) and endpoint (the path without ids, keys or query), and refuses to send to an endpoint
 * with `ERROR_BUDGET.limit` errors in the last `ERROR_BUDGET.windowMs`, so the block is never met.
 *
 * Durable budgets (SQLite, PostgreSQL) come with `@psa-ledger/storage-adapters`.
 *
 * @since 0.1.0
 */

/**
 * The budget the client keeps: at most `limit` error answers per endpoint in a rolling `windowMs`;
 * two below Exact's block at ten, a margin for workers that send at the same moment.
 *
 * @since 0.1.0
 */
export const ERROR_BUDGET = { limit: 8, windowMs: 3_600_000 } as const

/**
 * The contract between the Exact Online client and whatever keeps its error count.
 *
 * @example
 * ```ts
 * import { createExactClient, memoryErrorBudget } from "@psa-ledger/exact-client"
 *
 * const exact = createExactClient({ clientId, clientSecret, redirectUri, tokens, errorBudget: memoryErrorBudget() })
 * ```
 *
 * @since 0.1.0
 */
export interface ErrorBudget {
  /** Records one error answer of `endpoint` in `scope` at `at` (epoch milliseconds). */
  record(scope: string, endpoint: string, at: number): Promise<void>
  /** The times of the errors of `endpoint` in `scope` at or after `since`, oldest first. */
  errorsSince(scope: string, endpoint: string, since: number): Promise<ReadonlyArray<number>>
}

/**
 * An `ErrorBudget` held in this process's memory: right for one process, tests and scripts.
 *
 * @example
 * ```ts
 * import { memoryErrorBudget } from "@psa-ledger/exact-client"
 *
 * const budget = memoryErrorBudget()
 * await budget.record("123", "crm/Accounts", Date.now())
 * ```
 *
 * @since 0.1.0
 */
export const memoryErrorBudget = (): ErrorBudget => {
  const errors = new Map<string, Array<number>>()
  const key = (scope: string, endpoint: string) => `${scope}\u0000${endpoint}`
  return {
    record: async (scope, endpoint, at) => {
      const list = errors.get(key(scope, endpoint)) ?? []
      // Older than two windows can never count again.
      const kept = list.filter((time) => time > at - 2 * ERROR_BUDGET.windowMs)
      kept.push(at)
      kept.sort((a, b) => a - b)
      errors.set(key(scope, endpoint), kept)
    },
    errorsSince: async (scope, endpoint, since) => (errors.get(key(scope, endpoint)) ?? []).filter((t) => t >= since)
  }
}

/**
 * When an endpoint with `errors` (times, oldest first) in the window may be sent to again: once
 * enough of them have left the window that fewer than `limit` remain.
 *
 * @since 0.1.0
 */
export const budgetFreesAt = (errors: ReadonlyArray<number>, limit: number = ERROR_BUDGET.limit): number => {
  const leaving = errors[errors.length - limit]
  return leaving === undefined ? 0 : leaving + ERROR_BUDGET.windowMs
}
