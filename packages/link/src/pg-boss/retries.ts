// How often a failed run is tried again, per job. A transfer that failed on a ConnectWise outage is
// worth another go an hour later; a keep-alive that failed should be retried soon, or the token chain
// dies; an apply is retried less, since a person may want to look first.

/**
 * Retries after a failed attempt: `limit` more tries, the first `delaySeconds` later, doubling up to `maxDelaySeconds`.
 *
 * @since 0.1.0
 */
export interface Retry {
  readonly limit: number
  readonly delaySeconds: number
  readonly maxDelaySeconds?: number | undefined
}

/**
 * The retry of each job.
 *
 * @since 0.1.0
 */
export type RetryPolicy = (job: string) => Retry

/**
 * The defaults, per job.
 *
 * @since 0.1.0
 */
export const defaultRetries: Readonly<Record<string, Retry>> = {
  "reconciliation.apply": { limit: 2, delaySeconds: 300, maxDelaySeconds: 3_600 },
  "transfer.run": { limit: 3, delaySeconds: 300, maxDelaySeconds: 3_600 },
  "transfer.syncPayments": { limit: 3, delaySeconds: 300, maxDelaySeconds: 3_600 },
  "exact.keepAlive": { limit: 5, delaySeconds: 60, maxDelaySeconds: 1_800 }
}

const fallback: Retry = { limit: 2, delaySeconds: 300, maxDelaySeconds: 3_600 }

/**
 * A policy from overrides per job (and `*` for every job), over the defaults.
 *
 * @since 0.1.0
 */
export const retryPolicy =
  (overrides: Readonly<Record<string, Partial<Retry>>> = {}): RetryPolicy =>
  (job) => ({ ...fallback, ...defaultRetries[job], ...overrides["*"], ...overrides[job] })

/**
 * Parses `--retry JOB=LIMIT[:DELAY_SECONDS]` (JOB may be `*`).
 *
 * @since 0.1.0
 */
export const parseRetry = (text: string): readonly [string, Partial<Retry>] => {
  const match = /^([\w.*]+)=(\d+)(?::(\d+))?$/.exec(text.trim())
  if (match === null) throw new Error(`--retry ${JSON.stringify(text)}: expected JOB=LIMIT or JOB=LIMIT:DELAY_SECONDS`)
  const [, job = "*", limit = "0", delay] = match
  return [job, { limit: Number(limit), ...(delay === undefined ? {} : { delaySeconds: Number(delay) }) }]
}
