import { PgBoss } from "pg-boss"
import { REDACTED, secretScrubber } from "../internal/redact.ts"
import { LinkError, LinkInvalidInputError, LinkUnexpectedError } from "../LinkError.ts"
import type { Overlap, SchedulableLink, SchedulerEvent } from "../Scheduling.ts"

/**
 * Where and how the shared scheduler keeps its queue.
 *
 * @since 0.1.0
 */
export interface PgBossSchedulerOptions {
  /** A PostgreSQL URL; the password in it never reaches a log or an error. */
  readonly connectionString: string
  /** The schema pg-boss installs into (default `"psa_ledger_jobs"`). */
  readonly schema?: string | undefined
  /** The queue all links share (default `"psa-ledger-link-runs"`). */
  readonly queue?: string | undefined
  /**
   * What to do with an occurrence while the link runs (fixed when the queue is first created):
   * `queue` (default) lets occurrences wait, one active per link; `skip` keeps at most one waiting
   * and one active per link, dropping the rest.
   */
  readonly overlap?: Overlap | undefined
  /** Retries after a failed run (default 2), `retryDelaySeconds` apart (default 60, doubling). */
  readonly retryLimit?: number | undefined
  readonly retryDelaySeconds?: number | undefined
  /** How long a run may take before it counts as failed and is retried (default 4 hours). */
  readonly expireInSeconds?: number | undefined
  /** How often idle workers look for work (default 2 s, at least 0.5). */
  readonly pollingIntervalSeconds?: number | undefined
  /** How often schedules are checked (default 30 s, 1 to 45). */
  readonly cronIntervalSeconds?: number | undefined
  readonly onEvent?: ((event: SchedulerEvent) => void) | undefined
}

/**
 * A schedule as stored in PostgreSQL.
 *
 * @since 0.1.0
 */
export interface StoredSchedule {
  readonly linkId: string
  readonly job: string
  readonly cron: string
  readonly timezone: string
}

/**
 * Schedules for many links shared by many workers through PostgreSQL (pg-boss): every schedule
 * fires once wherever it is checked, at most one run per link is active across all workers (the
 * link id is the job's singleton key), and a failed run is retried.
 *
 * @since 0.1.0
 */
export interface PgBossScheduler {
  /** Connects, installs or migrates the schema, and creates the queue. */
  start(): Promise<void>
  /** Adds or replaces the schedule of `job` for the link. */
  schedule(
    link: string | { readonly id: string },
    options: { readonly cron: string; readonly job: string; readonly timezone?: string | undefined }
  ): Promise<void>
  unschedule(link: string | { readonly id: string }, job: string): Promise<void>
  schedules(): Promise<ReadonlyArray<StoredSchedule>>
  /** Queues a run now (a manual "play" through the workers); `undefined` when the policy dropped it. */
  enqueue(link: string | { readonly id: string }, job: string): Promise<string | undefined>
  /**
   * Makes this process a worker: it takes queued runs and runs them on the link `resolve` returns.
   * A run that ends `failed`, or throws, is retried up to `retryLimit` times.
   */
  work(
    resolve: (linkId: string) => Promise<SchedulableLink> | SchedulableLink,
    options?: { readonly concurrency?: number | undefined }
  ): Promise<void>
  /** Stops taking work and waits for runs in progress (up to `timeoutMs`, default 30 s). */
  stop(options?: { readonly timeoutMs?: number | undefined }): Promise<void>
}

interface RunJobData {
  readonly linkId: string
  readonly job: string
}

const isRunJobData = (data: unknown): data is RunJobData =>
  typeof data === "object" &&
  data !== null &&
  typeof (data as { linkId?: unknown }).linkId === "string" &&
  typeof (data as { job?: unknown }).job === "string"

/** Keys a schedule by link and job, so a link can have one schedule per job. */
const scheduleKey = (linkId: string, job: string) => `${linkId}/${job}`

const idOf = (link: string | { readonly id: string }) => (typeof link === "string" ? link : link.id)

/**
 * Removes the password from anything pg or pg-boss says about the connection.
 */
const scrubber = (connectionString: string): ((text: string) => string) => {
  let password = ""
  try {
    password = decodeURIComponent(new URL(connectionString).password)
  } catch {
    // Not a URL (a key=value string): nothing to look for.
  }
  const scrub = secretScrubber([password])
  // A connection URL quoted in a message loses its password even when it is not this one.
  return (text) => scrub(text).replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi, `$1${REDACTED}@`)
}

/**
 * The pg-boss scheduler for many workers on many machines.
 *
 * @example
 * ```ts
 * import { Jobs, type SchedulableLink } from "@psa-ledger/link"
 * import { pgBossScheduler } from "@psa-ledger/link/pg-boss"
 *
 * declare const openLink: (linkId: string) => Promise<SchedulableLink>
 * const scheduler = pgBossScheduler({ connectionString: process.env.DATABASE_URL ?? "", schema: "psa_ledger_jobs" })
 * await scheduler.start()
 * await scheduler.schedule("link-1", { cron: "0 6 1 * *", job: Jobs.apply, timezone: "Europe/Amsterdam" })
 * await scheduler.work(openLink) // on every worker machine
 * ```
 *
 * @since 0.1.0
 */
export const pgBossScheduler = (options: PgBossSchedulerOptions): PgBossScheduler => {
  const schema = options.schema ?? "psa_ledger_jobs"
  const queue = options.queue ?? "psa-ledger-link-runs"
  const retryLimit = options.retryLimit ?? 2
  const scrub = scrubber(options.connectionString)
  const emit = (event: SchedulerEvent) => {
    try {
      options.onEvent?.(event)
    } catch {
      // The host's logger must not stop the worker.
    }
  }
  const boss = new PgBoss({
    connectionString: options.connectionString,
    schema,
    cronMonitorIntervalSeconds: options.cronIntervalSeconds ?? 30,
    cronWorkerIntervalSeconds: Math.min(options.cronIntervalSeconds ?? 5, 5)
  })
  // pg-boss reports background failures as events; without a listener Node would throw them.
  boss.on("error", () => {})
  const fail = (what: string) => (error: unknown) => {
    throw LinkError.of(
      new LinkUnexpectedError({ message: scrub(`${what}: ${error instanceof Error ? error.message : String(error)}`) })
    )
  }
  let started = false
  const ensureStarted = () => {
    if (!started) {
      throw LinkError.of(
        new LinkInvalidInputError({ record: "PgBossScheduler", field: "state", message: "call start() first" })
      )
    }
  }

  return {
    start: async () => {
      await boss.start().catch(fail(`pg-boss could not start in schema ${schema}`))
      const existing = await boss.getQueue(queue).catch(fail(`reading queue ${queue}`))
      if (existing === null) {
        await boss
          .createQueue(queue, {
            policy: (options.overlap ?? "queue") === "queue" ? "singleton" : "stately",
            retryLimit,
            retryDelay: options.retryDelaySeconds ?? 60,
            retryBackoff: (options.retryDelaySeconds ?? 60) > 0,
            expireInSeconds: options.expireInSeconds ?? 4 * 3_600
          })
          .catch(fail(`creating queue ${queue}`))
      }
      started = true
    },
    schedule: async (link, scheduleOptions) => {
      ensureStarted()
      const linkId = idOf(link)
      await boss
        .schedule(queue, scheduleOptions.cron, { linkId, job: scheduleOptions.job } satisfies RunJobData, {
          key: scheduleKey(linkId, scheduleOptions.job),
          singletonKey: linkId,
          ...(scheduleOptions.timezone === undefined ? {} : { tz: scheduleOptions.timezone })
        })
        .catch((error: unknown) => {
          throw LinkError.of(
            new LinkInvalidInputError({
              record: `Schedule ${linkId}/${scheduleOptions.job}`,
              field: "cron",
              message: scrub(
                `${JSON.stringify(scheduleOptions.cron)}: ${error instanceof Error ? error.message : String(error)}`
              )
            })
          )
        })
    },
    unschedule: async (link, job) => {
      ensureStarted()
      await boss.unschedule(queue, scheduleKey(idOf(link), job)).catch(fail("removing a schedule"))
    },
    schedules: async () => {
      ensureStarted()
      const rows = await boss.getSchedules(queue).catch(fail("reading schedules"))
      return rows.flatMap((row) =>
        isRunJobData(row.data)
          ? [{ linkId: row.data.linkId, job: row.data.job, cron: row.cron, timezone: row.timezone }]
          : []
      )
    },
    enqueue: async (link, job) => {
      ensureStarted()
      const linkId = idOf(link)
      const id = await boss
        .send(queue, { linkId, job } satisfies RunJobData, { singletonKey: linkId })
        .catch(fail("queueing a run"))
      if (id === null) {
        emit({ _tag: "Skipped", linkId, job, message: `skipped: link ${linkId} already has a run waiting` })
      }
      return id ?? undefined
    },
    work: async (resolve, workOptions) => {
      ensureStarted()
      await boss
        .work<RunJobData>(
          queue,
          {
            batchSize: 1,
            localConcurrency: Math.max(1, workOptions?.concurrency ?? 1),
            pollingIntervalSeconds: Math.max(0.5, options.pollingIntervalSeconds ?? 2)
          },
          async (jobs) => {
            for (const queued of jobs) {
              if (!isRunJobData(queued.data)) {
                // Not ours to run, and retrying will not change it.
                throw new Error(`job ${queued.id} has no linkId and job`)
              }
              const { linkId, job } = queued.data
              const attempt = `attempt ${queued.retryCount + 1} of ${retryLimit + 1}`
              emit({ _tag: "Started", linkId, job })
              let status: string
              try {
                const link = await resolve(linkId)
                const result = await link.run(job, {
                  trigger: "schedule",
                  signal: queued.signal,
                  note: `started by worker queue ${queue}, job ${queued.id}, ${attempt}`
                })
                status = result.status
                emit({ _tag: "Finished", linkId, job, status: result.status })
              } catch (error) {
                const message = scrub(error instanceof Error ? error.message : String(error))
                emit({ _tag: "Failed", linkId, job, message })
                throw new Error(`${job} for link ${linkId} threw (${attempt}): ${message}`)
              }
              if (status === "failed") {
                // Thrown so pg-boss retries it; the run itself is already recorded as failed.
                throw new Error(`${job} for link ${linkId} failed (${attempt})`)
              }
            }
          }
        )
        .catch(fail(`starting a worker on ${queue}`))
    },
    stop: async (stopOptions) => {
      started = false
      await boss
        .stop({ graceful: true, close: true, timeout: stopOptions?.timeoutMs ?? 30_000 })
        .catch(fail("stopping"))
    }
  }
}
