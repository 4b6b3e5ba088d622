/**
 * The journal claims of `internal/claims.ts` (shared with apply) as flow B's Effects: a claim's
 * wait for another run ends when the Effect is interrupted, and the heartbeat lives exactly as
 * long as the Effect it wraps, however that ends.
 */
import { Effect } from "effect"
import { fromPromise } from "../../internal/bridge.ts"
import { type Claim, type ClaimDeps, claimOperation, startHeartbeat } from "../../internal/claims.ts"
import type { LinkError } from "../../LinkError.ts"

/** Claims `opKey` for the run (see `claimOperation`); interrupting it stops the wait for a live holder. */
export const claimIn = (deps: ClaimDeps, opKey: string): Effect.Effect<Claim, LinkError> =>
  fromPromise("PlanJournal.begin", (signal) => claimOperation({ ...deps, signal }, opKey))

/** Runs `effect` with the run's claims kept live by the heartbeat, stopped when it ends. */
export const withHeartbeat = <A, E, R>(deps: ClaimDeps, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.acquireUseRelease(
    Effect.sync(() => startHeartbeat(deps)),
    () => effect,
    (stop) => Effect.sync(stop)
  )
