import { ConnectWiseError } from "@psa-ledger/connectwise-client"
import { ExactError } from "@psa-ledger/exact-client"
import { StorageError } from "@psa-ledger/reconcile-core"
import { Effect } from "effect"
import {
  ConnectWiseFailed,
  ExactFailed,
  StorageFailed,
  type TransferDeps,
  TransferError,
  type TransferFailure,
  Unexpected
} from "./TransferTypes.ts"

/** Splits a list into chunks of at most `size`. */
export const chunks = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** A typed failure for anything a client, a port or our own code threw. */
export const failureOf = (error: unknown): TransferFailure => {
  if (error instanceof TransferError) return error.reason
  if (error instanceof ExactError) return new ExactFailed({ reason: error.reason._tag, message: error.message })
  if (error instanceof ConnectWiseError) {
    return new ConnectWiseFailed({ reason: error.reason._tag, message: error.message })
  }
  if (error instanceof StorageError) return new StorageFailed({ message: error.message })
  return new Unexpected({ message: error instanceof Error ? error.message : String(error) })
}

/** Runs a storage port call as a promise, failing with a `TransferError`. */
export const port = <A>(operation: string, effect: Effect.Effect<A, StorageError>): Promise<A> =>
  Effect.runPromise(effect.pipe(Effect.mapError((error) => new TransferError({ operation, reason: failureOf(error) }))))

/** Wraps a promise-returning step so anything it throws becomes a `TransferError` of `operation`. */
export const step = async <A>(operation: string, run: () => Promise<A>): Promise<A> => {
  try {
    return await run()
  } catch (error) {
    if (error instanceof TransferError) throw error
    throw new TransferError({ operation, reason: failureOf(error) })
  }
}

/** The Effect face of a promise-returning transfer function. */
export const toEffect = <A>(run: () => Promise<A>): Effect.Effect<A, TransferError> =>
  Effect.tryPromise({
    try: run,
    catch: (error) =>
      error instanceof TransferError ? error : new TransferError({ operation: "transfer", reason: failureOf(error) })
  })

export const nowOf = (deps: TransferDeps): Date => deps.now?.() ?? new Date()

/** Exact keeps account codes right-aligned in 18 characters; a `$filter` must match that exactly. */
export const exactAccountCode = (code: string): string => code.trim().padStart(18, " ")
