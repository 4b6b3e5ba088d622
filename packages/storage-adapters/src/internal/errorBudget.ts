import { randomUUID } from "node:crypto"
import { ERROR_BUDGET, type ErrorBudget } from "@psa-ledger/exact-client"
import { type Driver, reasonText } from "./driver.ts"
import { int } from "./sqlRows.ts"

/**
 * The Exact error count over a SQL driver: one row per error answer, so concurrent workers add
 * without a read-modify-write, and rows older than two windows are pruned as new ones arrive.
 */
export const makeSqlErrorBudget = (driver: Driver): ErrorBudget => {
  const E = driver.table("psa_exact_errors")
  const unavailable = (error: unknown) =>
    new Error(`the Exact error budget is unavailable: ${reasonText(driver, error)}`, { cause: error })
  return {
    record: async (scope, endpoint, at) => {
      try {
        await driver.run(`INSERT INTO ${E} (scope, endpoint, at_ms, nonce) VALUES ($1, $2, $3, $4)`, [
          scope,
          endpoint,
          Math.trunc(at),
          randomUUID()
        ])
        await driver.run(`DELETE FROM ${E} WHERE scope = $1 AND endpoint = $2 AND at_ms < $3`, [
          scope,
          endpoint,
          Math.trunc(at - 2 * ERROR_BUDGET.windowMs)
        ])
      } catch (error) {
        throw unavailable(error)
      }
    },
    errorsSince: async (scope, endpoint, since) => {
      try {
        const rows = await driver.all(
          `SELECT at_ms FROM ${E} WHERE scope = $1 AND endpoint = $2 AND at_ms >= $3 ORDER BY at_ms`,
          [scope, endpoint, Math.trunc(since)]
        )
        return rows.map((row) => Number(int(row.at_ms)))
      } catch (error) {
        throw unavailable(error)
      }
    }
  }
}
