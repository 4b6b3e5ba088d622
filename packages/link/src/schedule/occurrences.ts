// When a schedule falls due: the one computation of due times, used by every host that runs a
// deployment's schedules (the worker fleet's planner, the server's in-process scheduling) and by
// the API that shows a link's next runs. Hosts compute occurrences from the cron, its time zone and
// an injected clock rather than leaving firing to croner's or pg-boss's timers, which read the wall
// clock: a test, or a rehearsal of a month, could not move time.
import { Cron } from "croner"
import { DateTime } from "effect"

/**
 * One enabled schedule of one link, with its time zone resolved (as a deployment lists it).
 *
 * @since 0.1.0
 */
export interface DueSchedule {
  readonly linkId: string
  readonly job: string
  readonly cron: string
  readonly timeZone: string
}

/**
 * A schedule whose cron or time zone croner refuses; planners log it and go on with the rest.
 *
 * @since 0.1.0
 */
export class InvalidSchedule extends Error {
  readonly linkId: string
  readonly job: string
  constructor(schedule: DueSchedule, reason: string) {
    super(
      `schedule ${schedule.job} of link ${schedule.linkId}: ${JSON.stringify(schedule.cron)} in ${schedule.timeZone}: ${reason}`
    )
    this.name = "InvalidSchedule"
    this.linkId = schedule.linkId
    this.job = schedule.job
  }
}

/** Walks the due times strictly after `afterMs` while `keep(next, found)` says so. */
const walk = (
  schedule: DueSchedule,
  afterMs: number,
  keep: (nextMs: number, found: ReadonlyArray<number>) => boolean,
  limit: number
): ReadonlyArray<number> => {
  const found: Array<number> = []
  try {
    // croner refuses a bad expression when built, a bad time zone only when asked for a time.
    const cron = new Cron(schedule.cron, { timezone: schedule.timeZone, paused: true })
    let cursor = new Date(afterMs)
    for (;;) {
      // croner's nextRun(from) is strictly after `from`.
      const next = cron.nextRun(cursor)
      if (next === null || !keep(next.getTime(), found)) break
      found.push(next.getTime())
      if (found.length > limit) found.shift()
      cursor = next
    }
  } catch (error) {
    throw new InvalidSchedule(schedule, error instanceof Error ? error.message : String(error))
  }
  return found
}

/**
 * The times (epoch ms, ascending) at which `schedule` falls due after `afterMs` and at or before
 * `untilMs`, at most `limit` of them (the latest ones are kept when there are more: a planner that
 * was down for a week runs the last missed occurrences, not a week of them).
 *
 * @since 0.1.0
 */
export const occurrencesBetween = (
  schedule: DueSchedule,
  afterMs: number,
  untilMs: number,
  limit = 100
): ReadonlyArray<number> => (untilMs <= afterMs ? [] : walk(schedule, afterMs, (next) => next <= untilMs, limit))

/**
 * The next `count` times (epoch ms, ascending) at which `schedule` falls due after `afterMs`.
 *
 * @since 0.1.0
 */
export const nextOccurrences = (schedule: DueSchedule, afterMs: number, count = 1): ReadonlyArray<number> =>
  count <= 0 ? [] : walk(schedule, afterMs, (_, found) => found.length < count, count)

/**
 * A due time as ISO 8601 with the schedule's UTC offset, e.g. `2026-12-03T06:00:00.000+01:00`: the
 * wall-clock time a person set the schedule in.
 *
 * @since 0.1.0
 */
export const formatDueTime = (dueMs: number, timeZone: string): string =>
  DateTime.formatIsoOffset(DateTime.makeZonedUnsafe(dueMs, { timeZone }))

/**
 * The key of one occurrence: link, job and the due time in UTC.
 *
 * @since 0.1.0
 */
export const occurrenceKey = (linkId: string, job: string, dueMs: number): string =>
  `${linkId}/${job}/${new Date(dueMs).toISOString()}`
