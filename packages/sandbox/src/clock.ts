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

import { type Sleeper as BaseSleeper, sleepOn } from "./internal/sleeper.ts"

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
export const wallClock: SandboxClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    return sleepOn(signal, (wake) => ({ wakeAt: Date.now() + Math.max(0, ms), resolve: wake }), {
      add: (sleeper) => {
        timer = setTimeout(sleeper.resolve, Math.max(0, ms))
      },
      remove: () => clearTimeout(timer)
    })
  }
}

/**
 * Where a scaled clock starts, and how fast it runs.
 *
 * @since 0.1.0
 */
export interface ScaledClockOptions {
  /** Simulated epoch milliseconds at `realStart`. */
  readonly start: number
  /** Real epoch milliseconds (`Date.now()`) at which simulated time was `start`. Default: now. */
  readonly realStart?: number
  /** Simulated milliseconds per real millisecond, e.g. `2000`. Must be positive. */
  readonly factor: number
}

/**
 * A scaled clock: simulated time runs `factor` times faster than the wall clock, and `sleep` waits
 * the matching fraction of real time. It is derived from `Date.now()` alone, so processes given the
 * same `start`, `realStart` and `factor` read the same time: a simulation in one process and clients
 * in others can share it, where a {@link VirtualClock} lives in one process only.
 *
 * Time moves in steps of `factor` ms (`Date.now()` has millisecond resolution), and every real stall
 * is magnified: 5 ms of garbage collection at a factor of 2,000 is 10 simulated seconds.
 *
 * @example
 * ```ts
 * import { createExactSimulation, scaledClock } from "@psa-ledger/sandbox"
 *
 * // A simulated hour every 1.8 real seconds; pass start, realStart and factor to child processes.
 * const clock = scaledClock({ start: Date.UTC(2026, 0, 5, 8), realStart: Date.now(), factor: 2000 })
 * const exact = createExactSimulation({ clock })
 * ```
 *
 * @since 0.1.0
 */
export const scaledClock = (options: ScaledClockOptions): SandboxClock => {
  const { start, factor } = options
  if (!(factor > 0) || !Number.isFinite(factor)) {
    throw new RangeError(`scaledClock: factor must be a positive finite number, got ${factor}`)
  }
  const realStart = options.realStart ?? Date.now()
  const now = () => start + (Date.now() - realStart) * factor
  return {
    now,
    sleep: (ms, signal) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      return sleepOn(signal, (wake) => ({ wakeAt: now() + Math.max(0, ms), resolve: wake }), {
        // Re-arm until the simulated time has come, so a sleeper never wakes early on this clock.
        add: (sleeper) => {
          const arm = () => {
            const left = sleeper.wakeAt - now()
            if (left <= 0) sleeper.resolve()
            else timer = setTimeout(arm, Math.ceil(left / factor))
          }
          arm()
        },
        remove: () => clearTimeout(timer)
      })
    }
  }
}

interface Sleeper extends BaseSleeper {
  readonly seq: number
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
      sleepOn(signal, (wake) => ({ wakeAt: now + Math.max(0, ms), seq: seq++, resolve: wake }), {
        add: (sleeper) => {
          sleepers.push(sleeper)
          quietTurns = 0
          schedule()
        },
        remove: (sleeper) => {
          sleepers = sleepers.filter((s) => s !== sleeper)
        }
      })
  }
}
