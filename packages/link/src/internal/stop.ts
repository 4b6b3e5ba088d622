import { Effect } from "effect"
import { LinkCancelledError, LinkError } from "../LinkError.ts"

/**
 * `effect`, or a `Cancelled` failure as soon as a person cancels the run (`stop` fires): the step
 * is interrupted, so its request in flight is aborted, while the run goes on to report what it did
 * and mark what it did not start. A step cut off mid-write is settled by the next run, as a killed
 * run's is.
 */
export const orStopped = <A, E, R>(
  stop: AbortSignal | undefined,
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E | LinkError, R> =>
  stop === undefined
    ? effect
    : Effect.raceFirst(
        effect,
        Effect.callback<never, LinkError>((resume) => {
          const fire = () =>
            resume(Effect.fail(LinkError.of(new LinkCancelledError({ message: "the run was cancelled" }))))
          if (stop.aborted) fire()
          else stop.addEventListener("abort", fire, { once: true })
          return Effect.sync(() => stop.removeEventListener("abort", fire))
        })
      )
