// The worker as a process: a deployment's schedules and jobs, /health and /metrics on a port of its
// own, JSON logs, and a graceful stop on SIGTERM or SIGINT. Shared by `psa-ledger-worker` and
// `psa-ledger worker`.
import { readFileSync } from "node:fs"
import type { DeploymentApi } from "@psa-ledger/deployment"
import type { Mailer } from "@psa-ledger/link"
import type { RetryPolicy } from "@psa-ledger/link/pg-boss"
import { errorText, jsonLog, type WorkerLog } from "./log.ts"
import { Metrics, serveMetrics } from "./metrics.ts"
import { type JobRunner, startWorker, type Worker, type WorkerClock } from "./Worker.ts"

/** Run statuses that mean the job's body ran to its end (`partial`: some rows failed, each named in its log). */
const finishedStatuses: ReadonlySet<string> = new Set(["succeeded", "partial"])

/**
 * The deployment's jobs as the worker runs them: `exact.keepAlive`, or the link's `run(job)` —
 * `reconciliation.apply` applies only what the link's approval policy lets an unattended run apply.
 * A link busy with a run outside the queue (someone pressed "play" in a portal without workers) is
 * waited for, up to `waitMs`, rather than failed.
 */
export const deploymentJobRunner =
  (deployment: DeploymentApi, options: { readonly waitMs?: number | undefined } = {}): JobRunner =>
  async (request) => {
    // An earlier attempt that finished its run (and died before pg-boss heard of it) did the job:
    // a retry runs nothing, so the link's history and mail show the job once.
    if (request.earlierRuns.length > 0) {
      const link = await deployment.links.open(request.linkId)
      for (const runId of request.earlierRuns) {
        const earlier = await link.runs.get(runId)
        if (earlier !== undefined && earlier.job === request.job && finishedStatuses.has(earlier.status)) {
          return { status: earlier.status, alreadyDone: runId }
        }
      }
    }
    const result = await deployment.runJob(request.linkId, request.job, {
      trigger: request.trigger,
      signal: request.signal,
      note: request.note,
      // The link mails a failure once: from the last attempt, not from each try before a retry.
      retryFollows: request.attempt < request.attempts,
      // A job taken over from an attempt that did not finish resumes that attempt's stored plan.
      resume: request.resume,
      ...(request.range === undefined ? {} : { range: request.range }),
      onStart: request.onStart,
      wait: { timeoutMs: options.waitMs ?? 5 * 60_000 }
    })
    const status = (result as { status?: unknown } | undefined)?.status
    return { status: typeof status === "string" ? status : "succeeded" }
  }

/** A clock read from a file holding an ISO 8601 time: rehearsing a month of schedules, and tests. */
export const fileClock = (path: string): WorkerClock => ({
  now: () => {
    const text = readFileSync(path, "utf8").trim()
    const ms = Date.parse(text)
    if (Number.isNaN(ms)) throw new Error(`the clock file ${path} holds no ISO 8601 time`)
    return ms
  }
})

export interface HostOptions {
  readonly deployment: DeploymentApi
  /** The PostgreSQL the fleet shares (the deployment's own database is the natural choice). */
  readonly connectionString: string
  readonly queueSchema?: string | undefined
  readonly name?: string | undefined
  readonly concurrency?: number | undefined
  readonly graceMs?: number | undefined
  readonly tickMs?: number | undefined
  readonly heartbeatSeconds?: number | undefined
  readonly superviseSeconds?: number | undefined
  readonly pollingSeconds?: number | undefined
  readonly retries: RetryPolicy
  readonly plan?: boolean | undefined
  readonly clock?: WorkerClock | undefined
  /** The /health and /metrics port (0: any free port, `undefined`: none). */
  readonly port?: number | undefined
  readonly host?: string | undefined
  readonly alert?: { readonly mailer: Mailer; readonly to: ReadonlyArray<string> } | undefined
  /** Default: the deployment's jobs. */
  readonly runJob?: JobRunner | undefined
  readonly metrics?: Metrics | undefined
  readonly log?: WorkerLog | undefined
  /** Stops the worker when aborted (the hosts abort it on SIGTERM and SIGINT). */
  readonly signal: AbortSignal
}

/**
 * A worker started on a deployment whose `scheduling` is `in-process`: its server runs the
 * schedules, and a worker planning them too would run each occurrence twice.
 */
export class SchedulingInProcess extends Error {
  constructor() {
    super(
      'the deployment\'s scheduling is "in-process": its server runs the schedules, so this worker would run them a second time. ' +
        'Set the deployment\'s scheduling to "workers" (PUT /api/v1/settings/scheduling as an admin, or settings.update({ scheduling: "workers" }) of @psa-ledger/deployment), then start the workers.'
    )
    this.name = "SchedulingInProcess"
  }
}

/**
 * Runs a worker until `signal` aborts, then stops it gracefully; resolves when all is closed.
 * Refuses (`SchedulingInProcess`) unless the deployment's `scheduling` is `workers`.
 */
export const hostWorker = async (options: HostOptions): Promise<void> => {
  if ((await options.deployment.scheduling()) !== "workers") throw new SchedulingInProcess()
  const metrics = options.metrics ?? new Metrics()
  const name = options.name ?? `worker-${process.pid}`
  const log = options.log ?? jsonLog(name)
  const worker: Worker = await startWorker({
    name,
    queue: {
      connectionString: options.connectionString,
      schema: options.queueSchema,
      heartbeatSeconds: options.heartbeatSeconds,
      superviseSeconds: options.superviseSeconds,
      pollingSeconds: options.pollingSeconds,
      retries: options.retries
    },
    schedules: () => options.deployment.schedules(),
    runJob: options.runJob ?? deploymentJobRunner(options.deployment),
    clock: options.clock,
    tickMs: options.tickMs,
    concurrency: options.concurrency,
    plan: options.plan,
    alert: options.alert,
    log,
    metrics
  })
  const server =
    options.port === undefined
      ? undefined
      : await serveMetrics({
          port: options.port,
          host: options.host,
          health: () => ({ ok: worker.running, worker: name, active: worker.active }),
          metrics: async () => {
            try {
              metrics.set("psa_ledger_queue_depth", "Jobs waiting in the fleet's queue", await worker.queue.depth())
            } catch {
              // The depth is left as last read; the counters are still worth serving.
            }
            return metrics.text()
          }
        })
  if (server !== undefined)
    log("info", "health and metrics served", { port: server.port, paths: ["/health", "/metrics"] })
  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve()
    else options.signal.addEventListener("abort", () => resolve(), { once: true })
  })
  try {
    await worker.stop({ graceMs: options.graceMs })
  } catch (error) {
    log("error", "stopping the worker failed", { error: errorText(error) })
  } finally {
    await server?.close()
  }
}

/** An AbortSignal aborted by the first SIGTERM or SIGINT; a second one exits at once. */
export const stopSignal = (log: WorkerLog): AbortSignal => {
  const controller = new AbortController()
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      log("warn", "second signal: exiting without handing jobs back (their heartbeat lapses instead)", { signal })
      process.exit(130)
    }
    log("info", "signal received: finishing running jobs, then handing back what is left", { signal })
    controller.abort(new Error(signal))
  }
  process.on("SIGTERM", onSignal)
  process.on("SIGINT", onSignal)
  return controller.signal
}
