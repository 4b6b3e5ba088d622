import { Effect } from "effect"
import { LinkError, LinkUnexpectedError, reasonOf, toLinkError } from "../LinkError.ts"
import type { TransferDeps, TransferFailure } from "./TransferTypes.ts"

/** A typed failure for anything a client, a port or our own code failed with. */
export const failureOf = (error: unknown, operation = "transfer"): TransferFailure => reasonOf(error, operation)

/** A failure of our own making (a broken precondition), as the `Unexpected` reason. */
export const unexpected = (message: string): LinkError => LinkError.of(new LinkUnexpectedError({ message }))

export const nowOf = (deps: TransferDeps): Date => deps.now?.() ?? new Date()

/** Exact keeps account codes right-aligned in 18 characters; a `$filter` must match that exactly. */
export const exactAccountCode = (code: string): string => code.trim().padStart(18, " ")

/**
 * `effect` with a throw of our own code (a defect) as its `Unexpected` failure, so that a step's
 * handler sees it as it sees a client's or a port's failure.
 */
export const caught = <A, R>(effect: Effect.Effect<A, LinkError, R>): Effect.Effect<A, LinkError, R> =>
  Effect.catchDefect(effect, (defect) => Effect.fail(toLinkError(defect)))
