import { Context, DateTime, Effect, Layer, Option } from "effect"
import { scopedByLink } from "./StorageCodec.ts"
import type { StorageError } from "./StorageError.ts"

/**
 * Who holds a link's run lease: the run, its job, and until when the lease is live.
 *
 * @since 0.1.0
 */
export interface RunLeaseHolder {
  readonly runId: string
  readonly job: string
  readonly until: DateTime.Utc
}

/**
 * The answer to `acquire`.
 *
 * - `Acquired`: the caller's run now holds the link. `previous` names a run whose lease had passed
 *   without a release (its process died): the caller marks that run abandoned.
 * - `Held`: another run holds the link and its lease is live.
 *
 * @since 0.1.0
 */
export type RunLeaseClaim =
  | { readonly _tag: "Acquired"; readonly previous?: RunLeaseHolder | undefined }
  | ({ readonly _tag: "Held" } & RunLeaseHolder)

/**
 * One run per link at a time, across processes: a lease in storage that a run takes before it
 * starts, extends while it works (`renew`, its heartbeat) and gives back when it ends. A lease whose
 * time has passed belongs to a dead process and is taken over by the next `acquire`.
 *
 * `acquire` is atomic: of any number of callers at once, exactly one gets `Acquired`.
 *
 * @example
 * ```ts
 * import { DateTime, Effect } from "effect"
 * import { RunLeases } from "@psa-ledger/reconcile-core"
 *
 * const start = Effect.gen(function*() {
 *   const leases = yield* RunLeases
 *   const at = yield* DateTime.now
 *   return yield* leases.acquire("link-1", { runId: "run-42", job: "transfer.run", at, until: DateTime.add(at, { minutes: 2 }) })
 * })
 * ```
 *
 * @since 0.1.0
 */
export class RunLeases extends Context.Service<
  RunLeases,
  {
    acquire(
      linkId: string,
      options: { readonly runId: string; readonly job: string; readonly at: DateTime.Utc; readonly until: DateTime.Utc }
    ): Effect.Effect<RunLeaseClaim, StorageError>
    /** Extends the run's lease to `until`; `false` when the run no longer holds it. */
    renew(
      linkId: string,
      runId: string,
      options: { readonly at: DateTime.Utc; readonly until: DateTime.Utc }
    ): Effect.Effect<boolean, StorageError>
    /** Gives the lease back; a no-op when the run does not hold it. */
    release(linkId: string, runId: string): Effect.Effect<void, StorageError>
    /** The current holder, live or not. */
    holder(linkId: string): Effect.Effect<Option.Option<RunLeaseHolder>, StorageError>
  }
>()("@psa-ledger/reconcile-core/RunLeases") {
  /** Leases held in memory, for tests and single-process scripts. */
  static readonly layerMemory: Layer.Layer<RunLeases> = Layer.sync(RunLeases, () => makeMemoryRunLeases())
}

/**
 * The in-memory `RunLeases`.
 *
 * @since 0.1.0
 */
export const makeMemoryRunLeases = (): RunLeases["Service"] => {
  const leases = new Map<string, RunLeaseHolder>()
  const live = (holder: RunLeaseHolder, at: DateTime.Utc) =>
    DateTime.toEpochMillis(holder.until) > DateTime.toEpochMillis(at)
  return RunLeases.of(
    scopedByLink("RunLeases", {
      acquire: (linkId, { runId, job, at, until }) =>
        Effect.sync((): RunLeaseClaim => {
          const current = leases.get(linkId)
          if (current !== undefined && current.runId !== runId && live(current, at)) {
            return { _tag: "Held", ...current }
          }
          leases.set(linkId, { runId, job, until })
          return current === undefined || current.runId === runId
            ? { _tag: "Acquired" }
            : { _tag: "Acquired", previous: current }
        }),
      renew: (linkId, runId, { until }) =>
        Effect.sync(() => {
          const current = leases.get(linkId)
          if (current?.runId !== runId) return false
          leases.set(linkId, { ...current, until })
          return true
        }),
      release: (linkId, runId) =>
        Effect.sync(() => {
          if (leases.get(linkId)?.runId === runId) leases.delete(linkId)
        }),
      holder: (linkId) => Effect.sync(() => Option.fromNullishOr(leases.get(linkId)))
    })
  )
}
