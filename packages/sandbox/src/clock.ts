/**
 * The one clock both simulations read: rate-limit windows, token and code lifetimes, `_info` stamps,
 * injected latency. A virtual clock makes a simulated day pass in milliseconds; the system clock is
 * for the demo server.
 *
 * It has the shape `@psa-ledger/exact-client` accepts as its `clock` (and `now`/`sleep` are what the
 * ConnectWise client's `sleep` option needs), so one virtual clock can drive a client and the sandbox.
 *
 * @since 0.1.0
 */

/**
 * Time as epoch milliseconds, and a way to wait (which an `AbortSignal` can cut short).
 *
 * @since 0.1.0
 */
export interface SandboxClock {
  now(): number
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

/**
 * A virtual clock: `sleep` does not wait for real time, the clock jumps instead.
 *
 * @since 0.1.0
 */
export interface VirtualClock extends SandboxClock {
  /** Moves time forward by `ms` (waking sleepers whose time has come on the next turns). */
  advance(ms: number): void
  /** How many sleepers are waiting. */
  readonly pending: number
}

/**
 * The wall clock: `Date.now()` and real timers.
 *
 * @since 0.1.0
 */
export const systemClock: SandboxClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason)
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort)
        resolve()
      }, ms)
      const onAbort = () => {
        clearTimeout(timer)
        reject(signal?.reason)
      }
      signal?.addEventListener("abort", onAbort, { once: true })
    })
}

interface Sleeper {
  readonly wakeAt: number
  readonly seq: number
  readonly resolve: () => void
}

/**
 * A virtual clock that advances by itself: when sleepers wait and the event loop has been quiet for
 * a few turns (in-flight in-process requests get to finish first), it jumps to the earliest wake
 * time and wakes that sleeper. Sleepers wake in time order.
 *
 * @example
 * ```ts
 * import { ConnectWiseSimulation, createExactSimulation, virtualClock } from "@psa-ledger/sandbox"
 *
 * const clock = virtualClock(Date.UTC(2026, 0, 5, 8))
 * const exact = createExactSimulation({ clock })
 * const connectwise = new ConnectWiseSimulation({ clock })
 * await clock.sleep(600_000) // returns at once; clock.now() is ten minutes later
 * ```
 *
 * @since 0.1.0
 */
export const virtualClock = (start: number = Date.UTC(2026, 0, 5, 8, 0, 0)): VirtualClock => {
  let now = start
  let seq = 0
  let sleepers: Array<Sleeper> = []
  let scheduled = false
  let quietTurns = 0
  const quietTurnsNeeded = 4

  const pump = () => {
    scheduled = false
    if (sleepers.length === 0) return
    if (quietTurns < quietTurnsNeeded) {
      quietTurns++
      schedule()
      return
    }
    quietTurns = 0
    sleepers.sort((a, b) => a.wakeAt - b.wakeAt || a.seq - b.seq)
    const next = sleepers.shift() as Sleeper
    now = Math.max(now, next.wakeAt)
    next.resolve()
    // Wake everyone else already due at the same instant, in order.
    while (sleepers.length > 0 && (sleepers[0] as Sleeper).wakeAt <= now) (sleepers.shift() as Sleeper).resolve()
    schedule()
  }
  const schedule = () => {
    if (scheduled || sleepers.length === 0) return
    scheduled = true
    setImmediate(pump)
  }

  return {
    now: () => now,
    advance: (ms) => {
      now += ms
      schedule()
    },
    get pending() {
      return sleepers.length
    },
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason)
        const sleeper: Sleeper = {
          wakeAt: now + Math.max(0, ms),
          seq: seq++,
          resolve: () => {
            signal?.removeEventListener("abort", onAbort)
            resolve()
          }
        }
        const onAbort = () => {
          sleepers = sleepers.filter((s) => s !== sleeper)
          reject(signal?.reason)
        }
        signal?.addEventListener("abort", onAbort, { once: true })
        sleepers.push(sleeper)
        quietTurns = 0
        schedule()
      })
  }
}
