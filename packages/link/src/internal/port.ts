import type { StorageError } from "@psa-ledger/reconcile-core"
import { Cause, Effect, Exit } from "effect"
import { LinkError, LinkStorageError, toLinkError } from "../LinkError.ts"

/**
 * The one bridge from a storage port's Effect to a promise: resolves with its value, or rejects with
 * a `LinkError` whose `Storage` reason names `operation` and keeps the port's `StorageError` (with its
 * reason) as `cause`. A defect or an interruption rejects as `toLinkError` says, never as a fiber wrapper.
 */
export const runPort = async <A>(operation: string, effect: Effect.Effect<A, StorageError>): Promise<A> => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) return exit.value
  const failure = exit.cause.reasons.find(Cause.isFailReason)
  if (failure !== undefined) {
    const error = failure.error
    throw LinkError.of(new LinkStorageError({ operation, message: error.message, cause: error }))
  }
  throw toLinkError(Cause.squash(exit.cause), operation)
}
