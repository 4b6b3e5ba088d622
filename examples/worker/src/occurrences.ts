// When a schedule falls due. The worker computes every occurrence itself, from the link's cron and
// time zone and the injected clock, rather than leaving it to pg-boss's cron: pg-boss reads the wall
// clock, so a test (or a rehearsal of a month) could not move time, and its schedules would be a
// second copy of the link's settings to keep in step.
import { Cron } from "croner"

/** One enabled schedule of one link, as the deployment lists it. */
export interface WorkerSchedule {
  readonly linkId: string
  readonly job: string
  readonly cron: string
  readonly timeZone: string
}

/** A schedule whose cron or time zone croner refuses; the planner logs it and goes on with the rest. */
export class InvalidSchedule extends Error {
  readonly linkId: string
  readonly job: string
  constructor(schedule: WorkerSchedule, reason: string) {
    super(
      `schedule ${schedule.job} of link ${schedule.linkId}: ${JSON.stringify(schedule.cron)} in ${schedule.timeZone}: ${reason}`
    )
    this.name = "InvalidSchedule"
    this.linkId = schedule.linkId
    this.job = schedule.job
  }
}

/**
 * The times (epoch ms, ascending) at which `schedule` falls due after `afterMs` and at or before
 * `untilMs`, at most `limit` of them (the latest ones are kept when there are more: a fleet that was
 * down for a week runs the last missed occurrences, not a week of them).
 */
export const occurrencesBetween = (
  schedule: WorkerSchedule,
  afterMs: number,
  untilMs: number,
  limit = 100
): ReadonlyArray<number> => {
  if (untilMs <= afterMs) return []
  const found: Array<number> = []
  try {
    // croner refuses a bad expression when built, a bad time zone only when asked for a time.
    const cron = new Cron(schedule.cron, { timezone: schedule.timeZone, paused: true })
    let cursor = new Date(afterMs)
    for (;;) {
      // croner's nextRun(from) is strictly after `from`.
      const next = cron.nextRun(cursor)
      if (next === null || next.getTime() > untilMs) break
      found.push(next.getTime())
      if (found.length > limit) found.shift()
      cursor = next
    }
  } catch (error) {
    throw new InvalidSchedule(schedule, error instanceof Error ? error.message : String(error))
  }
  return found
}

/** The key of one occurrence: link, job and the due time in UTC. */
export const occurrenceKey = (linkId: string, job: string, dueMs: number): string =>
  `${linkId}/${job}/${new Date(dueMs).toISOString()}`
