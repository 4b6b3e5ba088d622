/**
 * `@psa-ledger/link/schedule`: schedules for one process on `croner`, and the due-time computation
 * every host of a deployment shares. A subpath of its own, so that a link that is not scheduled here
 * never loads `croner`.
 *
 * @since 0.1.0
 */
export { describeCron } from "./describe.ts"
export {
  inProcessScheduler,
  type ScheduledJob,
  type ScheduleOptions,
  type Scheduler,
  schedule
} from "./InProcessScheduler.ts"
export {
  type DueSchedule,
  formatDueTime,
  InvalidSchedule,
  nextOccurrences,
  occurrenceKey,
  occurrencesBetween
} from "./occurrences.ts"
