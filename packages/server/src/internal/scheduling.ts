// In-process scheduling: in a deployment whose `scheduling` setting is `in-process` (the default),
// the server runs every enabled schedule of every link itself; in `workers` mode it runs none and
// leaves them to the worker fleet. The setting is read on every tick, so switching needs no restart.
//
// Due times come from link's one computation (`occurrencesBetween`, the worker fleet's planner uses
// the same) over the server's clock, not from croner's timers: the clock can be the sandbox's, and a
// test moves it. Each tick re-reads the links' schedules, so an edited schedule takes effect at its
// next occurrence; an occurrence that fell due while the server was down is not caught up (the fleet
// keeps its cursors in PostgreSQL and does). Each occurrence is claimed in storage before it runs, so
// several server processes on one storage run it once. Runs go through link's `inProcessScheduler`:
// at most one run per link, an occurrence for a busy link queued behind it.
import {
  type DueSchedule,
  formatDueTime,
  InvalidSchedule,
  inProcessScheduler,
  nextOccurrences,
  occurrencesBetween
} from "@psa-ledger/link/schedule"
import type { RunStatus } from "@psa-ledger/reconcile-core"
import type { ServerContext } from "./context.ts"
import { store } from "./session.ts"

/** The server's scheduling loop. */
export interface Scheduling {
  /** Plans once now: starts the occurrences due since the last tick; resolves with how many. */
  tick(): Promise<number>
  /** Stops planning and waits for scheduled runs, or with `abort` cancels them first. */
  stop(options?: { readonly abort?: boolean | undefined }): Promise<void>
}

/** How long a scheduled run waits for a run of its link started elsewhere (a manual one) before it fails. */
const WAIT_MS = 5 * 60_000

// `exact.keepAlive` answers with no status: it either refreshed the chain or threw.
const statusOf = (result: unknown): RunStatus => {
  const status = (result as { status?: unknown } | undefined)?.status
  return typeof status === "string" ? (status as RunStatus) : "succeeded"
}

/** Starts the loop: a first tick at once, then one every `tickMs` real milliseconds. */
export const startScheduling = (ctx: ServerContext, tickMs: number): Scheduling => {
  const scheduler = inProcessScheduler({
    overlap: "queue",
    onEvent: (event) =>
      ctx.log(event._tag === "Failed" ? "error" : "info", `scheduled run ${event._tag.toLowerCase()}`, {
        linkId: event.linkId,
        job: event.job,
        ...("message" in event ? { message: event.message } : {}),
        ...("status" in event ? { status: event.status } : {})
      })
  })
  // How far each schedule (`link/job`) is planned; a schedule seen for the first time starts now.
  const cursors = new Map<string, number>()
  const reported = new Set<string>()
  let stopped = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let ticking: Promise<unknown> = Promise.resolve()

  const link = (linkId: string) => ({
    id: linkId,
    run: async (job: string, options: { readonly signal: AbortSignal; readonly note?: string | undefined }) => ({
      status: statusOf(
        await ctx.deployment.runJob(linkId, job, {
          trigger: "schedule",
          signal: options.signal,
          note: options.note ?? `scheduled ${job}, run by the server (scheduling: in-process)`,
          wait: { timeoutMs: WAIT_MS }
        })
      )
    })
  })

  // Every process planning this schedule on the storage computes the same occurrences: the first
  // to claim one runs it, the others skip it.
  const holder = `server ${process.pid} ${crypto.randomUUID().slice(0, 8)}`
  const claim = (schedule: DueSchedule, dueAt: number): Promise<boolean> =>
    store(
      ctx.storage.scheduleClaims.claim({
        linkId: schedule.linkId,
        job: schedule.job,
        dueAt,
        holder,
        claimedAt: ctx.now()
      })
    )

  const due = (schedule: DueSchedule, after: number, now: number): ReadonlyArray<number> => {
    try {
      return occurrencesBetween(schedule, after, now)
    } catch (error) {
      const key = `${schedule.linkId}/${schedule.job}/${schedule.cron}/${schedule.timeZone}`
      if (error instanceof InvalidSchedule && !reported.has(key)) {
        reported.add(key)
        ctx.log("error", "schedule skipped", { linkId: schedule.linkId, job: schedule.job, error: error.message })
      }
      return []
    }
  }

  const plan = async (): Promise<number> => {
    if (stopped) return 0
    if ((await ctx.deployment.scheduling()) !== "in-process") {
      // The workers plan; should the setting come back, nothing is owed from before.
      cursors.clear()
      return 0
    }
    const now = ctx.now()
    const schedules = await ctx.deployment.schedules()
    const seen = new Set<string>()
    let started = 0
    for (const schedule of schedules) {
      const key = `${schedule.linkId}/${schedule.job}`
      seen.add(key)
      const after = cursors.get(key)
      if (after === undefined) {
        cursors.set(key, now)
        continue
      }
      // The cursor moves past an occurrence only once it is claimed or found claimed, so an
      // occurrence whose claim failed (storage down) is tried again on the next tick.
      let cursor = after
      try {
        for (const dueAt of due(schedule, after, now)) {
          if (stopped) return started
          if (await claim(schedule, dueAt)) {
            void scheduler.fire(link(schedule.linkId), schedule.job)
            started++
          }
          cursor = dueAt
        }
        cursor = Math.max(cursor, now)
      } finally {
        cursors.set(key, cursor)
      }
    }
    for (const key of cursors.keys()) if (!seen.has(key)) cursors.delete(key)
    return started
  }

  const tick = (): Promise<number> => {
    // One plan at a time: a tick asked for while the loop plans waits for it, then plans again.
    const next = ticking.then(plan, plan)
    ticking = next.catch(() => undefined)
    return next
  }

  const loop = () => {
    void tick()
      .catch((error: unknown) =>
        ctx.log("error", "planning the schedules failed; the next tick tries again", {
          error: error instanceof Error ? error.name : "unknown"
        })
      )
      .finally(() => {
        if (stopped) return
        timer = setTimeout(loop, tickMs)
        // The HTTP server keeps a serving process alive; the schedules alone must not.
        timer.unref()
      })
  }
  timer = setTimeout(loop, 0)
  timer.unref()

  return {
    tick,
    stop: async (options) => {
      stopped = true
      if (timer !== undefined) clearTimeout(timer)
      await ticking
      await scheduler.stop(options)
    }
  }
}

/**
 * Each schedule's next `count` due times after `now`, by the same computation that runs them,
 * shown in the schedule's time zone; a schedule croner refuses carries its `problem` instead.
 */
export const nextRunsOf = (schedules: ReadonlyArray<DueSchedule>, now: number, count: number) =>
  schedules.map((schedule) => {
    const base = { job: schedule.job, cron: schedule.cron, timeZone: schedule.timeZone }
    try {
      const due = nextOccurrences(schedule, now, count)
      return {
        ...base,
        nextRuns: due.map((ms) => formatDueTime(ms, schedule.timeZone)),
        nextMs: due[0] ?? Number.POSITIVE_INFINITY
      }
    } catch (error) {
      return {
        ...base,
        nextRuns: [],
        nextMs: Number.POSITIVE_INFINITY,
        problem: error instanceof Error ? error.message : String(error)
      }
    }
  })
