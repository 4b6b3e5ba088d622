/**
 * `@psa-ledger/link/pg-boss`: schedules shared by many workers through PostgreSQL with `pg-boss`. A
 * subpath of its own, so that a link that is not scheduled this way never loads `pg-boss` or `pg`.
 *
 * @since 0.1.0
 */
export {
  type PgBossScheduler,
  type PgBossSchedulerOptions,
  pgBossScheduler,
  type StoredSchedule
} from "./PgBossScheduler.ts"
