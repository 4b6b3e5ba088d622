/**
 * `@psa-ledger/link/schedule`: schedules for one process on `croner`. A subpath of its own, so that
 * a link that is not scheduled here never loads `croner`.
 *
 * @since 0.1.0
 */
export {
  inProcessScheduler,
  type ScheduledJob,
  type ScheduleOptions,
  type Scheduler,
  schedule
} from "./InProcessScheduler.ts"
