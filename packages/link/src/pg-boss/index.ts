/**
 * `@psa-ledger/link/pg-boss`: schedules shared by many workers through PostgreSQL with `pg-boss`, and
 * the deployment's run queue the worker fleet and the server share. A subpath of its own, so that a
 * link that is not scheduled this way never loads `pg-boss` or `pg`.
 *
 * @since 0.1.0
 */
export {
  type PgBossScheduler,
  type PgBossSchedulerOptions,
  pgBossScheduler,
  type StoredSchedule
} from "./PgBossScheduler.ts"
export {
  makeRunQueue,
  type QueuedJobStatus,
  type QueuedRun,
  type QueuedTransferRange,
  type RunJobData,
  type RunQueue,
  type RunQueueOptions
} from "./RunQueue.ts"
export { defaultRetries, parseRetry, type Retry, type RetryPolicy, retryPolicy } from "./retries.ts"
