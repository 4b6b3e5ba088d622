import { randomUUID } from "node:crypto"
import {
  type LogLevel,
  NewLogEntry,
  Run,
  type RunLeases,
  type RunStatus,
  RunStore,
  StorageLimits
} from "@psa-ledger/reconcile-core"
import { Cause, Clock, Context, DateTime, Effect, Exit, Layer, Schedule, type Schema } from "effect"
import { formatCounts, formatDuration, truncate } from "./internal/format.ts"
import { redactFields } from "./internal/redact.ts"
import { acquireRunLease, type WaitForLink } from "./internal/runLease.ts"
import { LinkCancelledError, LinkError, toLinkError } from "./LinkError.ts"
import { type Mailer, type MailOutcome, mailRun, noMailer } from "./Mail.ts"
import {
  type ProgressEvent,
  type ProgressListener,
  type ProgressTracker,
  safeListener,
  trackProgress
} from "./Progress.ts"

/**
 * Structured logging into the run's log. Calls return at once: entries are buffered and written
 * to the `RunStore` in batches, and flushed when the run ends, whatever way it ends. Fields pass
 * through `redactFields`, so secrets never reach the store.
 *
 * @since 0.1.0
 */
export interface RunLogger {
  debug(message: string, fields?: Readonly<Record<string, unknown>>): void
  info(message: string, fields?: Readonly<Record<string, unknown>>): void
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void
  error(message: string, fields?: Readonly<Record<string, unknown>>): void
}

/**
 * What a job's body gets while it runs.
 *
 * Count items with the names `done`, `skipped` and `failed` (or any others): a body that succeeds
 * with `failed > 0` ends the run as `partial`.
 *
 * @since 0.1.0
 */
export interface RunContext {
  readonly runId: string
  readonly linkId: string
  readonly job: string
  readonly trigger: "manual" | "schedule"
  /** Aborted when the host cancels; long loops should check it between items. */
  readonly signal: AbortSignal
  readonly log: RunLogger
  /** Adds `by` (default 1) to a counter. */
  count(name: string, by?: number): void
  /** The counters so far. */
  readonly counts: Readonly<Record<string, number>>
  /** Reports progress to the host's `onProgress`, as is. */
  progress(event: ProgressEvent): void
  /** Starts a phase whose progress is reported thinned (about 100 events however many items). */
  track(phase: string, total?: number): ProgressTracker
  /** Sets the job's own sentence for the run's summary, e.g. `"Transferred 12 invoices."`. */
  summarize(text: string): void
  /**
   * Sets the job's outcome as data (e.g. an apply's report per operation), stored with the run when
   * it finishes, whatever way it finishes, and read back with `RunStore.result`. Made JSON and
   * redacted as log fields are; a later call replaces an earlier one.
   */
  keepResult(result: unknown): void
  /** Writes the buffered entries now (they are written anyway, in batches and at the end). */
  readonly flush: Effect.Effect<void>
}

/**
 * The run to start.
 *
 * @since 0.1.0
 */
export interface RunRequest {
  readonly linkId: string
  /** E.g. `"reconciliation.apply"`, `"transfer.run"`, `"transfer.syncPayments"`: see `Jobs`. */
  readonly job: string
  /** Default `"manual"`. */
  readonly trigger?: "manual" | "schedule" | undefined
  /** Job-specific facts kept with the run, e.g. `{ month: "2026-03" }`. Secrets are redacted. */
  readonly details?: Readonly<Record<string, unknown>> | undefined
  readonly onProgress?: ProgressListener | undefined
  /** Cancels the run: the body is interrupted and the run ends `cancelled`. */
  readonly signal?: AbortSignal | undefined
  /** A first info entry, e.g. from a scheduler: `"attempt 2 of 3"`. */
  readonly note?: string | undefined
  /** Where the run's mail goes (the link's address); no mail when empty or without a mailer. */
  readonly mailTo?: string | ReadonlyArray<string> | undefined
  /** The link's display name for the mail. */
  readonly linkName?: string | undefined
  /**
   * When another run holds the link (one run per link at a time, with `RunSettings.leases`): wait
   * for it (`true`, or at most `timeoutMs`) instead of failing at once with `Busy`.
   */
  readonly wait?: WaitForLink | undefined
  /**
   * Called once with the run's id when the run is recorded, before its body starts: a host that
   * starts a run in the background answers with this id at once. Must not throw (a throw is ignored).
   */
  readonly onStart?: ((runId: string) => void) | undefined
  /**
   * A scheduler's retry follows if this attempt does not succeed: a failed or cancelled attempt
   * is then not mailed (the outcome is `"held for the retry"`), so that a failure reaches the
   * link's address once, from the last attempt, not once per try.
   */
  readonly retryFollows?: boolean | undefined
}

/**
 * A finished run: the stored `Run` (status, counts, summary), the body's value when it completed,
 * the error when it did not, and what became of the mail.
 *
 * @since 0.1.0
 */
export interface RunResult<A> {
  readonly run: Run
  readonly status: Exclude<RunStatus, "running">
  readonly value: A | undefined
  readonly error: LinkError | undefined
  readonly mail: MailOutcome
}

/**
 * The names of the jobs a link runs.
 *
 * @since 0.1.0
 */
export const Jobs = {
  apply: "reconciliation.apply",
  transfer: "transfer.run",
  syncPayments: "transfer.syncPayments"
} as const

/**
 * Where run ids come from (default: random UUIDs). Provide your own for deterministic tests.
 *
 * @since 0.1.0
 */
export const RunIds = Context.Reference<{ readonly next: () => string }>("@psa-ledger/link/RunIds", {
  defaultValue: () => ({ next: () => randomUUID() })
})

/**
 * How runs log and mail: the mailer (default none), the write batch size (default 100 entries; the
 * buffer is also written every second, so a dying process loses at most a second of its log), the
 * lowest level kept (default `debug`), a tap the host may use to mirror entries to its own logger,
 * and the per-link run leases (one run per link at a time across processes; none by default).
 *
 * @since 0.1.0
 */
export interface RunSettingsShape {
  readonly mailer: Mailer
  readonly batchSize: number
  readonly minLevel: LogLevel
  /** Called with every redacted entry, and with log writes that failed; must not throw. */
  readonly tap?: ((event: RunTapEvent) => void) | undefined
  /** Where runs take their link's lease; without it runs of a link are not kept apart. */
  readonly leases?: RunLeases["Service"] | undefined
  /** How long a run's lease lives without a heartbeat (default a minute): a dead process holds its link this long. */
  readonly leaseMs?: number | undefined
  /**
   * How long a cancelled run's body may take to stop by itself (it watches `ctx.signal`) before
   * it is abandoned. Within it the run records what the body did (its counts and report); after
   * it the run is recorded as cancelled with what was counted so far. Default 0: an Effect body is
   * interrupted at once. The promise face (`makeRunner`) waits 30 s, as a promise cannot be
   * interrupted and the writes it has started are still landing.
   */
  readonly cancelGraceMs?: number | undefined
}

/**
 * What the `tap` of `RunSettings` sees.
 *
 * @since 0.1.0
 */
export type RunTapEvent =
  | { readonly _tag: "Entry"; readonly linkId: string; readonly runId: string; readonly entry: NewLogEntry }
  | { readonly _tag: "LogWriteFailed"; readonly linkId: string; readonly runId: string; readonly error: LinkError }

/**
 * The run settings as a service with defaults; `RunSettings.layer({ mailer })` overrides some.
 *
 * @since 0.1.0
 */
export const RunSettings = Object.assign(
  Context.Reference<RunSettingsShape>("@psa-ledger/link/RunSettings", {
    defaultValue: () => ({ mailer: noMailer, batchSize: LOG_BATCH, minLevel: "debug" })
  }),
  {
    /** A layer with some settings changed from the defaults. */
    layer: (settings: Partial<RunSettingsShape>): Layer.Layer<never> =>
      Layer.succeed(RunSettings, { mailer: noMailer, batchSize: LOG_BATCH, minLevel: "debug", ...settings })
  }
)

/** How long the promise face lets a cancelled body stop by itself (see `cancelGraceMs`). */
const PROMISE_CANCEL_GRACE_MS = 30_000

/** Entries per log write, and how often (real ms) the buffer is written however few it holds. */
const LOG_BATCH = 100
const LOG_FLUSH_MS = 1_000

const LEVELS: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3 }

/** Entries held while the store refuses writes; beyond this the oldest are dropped, and counted. */
const MAX_PENDING = 100_000

/**
 * Buffers log entries and appends them in batches, one append in flight at a time so the order
 * holds. A failed append keeps its entries for the next attempt; it never reaches the job.
 */
class LogBuffer {
  private pending: Array<NewLogEntry> = []
  private inflight: Promise<void> | undefined
  lost = 0
  failedWrites = 0

  private readonly write: (entries: ReadonlyArray<NewLogEntry>) => Promise<void>
  private readonly batchSize: number
  private readonly onFailure: (error: LinkError) => void

  // Plain fields rather than parameter properties: hosts run this source with Node's type stripping.
  constructor(
    write: (entries: ReadonlyArray<NewLogEntry>) => Promise<void>,
    batchSize: number,
    onFailure: (error: LinkError) => void
  ) {
    this.write = write
    this.batchSize = batchSize
    this.onFailure = onFailure
  }

  push(entry: NewLogEntry): void {
    this.pending.push(entry)
    if (this.pending.length > MAX_PENDING) {
      this.pending.splice(0, this.pending.length - MAX_PENDING)
      this.lost++
    }
    if (this.pending.length >= this.batchSize && this.inflight === undefined) {
      this.inflight = this.writeFullBatches().finally(() => {
        this.inflight = undefined
      })
    }
  }

  private async writeOne(): Promise<boolean> {
    const batch = this.pending.slice(0, this.batchSize)
    try {
      await this.write(batch)
      this.pending.splice(0, batch.length)
      return true
    } catch (error) {
      this.failedWrites++
      this.onFailure(toLinkError(error))
      return false
    }
  }

  /** Writes what is buffered, if no write is in flight (the periodic flush). */
  tick(): void {
    if (this.pending.length === 0 || this.inflight !== undefined) return
    this.inflight = this.writeOne()
      .then(() => undefined)
      .finally(() => {
        this.inflight = undefined
      })
  }

  private async writeFullBatches(): Promise<void> {
    while (this.pending.length >= this.batchSize) {
      if (!(await this.writeOne())) return
    }
  }

  /** Writes everything buffered, retrying a failing store `attempts` times in all. */
  async flush(attempts: number): Promise<void> {
    if (this.inflight !== undefined) await this.inflight
    let tries = 0
    while (this.pending.length > 0) {
      if (await this.writeOne()) continue
      tries++
      if (tries >= attempts) return
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** tries))
    }
  }

  get unwritten(): number {
    return this.pending.length
  }
}

const asRecipients = (to: string | ReadonlyArray<string> | undefined): ReadonlyArray<string> =>
  to === undefined ? [] : typeof to === "string" ? (to.trim() === "" ? [] : [to]) : to.filter((t) => t.trim() !== "")

/**
 * Runs a job as a run: creates the `Run` (status `running`), hands the body a `RunContext`, and
 * finishes the run with its status, counts and a one-paragraph summary, then mails it to
 * `mailTo`. The body's failure is recorded in the run, not raised: the effect fails only when the
 * run could not be created or finished in the store. Status: `succeeded`; `partial` when the
 * body succeeded with a `failed` count above zero; `failed` when it failed or threw; `cancelled`
 * when `signal` aborted or the fiber was interrupted.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RunStore } from "@psa-ledger/reconcile-core"
 * import { runJob } from "@psa-ledger/link"
 *
 * const result = runJob({ linkId: "link-1", job: "transfer.run", mailTo: "finance@msp.example" }, (ctx) =>
 *   Effect.gen(function* () {
 *     const tracker = ctx.track("transfer.invoices", 2)
 *     for (const invoice of ["INV-1", "INV-2"]) {
 *       ctx.log.info("invoice transferred", { invoice })
 *       ctx.count("done")
 *       tracker.advance()
 *     }
 *     ctx.summarize("Transferred 2 invoices.")
 *   })
 * ).pipe(Effect.provide(RunStore.layerMemory))
 * ```
 *
 * @since 0.1.0
 */
export const runJob = <A, E, R>(
  request: RunRequest,
  body: (ctx: RunContext) => Effect.Effect<A, E, R>
): Effect.Effect<RunResult<A>, LinkError, R | RunStore> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function* () {
      const store = yield* RunStore
      const ids = yield* RunIds
      const settings = yield* RunSettings
      const clock = yield* Clock.Clock
      const { linkId, job } = request
      const trigger = request.trigger ?? "manual"
      const runId = ids.next()
      const startedMs = clock.currentTimeMillisUnsafe()
      const details = request.details === undefined ? undefined : redactFields(request.details)
      // One run per link at a time: the link's lease first, so a busy link creates no run.
      const releaseLease =
        settings.leases === undefined
          ? Effect.void
          : yield* restore(
              acquireRunLease({
                leases: settings.leases,
                store,
                linkId,
                runId,
                job,
                now: () => clock.currentTimeMillisUnsafe(),
                wait: request.wait,
                leaseMs: settings.leaseMs
              })
            )
      yield* store
        .create(
          linkId,
          new Run({
            id: runId,
            job,
            trigger,
            status: "running",
            startedAt: DateTime.makeUnsafe(startedMs),
            counts: {},
            ...(details === undefined ? {} : { details })
          })
        )
        .pipe(
          Effect.mapError(toLinkError),
          Effect.tapError(() => releaseLease)
        )
      try {
        request.onStart?.(runId)
      } catch {
        // The host's notice must not break the run.
      }

      const tap = settings.tap
      const callTap = (event: RunTapEvent) => {
        try {
          tap?.(event)
        } catch {
          // The host's mirror must not break the run.
        }
      }
      const buffer = new LogBuffer(
        (entries) => Effect.runPromise(store.append(linkId, runId, entries)).then(() => undefined),
        Math.max(1, Math.min(settings.batchSize, 1_000)),
        (error) => callTap({ _tag: "LogWriteFailed", linkId, runId, error })
      )
      const flushTimer = setInterval(() => buffer.tick(), LOG_FLUSH_MS)
      flushTimer.unref?.()
      const minLevel = LEVELS[settings.minLevel]
      const write = (level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>) => {
        if (LEVELS[level] < minLevel) return
        const entry = new NewLogEntry({
          at: DateTime.makeUnsafe(clock.currentTimeMillisUnsafe()),
          level,
          message: truncate(String(message), StorageLimits.text),
          fields: redactFields(fields)
        })
        buffer.push(entry)
        if (tap !== undefined) callTap({ _tag: "Entry", linkId, runId, entry })
      }
      const log: RunLogger = {
        debug: (message, fields) => write("debug", message, fields),
        info: (message, fields) => write("info", message, fields),
        warn: (message, fields) => write("warn", message, fields),
        error: (message, fields) => write("error", message, fields)
      }
      const counts: Record<string, number> = {}
      let jobSummary: string | undefined
      let jobResult: Schema.Json | undefined
      const onProgress = safeListener(request.onProgress)
      const controller = new AbortController()
      const external = request.signal
      const forward = () => controller.abort(external?.reason)
      if (external?.aborted) forward()
      else external?.addEventListener("abort", forward, { once: true })

      const ctx: RunContext = {
        runId,
        linkId,
        job,
        trigger,
        signal: controller.signal,
        log,
        count: (name, by = 1) => {
          counts[name] = (counts[name] ?? 0) + Math.trunc(by)
        },
        get counts() {
          return { ...counts }
        },
        progress: onProgress,
        track: (phase, total) => trackProgress(onProgress, phase, total),
        summarize: (text) => {
          jobSummary = text
        },
        keepResult: (result) => {
          jobResult = redactFields({ result }).result ?? null
        },
        flush: Effect.promise(() => buffer.flush(1))
      }

      if (request.note !== undefined) log.info(request.note)
      log.info(`${job} started`, { trigger, ...(details ?? {}) })

      const grace = Math.max(0, settings.cancelGraceMs ?? 0)
      const cancelled = Effect.callback<never, LinkError>((resume) => {
        const failure = Effect.fail(
          LinkError.of(new LinkCancelledError({ message: `${job} was cancelled by the caller` }))
        )
        const fire = () => resume(grace === 0 ? failure : Effect.andThen(Effect.sleep(grace), failure))
        if (controller.signal.aborted) fire()
        else controller.signal.addEventListener("abort", fire, { once: true })
        return Effect.sync(() => controller.signal.removeEventListener("abort", fire))
      })
      const exit = yield* Effect.exit(
        restore(
          Effect.raceFirst(
            Effect.suspend(() => body(ctx)),
            cancelled
          )
        )
      )
      external?.removeEventListener("abort", forward)

      const finishedMs = clock.currentTimeMillisUnsafe()
      const { status, error } = outcome(exit, counts, controller.signal.aborted)
      if (error !== undefined) {
        log.error(`${job} ${status === "cancelled" ? "was cancelled" : "failed"}`, {
          reason: error.reason._tag,
          error: error.message
        })
      }
      const duration = formatDuration(finishedMs - startedMs)
      const summary = truncate(
        [
          `${job} ${status} in ${duration}: ${formatCounts(counts)}.`,
          jobSummary,
          error === undefined ? undefined : error.message
        ]
          .filter((part): part is string => part !== undefined && part !== "")
          .join(" "),
        StorageLimits.text
      )
      log.info(`${job} finished: ${status}`, { durationMs: finishedMs - startedMs, counts: { ...counts } })
      clearInterval(flushTimer)
      yield* Effect.promise(() => buffer.flush(3))
      if (buffer.lost > 0 || buffer.unwritten > 0) {
        counts.logEntriesLost = buffer.unwritten + buffer.lost
      }
      const run = yield* store
        .update(linkId, runId, {
          status,
          finishedAt: DateTime.makeUnsafe(finishedMs),
          counts,
          summary,
          ...(jobResult === undefined ? {} : { result: jobResult })
        })
        .pipe(
          Effect.retry({ times: 3, schedule: Schedule.exponential("50 millis") }),
          Effect.mapError(
            (cause) =>
              new LinkError({
                reason: toLinkError(cause).reason
              })
          ),
          Effect.ensuring(releaseLease)
        )
      const mail: MailOutcome =
        request.retryFollows === true && (status === "failed" || status === "cancelled")
          ? "held for the retry"
          : yield* mailRun({
              mailer: settings.mailer,
              linkId,
              linkName: request.linkName,
              run,
              to: asRecipients(request.mailTo)
            })
      return {
        run,
        status,
        value: Exit.isSuccess(exit) ? exit.value : undefined,
        error,
        mail
      } satisfies RunResult<A>
    })
  )

const outcome = <A, E>(
  exit: Exit.Exit<A, E | LinkError>,
  counts: Readonly<Record<string, number>>,
  aborted: boolean
): { readonly status: Exclude<RunStatus, "running">; readonly error: LinkError | undefined } => {
  if (Exit.isSuccess(exit)) {
    // A body that stopped early because the caller cancelled it ends as cancelled, with its counts.
    if (aborted)
      return {
        status: "cancelled",
        error: LinkError.of(new LinkCancelledError({ message: "cancelled by the caller" }))
      }
    return { status: (counts.failed ?? 0) > 0 ? "partial" : "succeeded", error: undefined }
  }
  const cause = exit.cause
  if (Cause.hasInterruptsOnly(cause)) {
    return { status: "cancelled", error: LinkError.of(new LinkCancelledError({ message: "the run was interrupted" })) }
  }
  const error = toLinkError(Cause.squash(cause))
  if (aborted || error.reason._tag === "Cancelled") {
    return {
      status: "cancelled",
      error:
        error.reason._tag === "Cancelled" ? error : LinkError.of(new LinkCancelledError({ message: error.message }))
    }
  }
  return { status: "failed", error }
}

/**
 * Runs a promise-based body as a run, for hosts without Effect. Same behaviour as `runJob`.
 *
 * @since 0.1.0
 */
export interface Runner {
  run<A>(request: RunRequest, body: (ctx: RunContext) => Promise<A> | A): Promise<RunResult<A>>
}

/**
 * A promise face over `runJob`, bound to one store (and optionally a mailer and an id generator).
 * The body should watch `ctx.signal`: a cancelled run is recorded at once, but a promise cannot be
 * stopped from outside.
 *
 * @example
 * ```ts
 * import { makeMemoryRunStore } from "@psa-ledger/reconcile-core"
 * import { makeRunner } from "@psa-ledger/link"
 *
 * const runner = makeRunner({ store: makeMemoryRunStore() })
 * const result = await runner.run({ linkId: "link-1", job: "transfer.syncPayments" }, async (ctx) => {
 *   ctx.log.info("payments read", { count: 3 })
 *   ctx.count("done", 3)
 * })
 * console.log(result.status, result.run.summary)
 * ```
 *
 * @since 0.1.0
 */
export const makeRunner = (options: {
  readonly store: RunStore["Service"]
  readonly mailer?: Mailer | undefined
  readonly ids?: (() => string) | undefined
  readonly batchSize?: number | undefined
  readonly minLevel?: LogLevel | undefined
  readonly tap?: ((event: RunTapEvent) => void) | undefined
  readonly leases?: RunLeases["Service"] | undefined
  readonly leaseMs?: number | undefined
  readonly cancelGraceMs?: number | undefined
}): Runner => {
  const settings: RunSettingsShape = {
    mailer: options.mailer ?? noMailer,
    batchSize: options.batchSize ?? LOG_BATCH,
    minLevel: options.minLevel ?? "debug",
    ...(options.tap === undefined ? {} : { tap: options.tap }),
    ...(options.leases === undefined ? {} : { leases: options.leases }),
    ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
    cancelGraceMs: options.cancelGraceMs ?? PROMISE_CANCEL_GRACE_MS
  }
  return {
    run: (request, body) => {
      let effect = runJob(request, (ctx) =>
        Effect.tryPromise({ try: async () => body(ctx), catch: (error) => toLinkError(error) })
      ).pipe(Effect.provideService(RunStore, options.store), Effect.provideService(RunSettings, settings))
      if (options.ids !== undefined) {
        const next = options.ids
        effect = effect.pipe(Effect.provideService(RunIds, { next }))
      }
      return Effect.runPromise(effect)
    }
  }
}
