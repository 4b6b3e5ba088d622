import { LinkError, reasonOf } from "../LinkError.ts"
import type { TransferDeps, TransferFailure } from "./TransferTypes.ts"

/** A typed failure for anything a client, a port or our own code threw. */
export const failureOf = (error: unknown, operation = "transfer"): TransferFailure => reasonOf(error, operation)

/** Wraps a promise-returning step so anything it throws becomes a `LinkError` naming `operation`. */
export const step = async <A>(operation: string, run: () => Promise<A>): Promise<A> => {
  try {
    return await run()
  } catch (error) {
    if (error instanceof LinkError) throw error
    throw LinkError.of(failureOf(error, operation))
  }
}

export const nowOf = (deps: TransferDeps): Date => deps.now?.() ?? new Date()

/** Exact keeps account codes right-aligned in 18 characters; a `$filter` must match that exactly. */
export const exactAccountCode = (code: string): string => code.trim().padStart(18, " ")
