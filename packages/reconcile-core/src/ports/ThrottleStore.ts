import { Context, Effect, Layer } from "effect"
import type { StorageError } from "./StorageError.ts"

/**
 * A counter's state after a hit: `count` hits in the window that started at `windowStart` (epoch ms).
 *
 * @since 0.1.0
 */
export interface ThrottleCount {
  readonly count: number
  readonly windowStart: number
}

/**
 * Fixed-window counters shared by every process (sign-in attempts per account and per address).
 *
 * @example
 * ```ts
 * import { ThrottleStore } from "@psa-ledger/reconcile-core"
 *
 * const tries = ThrottleStore.use((t) => t.hit("signin:user:ann", { now: Date.now(), windowMs: 900_000 }))
 * ```
 *
 * @since 0.1.0
 */
export class ThrottleStore extends Context.Service<
  ThrottleStore,
  {
    /** Counts one hit; a window older than `windowMs` at `now` starts over at 1. */
    hit(
      key: string,
      options: { readonly now: number; readonly windowMs: number }
    ): Effect.Effect<ThrottleCount, StorageError>
    /** The current count without counting (0 when the window has passed). */
    peek(
      key: string,
      options: { readonly now: number; readonly windowMs: number }
    ): Effect.Effect<ThrottleCount, StorageError>
    /** Forgets a counter (after a successful sign-in). */
    reset(key: string): Effect.Effect<void, StorageError>
  }
>()("@psa-ledger/reconcile-core/ThrottleStore") {
  /** A store held in memory, for tests and single-process scripts. */
  static readonly layerMemory: Layer.Layer<ThrottleStore> = Layer.sync(ThrottleStore, () => makeMemoryThrottleStore())
}

/**
 * The in-memory `ThrottleStore`.
 *
 * @since 0.1.0
 */
export const makeMemoryThrottleStore = (): ThrottleStore["Service"] => {
  const counters = new Map<string, ThrottleCount>()
  const current = (key: string, now: number, windowMs: number): ThrottleCount => {
    const c = counters.get(key)
    return c === undefined || c.windowStart + windowMs <= now ? { count: 0, windowStart: now } : c
  }
  return ThrottleStore.of({
    hit: (key, { now, windowMs }) =>
      Effect.sync(() => {
        const c = current(key, now, windowMs)
        const next = { count: c.count + 1, windowStart: c.windowStart }
        counters.set(key, next)
        return next
      }),
    peek: (key, { now, windowMs }) => Effect.sync(() => current(key, now, windowMs)),
    reset: (key) =>
      Effect.sync(() => {
        counters.delete(key)
      })
  })
}
