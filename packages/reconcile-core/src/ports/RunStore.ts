import { Context, DateTime, Effect, Layer, Option, Schema } from "effect"
import { Instant, Key, Label, Text } from "../internal/storageFields.ts"
import { makeForStorage } from "../internal/storageIssues.ts"
import { encodeForStorage, scopedByLink } from "./StorageCodec.ts"
import { StorageConflictError, StorageError } from "./StorageError.ts"

/**
 * What started a run.
 *
 * @since 0.1.0
 */
export const RunTrigger = Schema.Literals(["manual", "schedule"])

/**
 * Where a run is in its life: `running` until it finishes as one of the others. `partial` means it
 * finished with some operations failed; `abandoned` that its process died (its lease passed) and
 * the next run of the link closed it, with the time and the reason in its summary.
 *
 * @since 0.1.0
 */
export const RunStatus = Schema.Literals(["running", "succeeded", "partial", "failed", "cancelled", "abandoned"])

/** @since 0.1.0 */
export type RunStatus = typeof RunStatus.Type

/**
 * Whether a finished run's mail went out: `sent`, `failed` (the log says why), `not configured`
 * (no mailer or no address), or `held for the retry` (a failed run that is retried mails once, at
 * the end).
 *
 * @since 0.1.0
 */
export const RunMail = Schema.Literals(["sent", "failed", "not configured", "held for the retry"])

/** @since 0.1.0 */
export type RunMail = typeof RunMail.Type

/**
 * One execution of a job for a link: an apply, a transfer, a payment sync.
 *
 * @since 0.1.0
 */
export class Run extends Schema.Class<Run>("Run")({
  id: Key,
  /** The job, e.g. `"reconciliation.apply"`, `"transfer.run"`, `"transfer.syncPayments"`. */
  job: Label,
  trigger: RunTrigger,
  status: RunStatus,
  startedAt: Instant,
  finishedAt: Schema.optional(Instant),
  /** Counters by name, e.g. `{ done: 12, skipped: 3, failed: 0 }`. */
  counts: Schema.Record(Schema.String, Schema.Int),
  summary: Schema.optional(Text),
  /** Job-specific facts, e.g. the month or the invoice date range. */
  details: Schema.optional(Schema.Json),
  /** Whether its mail went out; none until the run finished and its mail was tried. */
  mail: Schema.optional(RunMail)
}) {}

/**
 * How loud a log entry is.
 *
 * @since 0.1.0
 */
export const LogLevel = Schema.Literals(["debug", "info", "warn", "error"])

/** @since 0.1.0 */
export type LogLevel = typeof LogLevel.Type

/**
 * A log entry as written: the store numbers it.
 *
 * @since 0.1.0
 */
export class NewLogEntry extends Schema.Class<NewLogEntry>("NewLogEntry")({
  at: Instant,
  level: LogLevel,
  message: Text,
  fields: Schema.Record(Schema.String, Schema.Json)
}) {}

/**
 * A stored log entry; `seq` counts from 1 within its run, in the order entries were appended.
 *
 * @since 0.1.0
 */
export class LogEntry extends Schema.Class<LogEntry>("LogEntry")({
  seq: Schema.Int,
  at: Instant,
  level: LogLevel,
  message: Text,
  fields: Schema.Record(Schema.String, Schema.Json)
}) {}

/**
 * The changes `finish` and `update` may make to a run.
 *
 * @since 0.1.0
 */
export interface RunUpdate {
  readonly status?: RunStatus | undefined
  readonly finishedAt?: DateTime.Utc | undefined
  readonly counts?: Readonly<Record<string, number>> | undefined
  readonly summary?: string | undefined
  readonly mail?: RunMail | undefined
  /**
   * The job's outcome as data, e.g. an apply's report per operation: kept with the run so that any
   * process reads it back (`result`) without parsing the log. Replaces an earlier one.
   */
  readonly result?: Schema.Json | undefined
}

/**
 * The run's fields with those `update` sets replaced, for every `RunStore` adapter to merge alike
 * (the `result` is not among them: adapters keep it apart from the run).
 *
 * @since 0.1.0
 */
export const mergeRunUpdate = (run: Run, update: RunUpdate): typeof Run.Type => ({
  ...run,
  ...(update.status === undefined ? {} : { status: update.status }),
  ...(update.finishedAt === undefined ? {} : { finishedAt: update.finishedAt }),
  ...(update.counts === undefined ? {} : { counts: { ...update.counts } }),
  ...(update.summary === undefined ? {} : { summary: update.summary }),
  ...(update.mail === undefined ? {} : { mail: update.mail })
})

/**
 * Runs and their append-only logs, scoped by link id.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RunStore, renderLog } from "@psa-ledger/reconcile-core"
 *
 * const text = Effect.gen(function*() {
 *   const runs = yield* RunStore
 *   const entries = yield* runs.readLog("link-1", "run-42", { limit: 1000 })
 *   return renderLog(entries)
 * })
 * ```
 *
 * @since 0.1.0
 */
export class RunStore extends Context.Service<
  RunStore,
  {
    /** Records a new run; a second create with the same id is a `Conflict`. */
    create(linkId: string, run: Run): Effect.Effect<void, StorageError>
    /** Changes status, finish time, counts or summary; a missing run is a `Conflict`. */
    update(linkId: string, runId: string, update: RunUpdate): Effect.Effect<Run, StorageError>
    get(linkId: string, runId: string): Effect.Effect<Option.Option<Run>, StorageError>
    /**
     * The outcome the run's job recorded (`update` with `result`); none while it runs, for a job
     * that records none, or for a missing run. Apart from `get` and `list`, as it can be large.
     */
    result(linkId: string, runId: string): Effect.Effect<Option.Option<Schema.Json>, StorageError>
    /** Runs newest first (by start time, then id); `before` pages by a run id from the previous page. */
    list(
      linkId: string,
      options?: { readonly limit?: number | undefined; readonly before?: string | undefined }
    ): Effect.Effect<ReadonlyArray<Run>, StorageError>
    /** Appends entries in one atomic write and returns their sequence numbers. */
    append(
      linkId: string,
      runId: string,
      entries: ReadonlyArray<NewLogEntry>
    ): Effect.Effect<ReadonlyArray<number>, StorageError>
    /** Entries with `seq > afterSeq`, in order, at most `limit` (default 1,000). */
    readLog(
      linkId: string,
      runId: string,
      options?: { readonly afterSeq?: number | undefined; readonly limit?: number | undefined }
    ): Effect.Effect<ReadonlyArray<LogEntry>, StorageError>
  }
>()("@psa-ledger/reconcile-core/RunStore") {
  /** A store held in memory, for tests and single-process scripts. */
  static readonly layerMemory: Layer.Layer<RunStore> = Layer.sync(RunStore, () => makeMemoryRunStore())
}

/**
 * Renders log entries as readable text, one line each: time, level, message, then fields.
 *
 * @since 0.1.0
 */
export const renderLog = (entries: Iterable<LogEntry>): string => {
  const lines: Array<string> = []
  for (const entry of entries) {
    const fields = Object.entries(entry.fields)
      .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
      .join(" ")
    lines.push(
      `${DateTime.formatIso(entry.at)} ${entry.level.toUpperCase().padEnd(5)} ${entry.message}${fields ? ` ${fields}` : ""}`
    )
  }
  return lines.join("\n")
}

/**
 * The default and largest page of `readLog`.
 *
 * @since 0.1.0
 */
export const LOG_PAGE_LIMIT = 1_000

const validateRun = encodeForStorage(Run, "Run")
const makeRun = makeForStorage(Run, "Run")
const validateEntry = encodeForStorage(NewLogEntry, "LogEntry")

/**
 * The in-memory `RunStore`.
 *
 * @since 0.1.0
 */
export const makeMemoryRunStore = (): RunStore["Service"] => {
  const runs = new Map<string, Run>()
  const logs = new Map<string, Array<LogEntry>>()
  const results = new Map<string, Schema.Json>()
  const key = (linkId: string, runId: string) => `${linkId}\u0000${runId}`
  const missing = (operation: string, linkId: string, runId: string) =>
    new StorageError({
      operation,
      linkId,
      reason: new StorageConflictError({ record: `Run ${runId}`, message: "no such run" })
    })
  return RunStore.of(
    scopedByLink("RunStore", {
      create: (linkId, run) =>
        Effect.gen(function* () {
          yield* validateRun(run, "RunStore.create", linkId)
          if (runs.has(key(linkId, run.id))) {
            return yield* new StorageError({
              operation: "RunStore.create",
              linkId,
              reason: new StorageConflictError({ record: `Run ${run.id}`, message: "a run with this id exists" })
            })
          }
          runs.set(key(linkId, run.id), run)
        }),
      update: (linkId, runId, update) =>
        Effect.gen(function* () {
          const run = runs.get(key(linkId, runId))
          if (run === undefined) return yield* missing("RunStore.update", linkId, runId)
          const next = yield* makeRun(mergeRunUpdate(run, update), "RunStore.update", linkId)
          if (update.result !== undefined) {
            // A copy, as SQL keeps text: the caller's later changes to the value do not reach it.
            results.set(key(linkId, runId), JSON.parse(JSON.stringify(update.result)) as Schema.Json)
          }
          runs.set(key(linkId, runId), next)
          return next
        }),
      get: (linkId, runId) => Effect.sync(() => Option.fromNullishOr(runs.get(key(linkId, runId)))),
      result: (linkId, runId) => Effect.sync(() => Option.fromNullishOr(results.get(key(linkId, runId)))),
      list: (linkId, options) =>
        Effect.sync(() => {
          const prefix = `${linkId}\u0000`
          const all = [...runs.entries()]
            .filter(([k]) => k.startsWith(prefix))
            .map(([, run]) => run)
            .sort(newestFirst)
          const start = options?.before === undefined ? 0 : all.findIndex((run) => run.id === options.before) + 1
          return all.slice(start, start + (options?.limit ?? 100))
        }),
      append: (linkId, runId, entries) =>
        Effect.gen(function* () {
          if (!runs.has(key(linkId, runId))) return yield* missing("RunStore.append", linkId, runId)
          for (const entry of entries) yield* validateEntry(entry, "RunStore.append", linkId)
          let log = logs.get(key(linkId, runId))
          if (log === undefined) {
            log = []
            logs.set(key(linkId, runId), log)
          }
          const seqs: Array<number> = []
          for (const entry of entries) {
            const seq = log.length + 1
            log.push(new LogEntry({ ...entry, seq }))
            seqs.push(seq)
          }
          return seqs
        }),
      readLog: (linkId, runId, options) =>
        Effect.sync(() => {
          const log = logs.get(key(linkId, runId)) ?? []
          const after = options?.afterSeq ?? 0
          const limit = Math.min(options?.limit ?? LOG_PAGE_LIMIT, LOG_PAGE_LIMIT)
          // seq n sits at index n - 1, so a page is one slice.
          return log.slice(after, after + limit)
        })
    })
  )
}

const newestFirst = (a: Run, b: Run): number => {
  const byTime = DateTime.toEpochMillis(b.startedAt) - DateTime.toEpochMillis(a.startedAt)
  return byTime !== 0 ? byTime : a.id < b.id ? 1 : a.id > b.id ? -1 : 0
}
