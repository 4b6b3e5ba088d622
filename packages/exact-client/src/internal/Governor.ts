import type { ExactClock } from "../Clock.ts"
import { ExactDailyLimitExhaustedError, ExactError } from "../ExactError.ts"
import { sleep } from "./Abort.ts"

interface Budget {
  minuteRemaining: number | undefined
  minuteReset: number | undefined
  dayRemaining: number | undefined
  dayReset: number | undefined
  inFlight: number
}

/** Extra wait after a reset, for clock skew between us and Exact. */
const resetMargin = 500

const header = (headers: Headers, name: string): number | undefined => {
  const value = headers.get(name)
  if (value === null || !/^\d+$/.test(value.trim())) return undefined
  return Number(value)
}

/**
 * Keeps one client within a division's budgets, learnt from `X-RateLimit-*` on every answer.
 * While a minute's remaining calls are unknown only one request probes; once known, at most that
 * many are in flight; when spent, callers wait for the reset instead of sending.
 */
export class Governor {
  readonly #budgets = new Map<string, Budget>()
  readonly #clock: ExactClock
  readonly #onWait: (ms: number, key: string) => void

  constructor(clock: ExactClock, onWait: (ms: number, key: string) => void) {
    this.#clock = clock
    this.#onWait = onWait
  }

  #budget(key: string): Budget {
    let budget = this.#budgets.get(key)
    if (!budget) {
      budget = {
        minuteRemaining: undefined,
        minuteReset: undefined,
        dayRemaining: undefined,
        dayReset: undefined,
        inFlight: 0
      }
      this.#budgets.set(key, budget)
    }
    return budget
  }

  /** Waits until a call may be sent (or `signal` fires); fails fast when the day is spent. */
  async acquire(key: string, method: string, endpoint: string, signal?: AbortSignal): Promise<void> {
    const budget = this.#budget(key)
    for (;;) {
      const now = this.#clock.now()
      if (budget.dayReset !== undefined && now >= budget.dayReset) {
        budget.dayRemaining = undefined
        budget.dayReset = undefined
      }
      if (budget.dayRemaining !== undefined && budget.dayReset !== undefined && budget.dayRemaining <= 0) {
        throw new ExactError({
          reason: new ExactDailyLimitExhaustedError({ resetAt: budget.dayReset }),
          method,
          endpoint
        })
      }
      if (budget.minuteReset !== undefined && now >= budget.minuteReset + resetMargin) {
        budget.minuteRemaining = undefined
        budget.minuteReset = undefined
      }
      const maysend = budget.minuteRemaining === undefined ? budget.inFlight === 0 : budget.minuteRemaining > 0
      if (maysend) {
        budget.inFlight++
        if (budget.minuteRemaining !== undefined) budget.minuteRemaining--
        return
      }
      if (budget.minuteRemaining !== undefined && budget.minuteRemaining <= 0 && budget.minuteReset !== undefined) {
        const wait = Math.max(0, budget.minuteReset + resetMargin - now)
        this.#onWait(wait, key)
        await sleep(this.#clock, wait, signal, { method, endpoint })
      } else {
        // Another request is probing or in flight: wait a moment for its headers.
        await sleep(this.#clock, 10, signal, { method, endpoint })
      }
    }
  }

  /** Records an answer's headers and frees the slot. */
  release(key: string, headers: Headers | undefined): void {
    const budget = this.#budget(key)
    budget.inFlight = Math.max(0, budget.inFlight - 1)
    if (!headers) return
    const minuteRemaining = header(headers, "X-RateLimit-Minutely-Remaining")
    const minuteReset = header(headers, "X-RateLimit-Minutely-Reset")
    if (minuteRemaining !== undefined && minuteReset !== undefined) {
      if (budget.minuteReset === undefined || minuteReset >= budget.minuteReset) {
        // Answers of calls still in flight will lower it further; count those as spent already.
        const fresher = minuteReset !== budget.minuteReset
        budget.minuteReset = minuteReset
        budget.minuteRemaining = fresher
          ? Math.max(0, minuteRemaining - budget.inFlight)
          : Math.min(budget.minuteRemaining ?? minuteRemaining, Math.max(0, minuteRemaining - budget.inFlight))
      }
    }
    const dayRemaining = header(headers, "X-RateLimit-Remaining")
    const dayReset = header(headers, "X-RateLimit-Reset")
    if (dayRemaining !== undefined && dayReset !== undefined) {
      budget.dayRemaining = dayRemaining
      budget.dayReset = dayReset
    }
  }

  /** After a minutely 429: nothing more this minute. Returns how long to wait. */
  spentMinute(key: string, headers: Headers): number {
    const budget = this.#budget(key)
    const reset = header(headers, "X-RateLimit-Minutely-Reset") ?? this.#clock.now() + 60_000
    budget.minuteRemaining = 0
    budget.minuteReset = reset
    return Math.max(0, reset + resetMargin - this.#clock.now())
  }
}
