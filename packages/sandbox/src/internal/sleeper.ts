/** A wait on a simulated clock: woken by the clock at `wakeAt`, or cut short by an `AbortSignal`. */
export interface Sleeper {
  readonly wakeAt: number
  readonly resolve: () => void
}

/**
 * The one way this package's clocks put a caller to sleep: `make` builds the clock's sleeper around
 * the wake-up, `add` hands it to the clock, and an abort takes it back through `remove` and rejects
 * with the signal's reason.
 */
export const sleepOn = <S extends Sleeper>(
  signal: AbortSignal | undefined,
  make: (wake: () => void) => S,
  clock: { readonly add: (sleeper: S) => void; readonly remove: (sleeper: S) => void }
): Promise<void> =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const onAbort = () => {
      clock.remove(sleeper)
      reject(signal?.reason)
    }
    const sleeper = make(() => {
      signal?.removeEventListener("abort", onAbort)
      resolve()
    })
    signal?.addEventListener("abort", onAbort, { once: true })
    clock.add(sleeper)
  })
