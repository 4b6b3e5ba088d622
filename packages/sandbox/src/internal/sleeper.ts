/** A wait on a simulated clock: woken by the clock at `wakeAt`, or cut short by an `AbortSignal`. */
export interface Sleeper {
  readonly wakeAt: number
  readonly resolve: () => void
}

/**
 * The one way this package's clocks put a caller to sleep: `make` builds the clock's sleeper around
 * the wake-up, `add` hands it to the clock, and an abort takes it back through `remove` and rejects
 * with {@link abortError}.
 */
export const sleepOn = <S extends Sleeper>(
  signal: AbortSignal | undefined,
  make: (wake: () => void) => S,
  clock: { readonly add: (sleeper: S) => void; readonly remove: (sleeper: S) => void }
): Promise<void> =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal))
    const onAbort = () => {
      clock.remove(sleeper)
      reject(abortError(signal))
    }
    const sleeper = make(() => {
      signal?.removeEventListener("abort", onAbort)
      resolve()
    })
    signal?.addEventListener("abort", onAbort, { once: true })
    clock.add(sleeper)
  })

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
