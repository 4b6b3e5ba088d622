import type { StorageError } from "@psa-ledger/reconcile-core"
import { Effect } from "effect"
import { LinkError, reasonOf, Storage } from "../LinkError.ts"
import type { TransferDeps, TransferFailure } from "./TransferTypes.ts"

/** Splits a list into chunks of at most `size`. */
export const chunks = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** A typed failure for anything a client, a port or our own code threw. */
export const failureOf = (error: unknown, operation = "transfer"): TransferFailure => reasonOf(error, operation)

/** Runs a storage port call as a promise, failing with a `LinkError` (`Storage`, naming `operation`). */
export const port = <A>(operation: string, effect: Effect.Effect<A, StorageError>): Promise<A> =>
  Effect.runPromise(
    effect.pipe(Effect.mapError((error) => LinkError.of(new Storage({ operation, message: error.message }))))
  )

/** Wraps a promise-returning step so anything it throws becomes a `LinkError` naming `operation`. */
export const step = async <A>(operation: string, run: () => Promise<A>): Promise<A> => {
  try {
    return await run()
  } catch (error) {
    if (error instanceof LinkError) throw error
    throw LinkError.of(failureOf(error, operation))
  }
}

/** The Effect face of a promise-returning transfer function. */
export const toEffect = <A>(run: () => Promise<A>): Effect.Effect<A, LinkError> =>
  Effect.tryPromise({
    try: run,
    catch: (error) => (error instanceof LinkError ? error : LinkError.of(failureOf(error)))
  })

export const nowOf = (deps: TransferDeps): Date => deps.now?.() ?? new Date()

/** Exact keeps account codes right-aligned in 18 characters; a `$filter` must match that exactly. */
export const exactAccountCode = (code: string): string => code.trim().padStart(18, " ")
