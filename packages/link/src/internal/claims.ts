/**
 * Journal claims as leases of a live run: one writer per operation across processes.
 *
 * A run claims an operation with `begin`. While another run holds it with a live lease, this run
 * never writes: it waits for that run's outcome and reports the operation `doneByAnotherRun` with
 * its result (or claims it when the other run failed it). Once the holder's lease has passed (its
 * process died), the claim is taken over and the caller checks the target system before writing
 * again (`checkFirst`). While the run works, a heartbeat extends the leases of the claims it holds.
 */
import type { JournalClaim, PlanJournal } from "@psa-ledger/reconcile-core"
import { DateTime, type Schema } from "effect"
import { runPort } from "./bridge.ts"
import { DEFAULT_LEASE_MS } from "./leaseLength.ts"
import { pause } from "./pause.ts"

/** The outcome of claiming an operation. */
export type Claim =
  /** This run holds the operation: write it (after checking the target when `checkFirst`). */
  | { readonly _tag: "Mine"; readonly attempt: number; readonly checkFirst: boolean }
  /** An earlier run did it. */
  | { readonly _tag: "AlreadyDone"; readonly result: Schema.Json | undefined }
  /** A concurrent run did it while this one waited. */
  | { readonly _tag: "DoneByAnotherRun"; readonly runId: string; readonly result: Schema.Json | undefined }
  /** Another run holds it and this run may not wait or take over (`takeOver: false`). */
  | { readonly _tag: "Held"; readonly runId: string }

/** What claiming needs. */
export interface ClaimDeps {
  readonly journal: PlanJournal["Service"]
  readonly linkId: string
  readonly runId: string
  /** The clock of journal times and leases (epoch ms). */
  readonly now: () => number
  readonly signal?: AbortSignal | undefined
  /** `false`: report a held claim instead of waiting for it or taking over an expired one. */
  readonly takeOver?: boolean | undefined
  /** How long a claim lives without a heartbeat (default a minute); the heartbeat comes four times within it. */
  readonly leaseMs?: number | undefined
}

/**
 * Claims `opKey` for the run: `Mine`, `AlreadyDone`, `DoneByAnotherRun`, or (with `takeOver: false`)
 * `Held`. Waiting for a live holder polls the journal with a bounded backoff; it ends when the holder
 * finishes, fails (then this run claims it) or dies (its lease passes and this run takes over), or
 * when the signal aborts (then `Held`).
 */
export const claimOperation = async (deps: ClaimDeps, opKey: string): Promise<Claim> => {
  const { journal, linkId, runId } = deps
  let waitedFor: string | undefined
  for (let round = 0; ; round++) {
    const at = DateTime.makeUnsafe(deps.now())
    const claim = await runPort(
      "PlanJournal.begin",
      journal.begin(linkId, opKey, {
        runId,
        at,
        takeOver: deps.takeOver !== false,
        leaseUntil: DateTime.add(at, { milliseconds: deps.leaseMs ?? DEFAULT_LEASE_MS })
      })
    )
    if (claim._tag === "Started") {
      // A second attempt (after a crash, a take-over or a failure that may have reached the target) checks first.
      return { _tag: "Mine", attempt: claim.attempt, checkFirst: claim.attempt > 1 }
    }
    if (claim._tag === "AlreadyDone") {
      return waitedFor === undefined
        ? { _tag: "AlreadyDone", result: claim.result }
        : { _tag: "DoneByAnotherRun", runId: waitedFor, result: claim.result }
    }
    // Another run holds it with a live lease (or we may not take over): never write, wait.
    if (deps.takeOver === false || deps.signal?.aborted) return { _tag: "Held", runId: claim.runId }
    waitedFor = claim.runId
    await pause(Math.min(20 * 2 ** Math.min(round, 5), 500), deps.signal)
  }
}

/**
 * Starts the run's heartbeat: every quarter lease, the leases of the claims it holds are extended.
 * Returns the stop. The timer does not keep the process alive; a failed renewal is retried next beat.
 */
export const startHeartbeat = (deps: ClaimDeps): (() => void) => {
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS
  const beat = () => {
    const at = DateTime.makeUnsafe(deps.now())
    void runPort(
      "PlanJournal.renew",
      deps.journal.renew(deps.linkId, deps.runId, { at, leaseUntil: DateTime.add(at, { milliseconds: leaseMs }) })
    ).catch(() => undefined)
  }
  const timer = setInterval(beat, Math.max(1, Math.floor(leaseMs / 4)))
  timer.unref?.()
  return () => clearInterval(timer)
}

/**
 * A claim in the journal's own words, for engines written against `begin`'s answer: `Mine` is
 * `Started`, done by an earlier or a concurrent run is `AlreadyDone`, and a held claim is `InProgress`.
 */
export const asJournalClaim = (claim: Claim): JournalClaim => {
  switch (claim._tag) {
    case "Mine":
      return { _tag: "Started", attempt: claim.attempt }
    case "AlreadyDone":
    case "DoneByAnotherRun":
      return { _tag: "AlreadyDone", result: claim.result }
    case "Held":
      return { _tag: "InProgress", runId: claim.runId, startedAt: DateTime.makeUnsafe(0) }
  }
}
