import { Cron } from "croner"
import { LinkError, LinkInvalidInputError } from "../LinkError.ts"
import type { Overlap, SchedulableLink, SchedulerEvent } from "../Scheduling.ts"

/**
 * One schedule: a cron expression (five fields, or six with seconds) and the job it starts.
 *
 * @since 0.1.0
 */
export interface ScheduleOptions {
  readonly cron: string
  readonly job: string
  /** An IANA time zone for the expression, e.g. `"Europe/Amsterdam"` (default: the process's). */
  readonly timezone?: string | undefined
  /** Default: the scheduler's (`skip`). */
  readonly overlap?: Overlap | undefined
}

/**
 * A running schedule.
 *
 * @since 0.1.0
 */
export interface ScheduledJob {
  readonly linkId: string
  readonly job: string
  readonly cron: string
  /** When it fires next, or `undefined` once stopped. */
  nextRun(): Date | undefined
  /** Fires now, as the cron would (same overlap rule); resolves when that occurrence is settled. */
  fire(): Promise<void>
  /** Stops this schedule; a run in progress finishes. */
  stop(): void
}

/**
 * Schedules for one process, with at most one run per link at a time across all its schedules.
 *
 * @since 0.1.0
 */
export interface Scheduler {
  schedule(link: SchedulableLink, options: ScheduleOptions): ScheduledJob
  /**
   * Starts `job` for the link now, under the same rule as a schedule's occurrence (at most one run
   * per link; `overlap` when it is busy, default the scheduler's): for hosts that compute due times
   * themselves. Resolves when that occurrence is settled.
   */
  fire(link: SchedulableLink, job: string, overlap?: Overlap | undefined): Promise<void>
  /** The job running for the link, if any. */
  running(linkId: string): string | undefined
  /**
   * Stops every schedule and drops queued occurrences; waits for runs in progress, or with
   * `{ abort: true }` cancels them first.
   */
  stop(options?: { readonly abort?: boolean | undefined }): Promise<void>
}

/**
 * An in-process scheduler on `croner`: for a single process (a CLI, a small server). Use
 * `pgBossScheduler` when several processes or machines share the schedules.
 *
 * @example
 * ```ts
 * import { Jobs, type SchedulableLink } from "@psa-ledger/link"
 * import { inProcessScheduler } from "@psa-ledger/link/schedule"
 *
 * declare const link: SchedulableLink
 * const scheduler = inProcessScheduler({ onEvent: (event) => console.log(event) })
 * scheduler.schedule(link, { cron: "0 6 * * 1-5", job: Jobs.transfer, timezone: "Europe/Amsterdam" })
 * process.on("SIGTERM", () => scheduler.stop())
 * ```
 *
 * @since 0.1.0
 */
export const inProcessScheduler = (options?: {
  readonly overlap?: Overlap | undefined
  readonly onEvent?: ((event: SchedulerEvent) => void) | undefined
}): Scheduler => {
  const defaultOverlap = options?.overlap ?? "skip"
  const emit = (event: SchedulerEvent) => {
    try {
      options?.onEvent?.(event)
    } catch {
      // The host's logger must not stop the scheduler.
    }
  }
  interface Active {
    readonly job: string
    readonly controller: AbortController
    readonly done: Promise<void>
  }
  interface Waiting {
    readonly link: SchedulableLink
    readonly job: string
    readonly since: number
    readonly behind: string
    readonly settle: () => void
  }
  const active = new Map<string, Active>()
  const waiting = new Map<string, Array<Waiting>>()
  const crons = new Set<Cron>()
  let stopped = false

  const start = (link: SchedulableLink, job: string, note: string | undefined): Promise<void> => {
    const controller = new AbortController()
    emit({ _tag: "Started", linkId: link.id, job })
    const done = (async () => {
      try {
        const result = await link.run(job, { trigger: "schedule", signal: controller.signal, note })
        emit({ _tag: "Finished", linkId: link.id, job, status: result.status })
      } catch (error) {
        emit({ _tag: "Failed", linkId: link.id, job, message: error instanceof Error ? error.message : String(error) })
      } finally {
        active.delete(link.id)
        next(link.id)
      }
    })()
    active.set(link.id, { job, controller, done })
    return done
  }

  const next = (linkId: string) => {
    const queue = waiting.get(linkId)
    const head = queue?.shift()
    if (queue !== undefined && queue.length === 0) waiting.delete(linkId)
    if (head === undefined || stopped) return
    const waited = Date.now() - head.since
    void start(
      head.link,
      head.job,
      `queued behind ${head.behind} of this link, which was still running; started ${waited} ms late`
    ).then(head.settle)
  }

  const fire = (link: SchedulableLink, job: string, overlap: Overlap): Promise<void> => {
    if (stopped) return Promise.resolve()
    const current = active.get(link.id)
    if (current === undefined) return start(link, job, undefined)
    if (overlap === "skip") {
      emit({
        _tag: "Skipped",
        linkId: link.id,
        job,
        message: `skipped: ${current.job} of link ${link.id} is still running`
      })
      return Promise.resolve()
    }
    const queue = waiting.get(link.id) ?? []
    if (queue.some((entry) => entry.job === job)) {
      emit({ _tag: "Skipped", linkId: link.id, job, message: `skipped: ${job} of link ${link.id} is already queued` })
      return Promise.resolve()
    }
    emit({
      _tag: "Queued",
      linkId: link.id,
      job,
      message: `queued: ${current.job} of link ${link.id} is still running`
    })
    return new Promise<void>((settle) => {
      queue.push({ link, job, since: Date.now(), behind: current.job, settle })
      waiting.set(link.id, queue)
    })
  }

  return {
    schedule: (link, scheduleOptions) => {
      if (stopped)
        throw LinkError.of(new LinkInvalidInputError({ record: "Scheduler", field: "state", message: "stopped" }))
      const overlap = scheduleOptions.overlap ?? defaultOverlap
      let cron: Cron
      try {
        cron = new Cron(
          scheduleOptions.cron,
          { ...(scheduleOptions.timezone === undefined ? {} : { timezone: scheduleOptions.timezone }), catch: true },
          () => fire(link, scheduleOptions.job, overlap)
        )
      } catch (error) {
        throw LinkError.of(
          new LinkInvalidInputError({
            record: `Schedule ${link.id}/${scheduleOptions.job}`,
            field: "cron",
            message: `${JSON.stringify(scheduleOptions.cron)}: ${error instanceof Error ? error.message : String(error)}`
          })
        )
      }
      crons.add(cron)
      return {
        linkId: link.id,
        job: scheduleOptions.job,
        cron: scheduleOptions.cron,
        nextRun: () => cron.nextRun() ?? undefined,
        fire: () => fire(link, scheduleOptions.job, overlap),
        stop: () => {
          cron.stop()
          crons.delete(cron)
        }
      }
    },
    fire: (link, job, overlap) => fire(link, job, overlap ?? defaultOverlap),
    running: (linkId) => active.get(linkId)?.job,
    stop: async (stopOptions) => {
      stopped = true
      for (const cron of crons) cron.stop()
      crons.clear()
      for (const queue of waiting.values()) for (const entry of queue) entry.settle()
      waiting.clear()
      const runs = [...active.values()]
      if (stopOptions?.abort === true) for (const run of runs) run.controller.abort()
      await Promise.all(runs.map((run) => run.done))
    }
  }
}

let processScheduler: Scheduler | undefined

/**
 * Schedules a job for a link on this process's default `inProcessScheduler` (created on first use),
 * so every `schedule` call shares one rule: at most one run per link at a time.
 *
 * @example
 * ```ts
 * import { Jobs, type SchedulableLink } from "@psa-ledger/link"
 * import { schedule } from "@psa-ledger/link/schedule"
 *
 * declare const link: SchedulableLink
 * const nightly = schedule(link, { cron: "30 2 * * *", job: Jobs.syncPayments })
 * // later: nightly.stop()
 * ```
 *
 * @since 0.1.0
 */
export const schedule = (link: SchedulableLink, options: ScheduleOptions): ScheduledJob => {
  processScheduler ??= inProcessScheduler()
  return processScheduler.schedule(link, options)
}
