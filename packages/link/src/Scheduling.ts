/**
 * What a scheduler needs of a link, and the shapes every scheduler shares (`/schedule`, `/pg-boss`).
 *
 * @module
 */
import type { RunStatus } from "@psa-ledger/reconcile-core"

/**
 * How a scheduler starts a job for a link. `createLink` gives links a `run(job, options)` that
 * dispatches to `reconciliation.apply`, `transfer.run` or `transfer.syncPayments`; anything with
 * this shape can be scheduled.
 *
 * @since 0.1.0
 */
export interface SchedulableLink {
  readonly id: string
  run(job: string, options: ScheduledRunOptions): Promise<{ readonly status: RunStatus }>
}

/**
 * What a scheduler passes to `SchedulableLink.run`. Pass `note` on to `RunRequest.note`, so the
 * run's log says why and how it started (queued behind another run, which retry attempt).
 *
 * @since 0.1.0
 */
export interface ScheduledRunOptions {
  readonly trigger: "schedule"
  readonly signal: AbortSignal
  readonly note?: string | undefined
}

/**
 * What to do when a schedule fires while the same link is still running: `skip` the occurrence,
 * or `queue` it to start when the link is free (at most one waiting per link and job).
 *
 * @since 0.1.0
 */
export type Overlap = "skip" | "queue"

/**
 * What happened to a scheduled occurrence, for the host's log.
 *
 * @since 0.1.0
 */
export type SchedulerEvent =
  | { readonly _tag: "Started"; readonly linkId: string; readonly job: string }
  | { readonly _tag: "Finished"; readonly linkId: string; readonly job: string; readonly status: RunStatus }
  | { readonly _tag: "Skipped"; readonly linkId: string; readonly job: string; readonly message: string }
  | { readonly _tag: "Queued"; readonly linkId: string; readonly job: string; readonly message: string }
  | { readonly _tag: "Failed"; readonly linkId: string; readonly job: string; readonly message: string }
