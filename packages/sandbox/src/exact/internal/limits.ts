/**
 * Exact's rate limits: a minutely and a daily budget per division, reported in headers on every answer.
 */

import { odataError } from "./responses.ts"
import { type Division, minute, nextUtcMidnight, type SimState } from "./state.ts"

export const rateHeaders = (
  sim: SimState,
  division: Division,
  which: "both" | "minutely" = "both"
): Record<string, string> => {
  const minutely = {
    "X-RateLimit-Minutely-Limit": String(sim.minutelyLimit),
    "X-RateLimit-Minutely-Remaining": String(Math.max(0, sim.minutelyLimit - division.minute.count)),
    "X-RateLimit-Minutely-Reset": String(division.minute.resetAt)
  }
  if (which === "minutely") return minutely
  return {
    "X-RateLimit-Limit": String(sim.dailyLimit),
    "X-RateLimit-Remaining": String(Math.max(0, sim.dailyLimit - division.day.count)),
    "X-RateLimit-Reset": String(division.day.resetAt),
    ...minutely
  }
}

/** Spends one call of the division's budgets, or answers the 429 Exact would. */
export const spend = (sim: SimState, division: Division): Response | undefined => {
  const now = sim.clock.now()
  if (now >= division.day.resetAt) division.day = { count: 0, resetAt: nextUtcMidnight(now) }
  if (now >= division.minute.resetAt) division.minute = { count: 0, resetAt: now + minute }
  if (division.day.count >= sim.dailyLimit) {
    sim.stats.rateLimited++
    return odataError(
      429,
      "API limit exceeded: the daily limit for this division has been reached.",
      rateHeaders(sim, division)
    )
  }
  if (division.minute.count >= sim.minutelyLimit) {
    sim.stats.rateLimited++
    // On a minutely 429 Exact sends only the minutely headers.
    return odataError(429, "API limit exceeded: too many calls in this minute.", rateHeaders(sim, division, "minutely"))
  }
  division.minute.count++
  division.day.count++
  return undefined
}
