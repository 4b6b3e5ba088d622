/**
 * The clock the client reads for token timing and rate-limit waits; inject a virtual one in tests.
 *
 * Request timeouts use real timers regardless: they bound real I/O.
 *
 * @since 0.1.0
 */

/**
 * Epoch milliseconds, and a way to wait (which an `AbortSignal` can cut short).
 *
 * @since 0.1.0
 */
export interface ExactClock {
  now(): number
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

/**
 * The wall clock.
 *
 * @since 0.1.0
 */
export const systemClock: ExactClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason)
      const onAbort = () => {
        clearTimeout(timer)
        reject(signal?.reason)
      }
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort)
        resolve()
      }, ms)
      signal?.addEventListener("abort", onAbort, { once: true })
    })
}
