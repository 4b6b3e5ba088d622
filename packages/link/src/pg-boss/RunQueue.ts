// The deployment's run queue on PostgreSQL, shared by the worker fleet (which plans and runs) and the
// server (which queues a manual run when the deployment's scheduling is `workers`): pg-boss for the
// jobs, and small tables of our own in pg-boss's schema for what pg-boss cannot promise by itself.
//
// - `psa_ledger_occurrence` (link, job, due time) is the "enqueued once" record: a planner inserts
//   the occurrence and sends its job in one transaction, so however many workers compute the same
//   occurrence, one job exists for it, for as long as the row is kept — unlike a pg-boss singleton,
//   which only keeps one job queued or active at a time and forgets it once the job is archived.
// - `psa_ledger_cursor` (link, job) is how far the fleet has planned that schedule, so a worker that
//   starts after the fleet was down catches up on what fell due meanwhile.
// - `psa_ledger_job_run` (job, run) names the link's run each attempt of a job started, so whoever
//   queued a manual run (the portal) can follow it by the job's id.
//
// One run per link across the fleet: the queue's policy is pg-boss's `singleton` with the link id as
// the singleton key, so at most one job of a link is active anywhere; occurrences of a busy link wait
// their turn. (The link's own run lease in storage keeps a manual run outside the queue apart too.)

import pg from "pg"
import { type Job, type JobWithMetadata, PgBoss } from "pg-boss"
import type { RetryPolicy } from "./retries.ts"

/**
 * The invoices a manual `transfer.run` takes: a range of invoice dates, or all not yet transferred.
 *
 * @since 0.1.0
 */
export type QueuedTransferRange = { readonly from: string; readonly to: string } | { readonly unposted: true }

/**
 * What a queued job carries.
 *
 * @since 0.1.0
 */
export interface RunJobData {
  readonly linkId: string
  readonly job: string
  readonly trigger: "schedule" | "manual"
  /** The occurrence's due time (ISO 8601), for a scheduled job. */
  readonly dueAt?: string | undefined
  /** Who asked for a manual run. */
  readonly actor?: string | undefined
  /** A manual transfer's range (a scheduled one takes last month). */
  readonly range?: QueuedTransferRange | undefined
}

/**
 * Where a queued job is: waiting (`queued`, also between retries), `running`, `done`, or `failed`
 * (its last try failed, or it was cancelled), with the link's run of its latest attempt once one started.
 *
 * @since 0.1.0
 */
export interface QueuedJobStatus {
  readonly jobId: string
  readonly linkId: string
  readonly job: string
  readonly state: "queued" | "running" | "done" | "failed"
  readonly runId?: string | undefined
}

const stateOf = (state: string): QueuedJobStatus["state"] => {
  if (state === "created" || state === "retry") return "queued"
  if (state === "active") return "running"
  if (state === "completed") return "done"
  return "failed"
}

const isRunJobData = (data: unknown): data is RunJobData =>
  typeof data === "object" &&
  data !== null &&
  typeof (data as { linkId?: unknown }).linkId === "string" &&
  typeof (data as { job?: unknown }).job === "string"

/**
 * Where the queue lives and how pg-boss watches it.
 *
 * @since 0.1.0
 */
export interface RunQueueOptions {
  readonly connectionString: string
  /** pg-boss's schema, which also holds the two tables above (default `psa_ledger_jobs`). */
  readonly schema?: string | undefined
  /** The queue's name (default `psa-ledger-runs`); its dead letters go to `NAME-dead`. */
  readonly queue?: string | undefined
  /**
   * How long a job may go without its worker's heartbeat before pg-boss fails it and another worker
   * retries it (a worker that died without shutting down). At least 10 s; default 30 s.
   */
  readonly heartbeatSeconds?: number | undefined
  /** How often pg-boss looks for jobs whose heartbeat stopped (default 30 s). */
  readonly superviseSeconds?: number | undefined
  /** How long one run may take before it counts as failed (default 4 hours). */
  readonly expireInSeconds?: number | undefined
  /** How often an idle worker looks for work (default 2 s, at least 0.5). */
  readonly pollingSeconds?: number | undefined
  readonly retries: RetryPolicy
}

/**
 * A job as the worker's handler sees it.
 *
 * @since 0.1.0
 */
export interface QueuedRun {
  readonly id: string
  readonly data: RunJobData
  /** 0 on the first attempt. */
  readonly retryCount: number
  readonly retryLimit: number
  /** Aborted when pg-boss takes the job back (the heartbeat lapsed, or the worker stops). */
  readonly signal: AbortSignal
  /** True once `stop` handed the job back to the queue: its end is no failure and no try. */
  readonly handedBack: () => boolean
}

/** A job this process runs now, as `stop` needs it to hand it back. */
interface InFlight {
  readonly id: string
  readonly retryCount: number
  readonly retryLimit: number
  readonly controller: AbortController
  handedBack: boolean
  done: Promise<void>
}

/** How long a handed-back job's handler is given to notice its abort before the job is queued again. */
const HAND_BACK_SETTLE_MS = 10_000

const settledWithin = async (promises: ReadonlyArray<Promise<unknown>>, ms: number): Promise<void> => {
  let timer: ReturnType<typeof setTimeout> | undefined
  await Promise.race([Promise.allSettled(promises), new Promise((resolve) => (timer = setTimeout(resolve, ms)))])
  clearTimeout(timer)
}

const ident = (name: string): string => {
  if (!/^[a-z_][a-z0-9_]*$/i.test(name)) throw new Error(`not a plain SQL identifier: ${JSON.stringify(name)}`)
  return `"${name}"`
}

const inTransaction = async <A>(pool: pg.Pool, body: (client: pg.PoolClient) => Promise<A>): Promise<A> => {
  const client = await pool.connect()
  try {
    await client.query("begin")
    const result = await body(client)
    await client.query("commit")
    return result
  } catch (error) {
    await client.query("rollback").catch(() => undefined)
    throw error
  } finally {
    client.release()
  }
}

/** pg-boss's send options for a job's retry policy. */
const sendOptionsFor = (retries: RetryPolicy, job: string) => {
  const retry = retries(job)
  // pg-boss takes whole seconds, and a maximum delay only with backoff.
  const delay = Math.max(0, Math.round(retry.delaySeconds))
  return {
    retryLimit: Math.max(0, Math.round(retry.limit)),
    retryDelay: delay,
    retryBackoff: delay > 0,
    ...(delay > 0 && retry.maxDelaySeconds !== undefined
      ? { retryDelayMax: Math.max(delay, Math.round(retry.maxDelaySeconds)) }
      : {})
  }
}

/** Our three tables beside pg-boss's; several workers start at once: one creates them, the others wait. */
const createTables = async (client: pg.PoolClient, schema: string): Promise<void> => {
  const s = ident(schema)
  await client.query("select pg_advisory_xact_lock(hashtext($1))", [`${schema}.psa_ledger_worker`])
  await client.query(`create table if not exists ${s}.psa_ledger_occurrence (
    link_id text not null, job text not null, due_at timestamptz not null,
    job_id uuid not null, enqueued_at timestamptz not null default now(),
    primary key (link_id, job, due_at))`)
  await client.query(`create table if not exists ${s}.psa_ledger_cursor (
    link_id text not null, job text not null, planned_until timestamptz not null,
    primary key (link_id, job))`)
  await client.query(`create table if not exists ${s}.psa_ledger_job_run (
    job_id uuid not null, link_id text not null, run_id text not null,
    started_at timestamptz not null default clock_timestamp(), primary key (job_id, run_id))`)
}

/** How far the fleet planned each schedule, and the occurrences it enqueued. */
const planningRecords = (
  pool: pg.Pool,
  s: string
): Pick<RunQueue, "cursors" | "advance" | "prune" | "forgetExcept"> => ({
  cursors: async () => {
    const result = await pool.query<{ link_id: string; job: string; until: Date }>(
      `select link_id, job, planned_until as until from ${s}.psa_ledger_cursor`
    )
    return new Map(result.rows.map((row) => [`${row.link_id}/${row.job}`, row.until.getTime()]))
  },
  advance: async (keys, untilMs) => {
    if (keys.length === 0) return
    await pool.query(
      `insert into ${s}.psa_ledger_cursor (link_id, job, planned_until)
       select link_id, job, $3 from unnest($1::text[], $2::text[]) as k(link_id, job)
       on conflict (link_id, job) do update set planned_until = greatest(psa_ledger_cursor.planned_until, excluded.planned_until)`,
      [keys.map(([linkId]) => linkId), keys.map(([, job]) => job), new Date(untilMs)]
    )
  },
  prune: async (nowMs, keepMs) => {
    const result = await pool.query(`delete from ${s}.psa_ledger_occurrence where due_at < $1`, [
      new Date(nowMs - keepMs)
    ])
    return result.rowCount ?? 0
  },
  forgetExcept: async (keys) => {
    await pool.query(
      `delete from ${s}.psa_ledger_cursor c where not exists (
         select 1 from unnest($1::text[], $2::text[]) as k(link_id, job) where k.link_id = c.link_id and k.job = c.job)`,
      [keys.map(([linkId]) => linkId), keys.map(([, job]) => job)]
    )
  }
})

/** Which link runs each job's attempts started, and where a job is. */
const jobRecords = (
  pool: pg.Pool,
  s: string,
  queue: string
): Pick<RunQueue, "recordRun" | "runsOf" | "status" | "depth"> => ({
  recordRun: async (jobId, linkId, runId) => {
    await pool.query(
      `insert into ${s}.psa_ledger_job_run (job_id, link_id, run_id) values ($1, $2, $3) on conflict do nothing`,
      [jobId, linkId, runId]
    )
  },
  runsOf: async (jobId) => {
    const found = await pool.query<{ run_id: string }>(
      `select run_id from ${s}.psa_ledger_job_run where job_id = $1 order by started_at, run_id`,
      [jobId]
    )
    return found.rows.map((row) => row.run_id)
  },
  status: async (linkId, jobId) => {
    if (!/^[0-9a-f-]{36}$/i.test(jobId)) return undefined
    // The dead letter is a copy under the dead queue's name; the job itself ends `failed`.
    const found = await pool.query<{ state: string; job: string; run_id: string | null }>(
      `select j.state, j.data->>'job' as job,
         (select r.run_id from ${s}.psa_ledger_job_run r where r.job_id = j.id order by r.started_at desc limit 1) as run_id
       from ${s}.job j where j.id = $1 and j.name = $2 and j.data->>'linkId' = $3`,
      [jobId, queue, linkId]
    )
    const row = found.rows[0]
    if (row === undefined) return undefined
    return {
      jobId,
      linkId,
      job: row.job,
      state: stateOf(row.state),
      ...(row.run_id === null ? {} : { runId: row.run_id })
    }
  },
  depth: async () => {
    // Counted here rather than read from pg-boss's queue statistics, which its monitor refreshes
    // only every `superviseSeconds`.
    const result = await pool.query<{ n: string }>(
      `select count(*) as n from ${s}.job where name = $1 and state in ('created', 'retry')`,
      [queue]
    )
    return Number(result.rows[0]?.n ?? 0)
  }
})

/** pg-boss's handler for a batch: each job run by `handler`, in flight (for `stop`) while it runs. */
const runEach =
  (inFlight: Map<string, InFlight>, handler: (run: QueuedRun) => Promise<void>) =>
  async (jobs: ReadonlyArray<Job<RunJobData>>): Promise<void> => {
    for (const job of jobs) {
      if (!isRunJobData(job.data)) throw new Error(`job ${job.id} has no linkId and job`)
      const entry: InFlight = {
        id: job.id,
        retryCount: job.retryCount,
        // `includeMetadata` is on, so the job carries its retry limit.
        retryLimit: (job as JobWithMetadata<RunJobData>).retryLimit,
        controller: new AbortController(),
        handedBack: false,
        done: Promise.resolve()
      }
      inFlight.set(job.id, entry)
      entry.done = handler({
        id: job.id,
        data: job.data,
        retryCount: entry.retryCount,
        retryLimit: entry.retryLimit,
        signal: AbortSignal.any([job.signal, entry.controller.signal]),
        handedBack: () => entry.handedBack
      }).finally(() => inFlight.delete(job.id))
      await entry.done
    }
  }

/**
 * The queue. `start()` first; `stop()` hands running jobs back after the grace period.
 *
 * @since 0.1.0
 */
export interface RunQueue {
  readonly queue: string
  readonly deadQueue: string
  start(): Promise<void>
  /** Sends the occurrence's job unless the fleet already did: its job id, or `undefined` when it existed. */
  enqueueDue(linkId: string, job: string, dueMs: number): Promise<string | undefined>
  /** A manual "play": queued behind the link's running job, if any; resolves with the job's id. */
  play(
    linkId: string,
    job: string,
    actor?: string | undefined,
    input?: { readonly range?: QueuedTransferRange | undefined }
  ): Promise<string>
  /** Records that an attempt of the job started the link's run `runId` (the worker, as the run is recorded). */
  recordRun(jobId: string, linkId: string, runId: string): Promise<void>
  /** The link runs earlier attempts of the job started, oldest first (a retry asks whether one already finished). */
  runsOf(jobId: string): Promise<ReadonlyArray<string>>
  /** Where the job is, and its latest run; `undefined` for a job of another link or none at all. */
  status(linkId: string, jobId: string): Promise<QueuedJobStatus | undefined>
  /** Every schedule's planned-until time, keyed `link/job`. */
  cursors(): Promise<ReadonlyMap<string, number>>
  /** Records that these schedules are planned until `untilMs` (never moving one back). */
  advance(keys: ReadonlyArray<readonly [string, string]>, untilMs: number): Promise<void>
  /**
   * Forgets the occurrences due more than `keepMs` before `nowMs`: planning never looks behind a
   * schedule's cursor, so old rows only cost space.
   */
  prune(nowMs: number, keepMs: number): Promise<number>
  /** Forgets the cursors of schedules no longer listed (disabled or removed). */
  forgetExcept(keys: ReadonlyArray<readonly [string, string]>): Promise<void>
  work(handler: (run: QueuedRun) => Promise<void>, options: { readonly concurrency: number }): Promise<void>
  workDead(handler: (data: RunJobData, id: string) => Promise<void>): Promise<void>
  /** Jobs waiting (created or retry) in the queue. */
  depth(): Promise<number>
  /**
   * Stops taking work, waits up to `graceMs` for running jobs, then hands the rest back to the
   * queue without using up one of their tries (another worker resumes them).
   */
  stop(graceMs: number): Promise<void>
}

/**
 * The deployment's run queue on PostgreSQL (pg-boss), as the worker fleet and the server share it:
 * each occurrence of a schedule enqueued once, at most one job of a link active at a time, retries
 * with backoff and a dead-letter queue, manual runs queued beside the scheduled ones.
 *
 * @example
 * ```ts
 * import { makeRunQueue, retryPolicy } from "@psa-ledger/link/pg-boss"
 *
 * const queue = makeRunQueue({ connectionString: "postgres://ledger@db/ledger", retries: retryPolicy() })
 * await queue.start()
 * const jobId = await queue.play("acme", "transfer.syncPayments", "ann@msp.example")
 * const status = await queue.status("acme", jobId) // { state: "queued", … } until a worker takes it
 * await queue.stop(1_000)
 * ```
 *
 * @since 0.1.0
 */
export const makeRunQueue = (options: RunQueueOptions): RunQueue => {
  const schema = options.schema ?? "psa_ledger_jobs"
  const queue = options.queue ?? "psa-ledger-runs"
  const deadQueue = `${queue}-dead`
  const s = ident(schema)
  const heartbeatSeconds = Math.max(10, Math.round(options.heartbeatSeconds ?? 30))
  const boss = new PgBoss({
    connectionString: options.connectionString,
    schema,
    // The worker plans from the links' settings itself; pg-boss's own cron stays off.
    schedule: false,
    superviseIntervalSeconds: Math.max(1, options.superviseSeconds ?? 30),
    monitorIntervalSeconds: Math.max(1, options.superviseSeconds ?? 30)
  })
  // pg-boss reports background failures as events; without a listener Node would throw them.
  boss.on("error", () => {})
  const pool = new pg.Pool({ connectionString: options.connectionString, max: 4 })
  pool.on("error", () => {})
  const inFlight = new Map<string, InFlight>()

  // Handing back without using up a try. pg-boss's own shutdown fails what is still running, and
  // a failure is a try: a job with no retries left would be dead-lettered by a deploy. Instead the
  // attempt is cancelled (fenced to this attempt, so nothing this worker settles later lands, and
  // no other worker can claim the job while its handler winds down), the handler is aborted and
  // given a moment, and then, in one transaction, the job is resumed with one more try allowed.
  // pg-boss counts every claim after the first as a retry (`retry_count`), so the next worker sees
  // a retry (`resume`) with as many tries left as before. (`restore` would keep the count as it is,
  // but then the next claim carries the same attempt number, and a late settle by this worker
  // would land on the new attempt.)
  const handBack = async (runs: ReadonlyArray<InFlight>): Promise<void> => {
    if (runs.length === 0) return
    await boss.cancel(
      queue,
      runs.map((run) => ({ id: run.id, retryCount: run.retryCount }))
    )
    for (const run of runs) {
      run.handedBack = true
      run.controller.abort(new Error("the worker is shutting down: the job is handed back to the queue"))
    }
    await settledWithin(
      runs.map((run) => run.done),
      HAND_BACK_SETTLE_MS
    )
    await inTransaction(pool, async (client) => {
      const db = { executeSql: (text: string, values?: Array<unknown>) => client.query(text, values) }
      await boss.resume(
        queue,
        runs.map((run) => run.id),
        { db }
      )
      for (const run of runs) await boss.update(queue, undefined, { id: run.id, retryLimit: run.retryLimit + 1, db })
    })
  }

  return {
    queue,
    deadQueue,
    start: async () => {
      await boss.start()
      await inTransaction(pool, (client) => createTables(client, schema))
      if ((await boss.getQueue(deadQueue)) === null) await boss.createQueue(deadQueue, { policy: "standard" })
      if ((await boss.getQueue(queue)) === null) {
        await boss.createQueue(queue, {
          policy: "singleton",
          deadLetter: deadQueue,
          heartbeatSeconds,
          expireInSeconds: options.expireInSeconds ?? 4 * 3_600
        })
      }
    },
    enqueueDue: (linkId, job, dueMs) =>
      inTransaction(pool, async (client) => {
        const id = crypto.randomUUID()
        const inserted = await client.query(
          `insert into ${s}.psa_ledger_occurrence (link_id, job, due_at, job_id) values ($1, $2, $3, $4)
           on conflict do nothing`,
          [linkId, job, new Date(dueMs), id]
        )
        if (inserted.rowCount === 0) return undefined
        const data: RunJobData = { linkId, job, trigger: "schedule", dueAt: new Date(dueMs).toISOString() }
        await boss.send(queue, data, {
          ...sendOptionsFor(options.retries, job),
          id,
          singletonKey: linkId,
          db: { executeSql: (text, values) => client.query(text, values as Array<unknown>) }
        })
        return id
      }),
    play: async (linkId, job, actor, input) => {
      const data: RunJobData = {
        linkId,
        job,
        trigger: "manual",
        ...(actor === undefined ? {} : { actor }),
        ...(input?.range === undefined ? {} : { range: input.range })
      }
      const id = await boss.send(queue, data, { ...sendOptionsFor(options.retries, job), singletonKey: linkId })
      if (id === null) throw new Error(`pg-boss refused the run of ${job} for link ${linkId}`)
      return id
    },
    ...planningRecords(pool, s),
    ...jobRecords(pool, s, queue),
    work: async (handler, workOptions) => {
      await boss.work<RunJobData>(
        queue,
        {
          batchSize: 1,
          includeMetadata: true,
          localConcurrency: Math.max(1, workOptions.concurrency),
          pollingIntervalSeconds: Math.max(0.5, options.pollingSeconds ?? 2)
        },
        runEach(inFlight, handler)
      )
    },
    workDead: async (handler) => {
      await boss.work<RunJobData>(
        deadQueue,
        { batchSize: 1, pollingIntervalSeconds: Math.max(0.5, options.pollingSeconds ?? 2) },
        async (jobs) => {
          for (const job of jobs) if (isRunJobData(job.data)) await handler(job.data, job.id)
        }
      )
    },
    stop: async (graceMs) => {
      try {
        await boss.offWork(queue, { wait: false })
        await boss.offWork(deadQueue, { wait: false })
        await settledWithin(
          [...inFlight.values()].map((run) => run.done),
          graceMs
        )
        await handBack([...inFlight.values()])
        await boss.stop({ graceful: true, close: true, timeout: 1_000 })
      } finally {
        await pool.end().catch(() => undefined)
      }
    }
  }
}
