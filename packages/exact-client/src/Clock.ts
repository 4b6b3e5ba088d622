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
 * The wall clock. An aborted `sleep` rejects with the signal's reason, or with an `AbortError`
 * carrying it when that reason is not an `Error`.
 *
 * @since 0.1.0
 */
export const systemClock: ExactClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal))
      const onAbort = () => {
        clearTimeout(timer)
        reject(abortError(signal))
      }
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort)
        resolve()
      }, ms)
      signal?.addEventListener("abort", onAbort, { once: true })
    })
}

/**
 * What a sleep cut short rejects with: the signal's reason when it is an `Error` (the default one is
 * an `AbortError` `DOMException`), otherwise an `AbortError` carrying that reason as its `cause`, so
 * that a sleep never rejects with something that is not an `Error`.
 */
const abortError = (signal: AbortSignal | undefined): Error => {
  const reason: unknown = signal?.reason
  if (reason instanceof Error) return reason
  const error = new Error("The sleep was aborted", { cause: reason })
  error.name = "AbortError"
  return error
}
