/**
 * The pipeline's guard over the `ErrorBudget`: refuses to send to an endpoint whose budget is spent,
 * counts error answers, and holds each request in flight as a possible error, so that concurrent
 * requests of this client to one endpoint can never together pass the limit.
 */
import { budgetFreesAt, ERROR_BUDGET, type ErrorBudget } from "../ErrorBudget.ts"
import { ExactError, ExactErrorBudgetExhaustedError, ExactTransportError } from "../ExactError.ts"
import type { Log, Secrets } from "./Redaction.ts"

/** What the guard needs from the client. */
export interface BudgetDeps {
  readonly errorBudget: ErrorBudget
  readonly now: () => number
  readonly secrets: Secrets
  readonly log: Log
}

/** One endpoint of one division, as the budget counts it. */
export interface BudgetSite {
  readonly key: string
  readonly method: string
  readonly endpoint: string
}

/** The guard: `admit` before sending (resolves with the release), `count` with the answer's status. */
export interface BudgetGuard {
  admit(site: BudgetSite): Promise<() => void>
  count(site: BudgetSite, status: number): Promise<void>
}

/** Whether an answer counts as an error towards Exact's block: every 4xx but 429. */
export const isCountedError = (status: number): boolean => status >= 400 && status < 500 && status !== 429

export const budgetGuard = (deps: BudgetDeps): BudgetGuard => {
  const inFlight = new Map<string, number>()
  const waiters = new Map<string, Array<() => void>>()
  const slot = (site: BudgetSite) => `${site.key}\u0000${site.endpoint}`
  const message = (cause: unknown) => deps.secrets.redact(cause instanceof Error ? cause.message : String(cause))
  const release = (id: string) => () => {
    inFlight.set(id, (inFlight.get(id) ?? 1) - 1)
    for (const wake of waiters.get(id)?.splice(0) ?? []) wake()
  }
  return {
    admit: async (site) => {
      const id = slot(site)
      for (;;) {
        let errors: ReadonlyArray<number>
        try {
          errors = await deps.errorBudget.errorsSince(site.key, site.endpoint, deps.now() - ERROR_BUDGET.windowMs + 1)
        } catch (cause) {
          throw new ExactError({
            reason: new ExactTransportError({ message: `the error budget is unavailable: ${message(cause)}` }),
            method: site.method,
            endpoint: site.endpoint
          })
        }
        if (errors.length >= ERROR_BUDGET.limit) {
          const freesAt = budgetFreesAt(errors)
          deps.log("warn", "exact: the endpoint's error budget is spent; not sending", {
            endpoint: site.endpoint,
            errors: errors.length,
            freesAt: new Date(freesAt).toISOString()
          })
          throw new ExactError({
            reason: new ExactErrorBudgetExhaustedError({ endpoint: site.endpoint, errors: errors.length, freesAt }),
            method: site.method,
            endpoint: site.endpoint
          })
        }
        const busy = inFlight.get(id) ?? 0
        if (errors.length + busy < ERROR_BUDGET.limit) {
          inFlight.set(id, busy + 1)
          return release(id)
        }
        // Every request in flight may come back an error: wait for one to settle, then look again.
        await new Promise<void>((resolve) => {
          const list = waiters.get(id) ?? []
          list.push(resolve)
          waiters.set(id, list)
        })
      }
    },
    count: async (site, status) => {
      if (!isCountedError(status)) return
      try {
        await deps.errorBudget.record(site.key, site.endpoint, deps.now())
      } catch (cause) {
        deps.log("warn", "exact: an error answer could not be counted", {
          endpoint: site.endpoint,
          error: message(cause)
        })
      }
    }
  }
}
