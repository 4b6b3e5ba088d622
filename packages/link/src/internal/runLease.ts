/**
 * One run per link at a time, for every job: the run takes the link's lease in storage before it
 * starts, renews it while it works and gives it back at the end. A second run finds it held and is
 * `Busy` (naming the holder's run), unless it asked to wait. A lease that passed without a release
 * belonged to a dead process: its run, if still `running`, is marked `abandoned`.
 */
import type { RunLeases, RunStore } from "@psa-ledger/reconcile-core"
import { DateTime, Effect, Option } from "effect"
import { LinkBusyError, LinkError, toLinkError } from "../LinkError.ts"
import { DEFAULT_LEASE_MS } from "./leaseLength.ts"

/** How a run waits for a busy link: not at all (`Busy` at once), or up to `timeoutMs`. */
export type WaitForLink = boolean | { readonly timeoutMs: number }

interface LeaseRequest {
  readonly leases: RunLeases["Service"]
  readonly store: RunStore["Service"]
  readonly linkId: string
  readonly runId: string
  readonly job: string
  readonly now: () => number
  readonly wait?: WaitForLink | undefined
  /** How long the lease lives without a heartbeat (default a minute); the heartbeat comes four times within it. */
  readonly leaseMs?: number | undefined
}

const waitLimit = (wait: WaitForLink | undefined): number =>
  wait === undefined || wait === false ? 0 : wait === true ? Number.POSITIVE_INFINITY : wait.timeoutMs

/** Marks the run a dead process left `running` as `abandoned`, with the time and the reason. */
const abandon = (request: LeaseRequest, previous: { readonly runId: string; readonly until: DateTime.Utc }) =>
  Effect.gen(function* () {
    const run = yield* request.store.get(request.linkId, previous.runId)
    if (Option.isNone(run) || run.value.status !== "running") return
    yield* request.store.update(request.linkId, previous.runId, {
      status: "abandoned",
      finishedAt: DateTime.makeUnsafe(request.now()),
      summary: `${run.value.job} abandoned: its process stopped renewing the link's lease, which passed at ${DateTime.formatIso(previous.until)}; run ${request.runId} took over the link.`
    })
  }).pipe(Effect.ignore)

/**
 * Takes the link's lease for the run (waiting as asked, polling every 250 ms of the Effect clock);
 * fails with `Busy` naming the holder. Resolves with the heartbeat's stop-and-release.
 */
export const acquireRunLease = (request: LeaseRequest): Effect.Effect<Effect.Effect<void>, LinkError> =>
  Effect.gen(function* () {
    const leaseMs = request.leaseMs ?? DEFAULT_LEASE_MS
    const limit = waitLimit(request.wait)
    const started = request.now()
    const { leases, linkId, runId, job } = request
    // One reading of the clock per stamp: the lease is `leaseMs` long, to the millisecond.
    const stamp = () => {
      const at = request.now()
      return { at: DateTime.makeUnsafe(at), until: DateTime.makeUnsafe(at + leaseMs) }
    }
    for (;;) {
      const claim = yield* leases
        .acquire(linkId, { runId, job, ...stamp() })
        .pipe(Effect.mapError((error) => toLinkError(error)))
      if (claim._tag === "Acquired") {
        if (claim.previous !== undefined) yield* abandon(request, claim.previous)
        break
      }
      if (request.now() - started >= limit) {
        return yield* Effect.fail(
          LinkError.of(
            new LinkBusyError({
              holder: claim.runId,
              message: `run ${claim.runId} (${claim.job}) holds link ${linkId} until ${DateTime.formatIso(claim.until)}; one run per link at a time`
            })
          )
        )
      }
      yield* Effect.sleep("250 millis")
    }
    const beat = () => {
      void Effect.runPromise(leases.renew(linkId, runId, stamp()).pipe(Effect.ignore))
    }
    const timer = setInterval(beat, Math.max(1, Math.floor(leaseMs / 4)))
    timer.unref?.()
    return Effect.suspend(() => {
      clearInterval(timer)
      return leases.release(linkId, runId).pipe(Effect.ignore)
    })
  })
