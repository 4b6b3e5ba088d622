// One worker of the fleet: a planner that turns every enabled schedule's due times into queued jobs
// (once each, however many workers plan), and a consumer that runs queued jobs, at most one per link
// across the fleet. Any number of workers may run on any number of machines; each does both.
//
// Schedule changes reach every worker without a restart because the planner re-reads the links'
// schedules on each tick (every 15 s by default): polling the deployment, not LISTEN/NOTIFY. Polling
// works on every storage the deployment runs on and needs nothing from whoever edits a link (the
// portal, the CLI, an import, a restore from backup); a tick reads one table the size of the number of
// links. An edited schedule takes effect at its next occurrence after the tick that read it.
import type { Mailer } from "@psa-ledger/link"
import {
  makeRunQueue,
  type QueuedRun,
  type QueuedTransferRange,
  type RunJobData,
  type RunQueue,
  type RunQueueOptions
} from "@psa-ledger/link/pg-boss"
import { type DueSchedule, InvalidSchedule, occurrencesBetween } from "@psa-ledger/link/schedule"
import { errorText, silentLog, type WorkerLog } from "./log.ts"
import { Metrics } from "./metrics.ts"

/** What the worker asks of a run. */
export interface JobRequest {
  readonly linkId: string
  readonly job: string
  readonly trigger: "schedule" | "manual"
  /** The occurrence's due time (ISO 8601) for a scheduled job. */
  readonly dueAt?: string | undefined
  /** A manual transfer's range, as it was queued. */
  readonly range?: QueuedTransferRange | undefined
  /** Call with the link's run id as soon as the run is recorded: whoever queued the job follows it by that. */
  readonly onStart: (runId: string) => void
  /** Aborted when the job is taken back (shutdown after the grace period, or a lapsed heartbeat). */
  readonly signal: AbortSignal
  /** For the run's log: which occurrence, which attempt, which worker. */
  readonly note: string
  readonly attempt: number
  /** How many attempts the job has in all: `attempt < attempts` means a retry follows a failure. */
  readonly attempts: number
  /**
   * True when an earlier attempt of this job started and did not finish on its worker (killed, or
   * handed back at shutdown): the run should resume the stored plan of that attempt rather than plan
   * anew (the deployment's `runJob(…, { resume: true })`).
   */
  readonly resume: boolean
  /**
   * On a retry, the link runs that earlier attempts of this job started, oldest first. An attempt can
   * finish its run and die before pg-boss hears of it; the retry that follows should not run the job
   * again when one of these runs already ended without failure.
   */
  readonly earlierRuns: ReadonlyArray<string>
}

/**
 * Runs one job; resolves with the run's status (`alreadyDone`: the earlier attempt's run that had
 * finished the job, when nothing ran). A `failed` status or a rejection is retried.
 */
export type JobRunner = (
  request: JobRequest
) => Promise<{ readonly status: string; readonly alreadyDone?: string | undefined }>

/** A clock the planner reads "now" from: the system clock, or a test's. */
export interface WorkerClock {
  now(): number
}

export interface WorkerOptions {
  readonly name?: string | undefined
  readonly queue: RunQueueOptions
  /** Every enabled schedule (the deployment's `schedules()`), read on every tick. */
  readonly schedules: () => Promise<ReadonlyArray<DueSchedule>>
  readonly runJob: JobRunner
  readonly clock?: WorkerClock | undefined
  /** Real milliseconds between planner ticks (default 15 000). */
  readonly tickMs?: number | undefined
  /** Jobs this worker runs at once (default 2; always one per link). */
  readonly concurrency?: number | undefined
  /** Whether this worker plans (default true); a fleet may leave planning to some of its workers. */
  readonly plan?: boolean | undefined
  /** Where a job's failure after its last try is mailed, once. */
  readonly alert?: { readonly mailer: Mailer; readonly to: ReadonlyArray<string> } | undefined
  readonly log?: WorkerLog | undefined
  readonly metrics?: Metrics | undefined
}

/** A started worker. */
export interface Worker {
  readonly name: string
  readonly metrics: Metrics
  readonly queue: RunQueue
  /** Plans once now (the ticks do this on their own); resolves with the jobs it enqueued. */
  tick(): Promise<number>
  /** True until `stop` begins. */
  readonly running: boolean
  /** Jobs this worker runs now. */
  readonly active: number
  /**
   * Stops taking work, lets running jobs finish within `graceMs` (default 30 s), then hands them back
   * to the queue (another worker retries them) and closes the connections.
   */
  stop(options?: { readonly graceMs?: number | undefined }): Promise<void>
}

const help = {
  run: "Job attempts started by this worker, per job",
  succeeded: "Job attempts that ended without failure, per job and status",
  failed: "Job attempts that failed or threw, per job",
  retried: "Failed job attempts that will be tried again, per job",
  dead: "Jobs that failed their last try (dead-lettered and mailed once), per job",
  handedBack: "Running jobs handed back to the queue at shutdown (not a failure, not a try), per job",
  enqueued: "Occurrences this worker enqueued (each occurrence is enqueued once by the fleet), per job",
  duration: "Seconds spent in job attempts, per job"
} as const

/** How long an enqueued occurrence's row is kept (a week: far longer than any tick). */
const OCCURRENCES_KEPT_MS = 7 * 86_400_000

/** What one planning pass needs. */
interface Planner {
  readonly queue: RunQueue
  readonly schedules: () => Promise<ReadonlyArray<DueSchedule>>
  readonly log: WorkerLog
  readonly metrics: Metrics
  /** Schedules already reported as invalid, so each is logged once, not on every tick. */
  readonly badSchedules: Set<string>
  readonly running: () => boolean
}

/**
 * One planning pass: enqueues every occurrence due since the fleet's cursor of each schedule (the
 * fleet enqueues each once), then moves the cursors to `now`; resolves with the jobs it enqueued.
 */
const planDue = async (planner: Planner, now: number): Promise<number> => {
  const { queue, log, metrics, badSchedules } = planner
  const schedules = await planner.schedules()
  const cursors = await queue.cursors()
  let enqueued = 0
  for (const schedule of schedules) {
    const after = cursors.get(`${schedule.linkId}/${schedule.job}`)
    // A schedule the fleet has not planned before starts now: nothing before it is owed.
    if (after === undefined) continue
    let due: ReadonlyArray<number>
    try {
      due = occurrencesBetween(schedule, after, now)
    } catch (error) {
      const key = `${schedule.linkId}/${schedule.job}/${schedule.cron}/${schedule.timeZone}`
      if (error instanceof InvalidSchedule && !badSchedules.has(key)) {
        badSchedules.add(key)
        log("error", "schedule skipped", { linkId: schedule.linkId, job: schedule.job, error: error.message })
      }
      continue
    }
    for (const dueMs of due) {
      if (!planner.running()) return enqueued
      const id = await queue.enqueueDue(schedule.linkId, schedule.job, dueMs)
      if (id === undefined) continue
      enqueued++
      metrics.add("psa_ledger_occurrences_enqueued_total", help.enqueued, { job: schedule.job })
      log("info", "occurrence enqueued", {
        linkId: schedule.linkId,
        job: schedule.job,
        dueAt: new Date(dueMs).toISOString(),
        jobId: id
      })
    }
  }
  const keys = schedules.map((s) => [s.linkId, s.job] as const)
  await queue.advance(keys, now)
  await queue.forgetExcept(keys)
  await queue.prune(now, OCCURRENCES_KEPT_MS)
  return enqueued
}

/** Mails the alert addresses, once, that a job failed its last try. */
const mailDeadLetter = async (alert: WorkerOptions["alert"], data: RunJobData, id: string): Promise<void> => {
  if (alert === undefined || !alert.mailer.enabled || alert.to.length === 0) return
  await alert.mailer.send({
    to: alert.to,
    subject: `psa-ledger: ${data.job} for link ${data.linkId} failed its last try`,
    text: [
      `${data.job} for link ${data.linkId} failed on every try and will not be tried again.`,
      data.dueAt === undefined ? `It was started by hand.` : `It was the occurrence due ${data.dueAt}.`,
      "Each try is a run in the link's run history, with its log. Its next scheduled occurrence runs as usual.",
      `(dead-letter job ${id})`
    ].join("\n")
  })
}

/** Starts a worker: creates the queue if needed, starts consuming and (unless `plan: false`) planning. */
export const startWorker = async (options: WorkerOptions): Promise<Worker> => {
  const name = options.name ?? `worker-${process.pid}`
  const log = options.log ?? silentLog
  const metrics = options.metrics ?? new Metrics()
  const clock = options.clock ?? { now: () => Date.now() }
  const queue = makeRunQueue(options.queue)
  await queue.start()
  let running = true
  let active = 0
  const badSchedules = new Set<string>()

  const tick = (): Promise<number> =>
    planDue({ queue, schedules: options.schedules, log, metrics, badSchedules, running: () => running }, clock.now())

  const handle = async (run: QueuedRun): Promise<void> => {
    const { linkId, job, trigger, dueAt, range } = run.data
    const attempt = run.retryCount + 1
    const of = run.retryLimit + 1
    const labels = { job }
    const note = `${trigger === "schedule" ? `occurrence due ${dueAt}` : `played by ${run.data.actor ?? "someone"}`}; worker ${name}, queue job ${run.id}, attempt ${attempt} of ${of}`
    active++
    metrics.add("psa_ledger_jobs_run_total", help.run, labels)
    log("info", "job started", { linkId, job, jobId: run.id, attempt, of, ...(dueAt === undefined ? {} : { dueAt }) })
    const started = performance.now()
    let failure: string | undefined
    let recorded: Promise<void> = Promise.resolve()
    try {
      const earlierRuns = run.retryCount > 0 ? await queue.runsOf(run.id) : []
      const result = await options.runJob({
        linkId,
        job,
        trigger,
        ...(dueAt === undefined ? {} : { dueAt }),
        ...(range === undefined ? {} : { range }),
        onStart: (runId) => {
          recorded = queue.recordRun(run.id, linkId, runId).catch((error: unknown) => {
            log("warn", "could not record the job's run", { linkId, job, jobId: run.id, error: errorText(error) })
          })
        },
        signal: run.signal,
        note,
        attempt,
        attempts: of,
        resume: run.retryCount > 0,
        earlierRuns
      })
      if (result.status === "failed") failure = `${job} for link ${linkId} failed (see its run)`
      else if (result.status === "cancelled" && run.signal.aborted) failure = `${job} for link ${linkId} was taken back`
      else if (result.alreadyDone !== undefined) {
        metrics.add("psa_ledger_jobs_finished_total", help.succeeded, { job, status: "already-done" })
        log("info", "job already done", { linkId, job, jobId: run.id, attempt, runId: result.alreadyDone })
      } else {
        metrics.add("psa_ledger_jobs_finished_total", help.succeeded, { job, status: result.status })
        log("info", "job finished", { linkId, job, jobId: run.id, attempt, status: result.status })
      }
    } catch (error) {
      failure = `${job} for link ${linkId} threw: ${errorText(error)}`
    } finally {
      await recorded
      active--
      metrics.add("psa_ledger_run_duration_seconds_sum", help.duration, labels, (performance.now() - started) / 1_000)
      metrics.add("psa_ledger_run_duration_seconds_count", help.duration, labels)
    }
    if (run.handedBack()) {
      // Not a failure and not a try: another worker resumes it (the queue allowed it one more try).
      metrics.add("psa_ledger_jobs_handed_back_total", help.handedBack, labels)
      log("info", "job handed back", { linkId, job, jobId: run.id, attempt })
      return
    }
    if (failure !== undefined) {
      metrics.add("psa_ledger_jobs_failed_total", help.failed, labels)
      const again = attempt < of
      if (again) metrics.add("psa_ledger_jobs_retried_total", help.retried, labels)
      log(again ? "warn" : "error", again ? "job failed, will retry" : "job failed its last try", {
        linkId,
        job,
        jobId: run.id,
        attempt,
        of,
        error: failure
      })
      throw new Error(`${failure} (attempt ${attempt} of ${of})`)
    }
  }

  const handleDead = async (data: RunJobData, id: string): Promise<void> => {
    metrics.add("psa_ledger_jobs_dead_total", help.dead, { job: data.job })
    log("error", "job dead-lettered", { linkId: data.linkId, job: data.job, jobId: id, dueAt: data.dueAt })
    await mailDeadLetter(options.alert, data, id)
  }

  for (const [metric, text] of [
    ["psa_ledger_jobs_run_total", help.run],
    ["psa_ledger_jobs_failed_total", help.failed],
    ["psa_ledger_jobs_retried_total", help.retried],
    ["psa_ledger_jobs_dead_total", help.dead]
  ] as const)
    metrics.declare(metric, text)

  await queue.work(handle, { concurrency: options.concurrency ?? 2 })
  await queue.workDead(handleDead)

  let timer: ReturnType<typeof setTimeout> | undefined
  let ticking: Promise<void> = Promise.resolve()
  const loop = () => {
    ticking = tick().then(
      () => undefined,
      (error: unknown) => log("error", "planning failed; next tick tries again", { error: errorText(error) })
    )
    void ticking.then(() => {
      if (running) timer = setTimeout(loop, options.tickMs ?? 15_000)
    })
  }
  if (options.plan !== false) loop()
  log("info", "worker started", {
    queue: queue.queue,
    concurrency: options.concurrency ?? 2,
    plans: options.plan !== false
  })

  return {
    name,
    metrics,
    queue,
    tick,
    get running() {
      return running
    },
    get active() {
      return active
    },
    stop: async (stopOptions) => {
      if (!running) return
      running = false
      if (timer !== undefined) clearTimeout(timer)
      await ticking
      const graceMs = stopOptions?.graceMs ?? 30_000
      log("info", "worker stopping", { active, graceMs })
      await queue.stop(graceMs)
      log("info", "worker stopped", {})
    }
  }
}
