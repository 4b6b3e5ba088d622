// The worker's parts, for hosts that run it in their own process (`psa-ledger worker` in the CLI).

// The run queue and its retries are link's (\`@psa-ledger/link/pg-boss\`), shared with the server.
export {
  defaultRetries,
  makeRunQueue,
  parseRetry,
  type QueuedRun,
  type Retry,
  type RetryPolicy,
  type RunJobData,
  type RunQueue,
  type RunQueueOptions,
  retryPolicy
} from "@psa-ledger/link/pg-boss"
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
export {
  type JobRequest,
  type JobRunner,
  startWorker,
  type Worker,
  type WorkerClock,
  type WorkerOptions
} from "./Worker.ts"
