/**
 * Settles with `promise`, or rejects with `onAbort()` as soon as `signal` fires, whichever comes
 * first. The promise itself keeps running (a shared lookup may serve other callers); only this
 * caller stops waiting for it.
 */
export const raceAbort = <A>(
  promise: Promise<A>,
  signal: AbortSignal | undefined,
  onAbort: () => Error
): Promise<A> => {
  if (!signal) return promise
  if (signal.aborted) {
    promise.catch(() => undefined)
    return Promise.reject(onAbort())
  }
  return new Promise<A>((resolve, reject) => {
    const abort = () => reject(onAbort())
    signal.addEventListener("abort", abort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener("abort", abort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener("abort", abort)
        reject(error)
      }
    )
  })
}

/** Waits `ms`, ending early (without error) when `signal` fires; the caller checks the signal. */
export const sleepUnlessAborted = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve()
    const done = () => {
      clearTimeout(timer)
      signal?.removeEventListener("abort", done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener("abort", done, { once: true })
  })
