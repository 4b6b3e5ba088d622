import { randomUUID } from "node:crypto"
import {
  type LogLevel,
  type NewLogEntry,
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
import { openRunLog, type RunLog } from "./internal/runLog.ts"
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

/**
 * How long a cancelled body may take to stop by itself (see `cancelGraceMs`) before it is
 * interrupted: the link's flows stop before their next invoice or operation and keep their report.
 */
export const CANCEL_GRACE_MS = 30_000

/** Entries per log write (the log is also written every second). */
const LOG_BATCH = 100

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
      const opened = yield* openRun(request, restore)
      const { log, controller } = opened
      const live = liveContext(opened, request)
      if (request.note !== undefined) log.logger.info(request.note)
      log.logger.info(`${request.job} started`, { trigger: opened.trigger, ...(opened.details ?? {}) })
      const exit = yield* Effect.exit(
        restore(
          Effect.raceFirst(
            Effect.suspend(() => body(live.ctx)),
            whenCancelled(controller.signal, request.job, opened.settings.cancelGraceMs)
          )
        )
      )
      live.detach()
      const { run, status, error, mail } = yield* finishRun(opened, request, exit, live)
      return { run, status, value: Exit.isSuccess(exit) ? exit.value : undefined, error, mail } satisfies RunResult<A>
    })
  )

/** A run recorded as `running`, holding its link's lease, with its log open. */
interface OpenedRun {
  readonly runId: string
  readonly startedMs: number
  readonly trigger: "manual" | "schedule"
  readonly details: Readonly<Record<string, unknown>> | undefined
  readonly store: RunStore["Service"]
  readonly settings: RunSettingsShape
  readonly now: () => number
  readonly log: RunLog
  readonly controller: AbortController
  readonly releaseLease: Effect.Effect<void>
}

/**
 * Takes the link's lease, then records the run: a busy link creates no run, and a run that could
 * not be recorded gives its lease back. `restore` lets the wait for a busy link be interrupted.
 */
const openRun = Effect.fn("run.open")(function* (
  request: RunRequest,
  restore: <X, Y, Z>(effect: Effect.Effect<X, Y, Z>) => Effect.Effect<X, Y, Z>
) {
  const store = yield* RunStore
  const ids = yield* RunIds
  const settings = yield* RunSettings
  const clock = yield* Clock.Clock
  const now = () => clock.currentTimeMillisUnsafe()
  const { linkId, job } = request
  const trigger = request.trigger ?? "manual"
  const runId = ids.next()
  const startedMs = now()
  const details = request.details === undefined ? undefined : redactFields(request.details)
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
            now,
            wait: request.wait,
            leaseMs: settings.leaseMs
          })
        )
  const run = new Run({
    id: runId,
    job,
    trigger,
    status: "running",
    startedAt: DateTime.makeUnsafe(startedMs),
    counts: {},
    ...(details === undefined ? {} : { details })
  })
  yield* store.create(linkId, run).pipe(
    Effect.mapError(toLinkError),
    Effect.tapError(() => releaseLease)
  )
  try {
    request.onStart?.(runId)
  } catch {
    // The host's notice must not break the run.
  }
  const log = openRunLog({
    store,
    linkId,
    runId,
    batchSize: settings.batchSize,
    minLevel: settings.minLevel,
    tap: settings.tap,
    now
  })
  const controller = new AbortController()
  return { runId, startedMs, trigger, details, store, settings, now, log, controller, releaseLease } satisfies OpenedRun
})

/** The body's `RunContext` and what it gathers (counts, summary, result) for the run's record. */
interface LiveContext {
  readonly ctx: RunContext
  readonly counts: Record<string, number>
  readonly summary: () => string | undefined
  readonly result: () => Schema.Json | undefined
  /** Stops forwarding the caller's signal. */
  readonly detach: () => void
}

const liveContext = (opened: OpenedRun, request: RunRequest): LiveContext => {
  const { controller, log } = opened
  const counts: Record<string, number> = {}
  let jobSummary: string | undefined
  let jobResult: Schema.Json | undefined
  const onProgress = safeListener(request.onProgress)
  const external = request.signal
  const forward = () => controller.abort(external?.reason)
  if (external?.aborted) forward()
  else external?.addEventListener("abort", forward, { once: true })
  const ctx: RunContext = {
    runId: opened.runId,
    linkId: request.linkId,
    job: request.job,
    trigger: opened.trigger,
    signal: controller.signal,
    log: log.logger,
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
    flush: Effect.promise(() => log.flush(1))
  }
  return {
    ctx,
    counts,
    summary: () => jobSummary,
    result: () => jobResult,
    detach: () => external?.removeEventListener("abort", forward)
  }
}

/** Fails `Cancelled` once `signal` aborts, after `graceMs` in which the body may stop by itself. */
const whenCancelled = (signal: AbortSignal, job: string, graceMs: number | undefined) => {
  const grace = Math.max(0, graceMs ?? 0)
  return Effect.callback<never, LinkError>((resume) => {
    const failure = Effect.fail(LinkError.of(new LinkCancelledError({ message: `${job} was cancelled by the caller` })))
    const fire = () => resume(grace === 0 ? failure : Effect.andThen(Effect.sleep(grace), failure))
    if (signal.aborted) fire()
    else signal.addEventListener("abort", fire, { once: true })
    return Effect.sync(() => signal.removeEventListener("abort", fire))
  })
}

/**
 * Records how the run ended (status, counts, summary, result), writes the rest of its log, gives
 * the lease back whatever happens, and mails the run.
 */
const finishRun = Effect.fn("run.finish")(function* <A, E>(
  opened: OpenedRun,
  request: RunRequest,
  exit: Exit.Exit<A, E | LinkError>,
  live: LiveContext
) {
  const { log, runId, startedMs, settings } = opened
  const { job, linkId } = request
  const counts = live.counts
  const finishedMs = opened.now()
  const { status, error } = outcome(exit, counts, opened.controller.signal.aborted)
  if (error !== undefined) {
    log.logger.error(`${job} ${status === "cancelled" ? "was cancelled" : "failed"}`, {
      reason: error.reason._tag,
      error: error.message
    })
  }
  const summary = truncate(
    [
      `${job} ${status} in ${formatDuration(finishedMs - startedMs)}: ${formatCounts(counts)}.`,
      live.summary(),
      error === undefined ? undefined : error.message
    ]
      .filter((part): part is string => part !== undefined && part !== "")
      .join(" "),
    StorageLimits.text
  )
  log.logger.info(`${job} finished: ${status}`, { durationMs: finishedMs - startedMs, counts: { ...counts } })
  const lost = yield* log.close
  if (lost > 0) counts.logEntriesLost = lost
  const result = live.result()
  const run = yield* opened.store
    .update(linkId, runId, {
      status,
      finishedAt: DateTime.makeUnsafe(finishedMs),
      counts,
      summary,
      ...(result === undefined ? {} : { result })
    })
    .pipe(
      Effect.retry({ times: 3, schedule: Schedule.exponential("50 millis") }),
      Effect.mapError((cause) => new LinkError({ reason: toLinkError(cause).reason })),
      Effect.ensuring(opened.releaseLease)
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
  // The run's record says whether its mail went out (the runs page shows it); the mail was tried
  // whatever becomes of this write, so a failed one leaves the record without it, never the run failed.
  const recorded = yield* opened.store.update(linkId, runId, { mail }).pipe(Effect.orElseSucceed(() => run))
  return { run: recorded, status, error, mail }
})

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
    cancelGraceMs: options.cancelGraceMs ?? CANCEL_GRACE_MS
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
