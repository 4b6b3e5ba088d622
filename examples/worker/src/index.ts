// The worker's parts, for hosts that run it in their own process (`psa-ledger worker` in the CLI).

// The due-time computation is link's, shared with the server's in-process scheduling.
export {
  type DueSchedule as WorkerSchedule,
  InvalidSchedule,
  occurrenceKey,
  occurrencesBetween
} from "@psa-ledger/link/schedule"
export {
  deploymentJobRunner,
  fileClock,
  type HostOptions,
  hostWorker,
  SchedulingInProcess,
  stopSignal
} from "./host.ts"
export { errorText, jsonLog, scrub, type WorkerLog } from "./log.ts"
export { countingFetch, Metrics, serveMetrics } from "./metrics.ts"
export {
  alertOf,
  alertOptionHelp,
  alertOptions,
  hostOptionsOf,
  postgresTarget,
  workerOptionHelp,
  workerOptions
} from "./options.ts"
export { makeRunQueue, type QueuedRun, type RunJobData, type RunQueue, type RunQueueOptions } from "./queue.ts"
export { defaultRetries, parseRetry, type Retry, type RetryPolicy, retryPolicy } from "./retries.ts"
export {
  type JobRequest,
  type JobRunner,
  startWorker,
  type Worker,
  type WorkerClock,
  type WorkerOptions
} from "./Worker.ts"
