/**
 * Spaces requests out once ConnectWise has refused one with 429, at the rate it was accepting.
 *
 * ConnectWise does not publish its rate limit; it answers 429 with `Retry-After` when a tenant
 * goes over it. Retrying each refused request after `Retry-After` keeps every request, but a client
 * that keeps sending at full speed meets the limit again and again, and each refusal idles a
 * request for the whole `Retry-After`: in the bench that is a quarter of the allowed throughput.
 * So after a refusal the client learns the rate the server accepted over the period before it (the
 * requests sent within the last `max(1 s, Retry-After)` that were not refused), sends at slightly
 * less than that, and creeps back up by a small step per accepted request, so a limit that was
 * raised, or a burst of another client that has ended, is found again; a minute without a refusal
 * ends the pacing. A client that never meets a 429 is never paced.
 */
export interface Pacer {
  /** Waits for this request's turn; what `refused` needs to know of it afterwards. */
  readonly turn: (signal: AbortSignal) => Promise<Ticket>
  /** The server refused the request with 429; `retryAfterMs` is what it asked us to wait. */
  readonly refused: (ticket: Ticket, retryAfterMs: number) => void
  /** The server did not refuse the request. */
  readonly accepted: (ticket: Ticket) => void
  /** The current spacing between requests in ms (0 while unpaced). For tests and logs. */
  readonly intervalMs: () => number
}

/** One request as the pacer counts it. */
export interface Ticket {
  readonly at: number
  refused: boolean
}

/** Sent at this share of the learned rate: a little under it, so the next refusal is a while off. */
const MARGIN = 0.97
/** Each accepted request shortens the spacing by this factor: about 5% faster per 50 requests. */
const CREEP = 0.999
/** Accepted requests in the window needed to learn a rate from. */
const MIN_SAMPLE = 4
/** Without a refusal for this long, requests go unpaced again. */
const QUIET_MS = 60_000
/** Requests remembered for learning the rate, at least (a minute at 100 a second). */
const MEMORY = 6_000

export const makePacer = (now: () => number, sleep: (ms: number, signal?: AbortSignal) => Promise<void>): Pacer => {
  let interval = 0
  let nextAt = 0
  // Requests sent at or after this time were paced by the latest estimate: only their refusals
  // say that estimate was too fast (those sent before it were already counted in it).
  let pacedSince = Number.NEGATIVE_INFINITY
  let lastRefusal = Number.NEGATIVE_INFINITY
  const sent: Array<Ticket> = []
  const remember = (at: number): Ticket => {
    const ticket = { at, refused: false }
    sent.push(ticket)
    // Trimmed in batches, so keeping the window costs O(1) a request.
    if (sent.length > 2 * MEMORY) sent.splice(0, sent.length - MEMORY)
    return ticket
  }

  // The server refused a request sent at `at` because it had accepted its limit over the window
  // before: the accepted requests sent in that window are the limit, as the server counted it
  // (each arrives one latency after it is sent).
  const learn = (at: number, windowMs: number): void => {
    lastRefusal = now()
    let acceptedInWindow = 0
    for (let i = sent.length - 1; i >= 0; i--) {
      const ticket = sent[i] as Ticket
      if (ticket.at >= at) continue
      if (ticket.at <= at - windowMs) break
      if (!ticket.refused) acceptedInWindow++
    }
    // Too few to tell a rate (another client's burst, a cold start): `Retry-After` alone paces.
    if (acceptedInWindow < MIN_SAMPLE) return
    interval = windowMs / (acceptedInWindow * MARGIN)
    pacedSince = lastRefusal
    nextAt = Math.max(nextAt, lastRefusal)
  }

  return {
    turn: async (signal) => {
      const at = now()
      // A quiet spell ends the pacing: the limit that was met may have been someone else's burst.
      if (interval > 0 && at - lastRefusal > QUIET_MS) interval = 0
      if (interval === 0) return remember(at)
      // The slot is taken before waiting, and the wait is one sleep: a caller's clock that does not
      // agree with `now` makes the spacing inexact, never a loop.
      const slot = Math.max(at, nextAt)
      nextAt = slot + interval
      if (slot > at) await sleep(slot - at, signal)
      return remember(slot)
    },
    refused: (ticket, retryAfterMs) => {
      ticket.refused = true
      if (ticket.at < pacedSince) return
      learn(ticket.at, Math.max(1_000, retryAfterMs))
    },
    accepted: () => {
      if (interval > 0) interval *= CREEP
    },
    intervalMs: () => interval
  }
}
