import { Cause, Effect, Exit } from "effect"

/** Runs a port's Effect as a promise that rejects with the typed error itself (not a fiber wrapper). */
export const run = async <A, E>(effect: Effect.Effect<A, E>): Promise<A> => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) return exit.value
  throw Cause.squash(exit.cause)
}
