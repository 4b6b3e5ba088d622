import type { ExactClock } from "../Clock.ts"
import { ExactAbortedError, ExactError } from "../ExactError.ts"

/** Where a call was when it was aborted, for the error. */
export interface CallSite {
  readonly method?: string | undefined
  readonly endpoint?: string | undefined
}

/** The error an aborted call rejects with. */
export const abortedError = (site: CallSite = {}): ExactError =>
  new ExactError({
    reason: new ExactAbortedError({ message: "The call was aborted by its caller" }),
    ...(site.method === undefined ? {} : { method: site.method }),
    ...(site.endpoint === undefined ? {} : { endpoint: site.endpoint })
  })

/** Throws the aborted error when `signal` has fired. */
export const throwIfAborted = (signal: AbortSignal | undefined, site?: CallSite): void => {
  if (signal?.aborted) throw abortedError(site)
}

/**
 * Settles with `promise`, or rejects as soon as `signal` fires. The work behind `promise` goes on: this
 * is for work that must not be cut short (a token refresh whose answer rotates the chain).
 */
export const untilAborted = <A>(promise: Promise<A>, signal: AbortSignal | undefined, site?: CallSite): Promise<A> => {
  if (!signal) return promise
  if (signal.aborted) {
    promise.catch(() => {})
    return Promise.reject(abortedError(site))
  }
  return new Promise<A>((resolve, reject) => {
    const onAbort = () => reject(abortedError(site))
    signal.addEventListener("abort", onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort)
        reject(error)
      }
    )
  })
}

/** The clock's sleep, cut short by `signal` (even on a clock that ignores signals). */
export const sleep = async (
  clock: ExactClock,
  ms: number,
  signal: AbortSignal | undefined,
  site?: CallSite
): Promise<void> => {
  throwIfAborted(signal, site)
  const timer = clock.sleep(ms, signal).catch((error: unknown) => {
    if (signal?.aborted) return
    throw error
  })
  await untilAborted(timer, signal, site)
}
