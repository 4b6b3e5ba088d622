import { type LogLevel, NewLogEntry, type RunStore, StorageLimits } from "@psa-ledger/reconcile-core"
import { DateTime, Effect } from "effect"
import { type LinkError, toLinkError } from "../LinkError.ts"
import type { RunLogger, RunTapEvent } from "../Runner.ts"
import { truncate } from "./format.ts"
import { redactFields } from "./redact.ts"

/** How often (real ms) the buffer is written however few entries it holds. */
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

/**
 * One run's log while it runs: the `RunLogger` its body writes to (levels below `minLevel`
 * dropped, text truncated, fields redacted, every entry mirrored to `tap`), buffered and written
 * in batches of `batchSize` and at least every second.
 */
export interface RunLog {
  readonly logger: RunLogger
  /** Writes what is buffered now, retrying a failing store `attempts` times in all. */
  flush(attempts: number): Promise<void>
  /** Stops the periodic write, writes the rest, and says how many entries never reached the store. */
  readonly close: Effect.Effect<number>
}

/** Opens the log of run `runId`. */
export const openRunLog = (options: {
  readonly store: RunStore["Service"]
  readonly linkId: string
  readonly runId: string
  readonly batchSize: number
  readonly minLevel: LogLevel
  readonly tap: ((event: RunTapEvent) => void) | undefined
  readonly now: () => number
}): RunLog => {
  const { store, linkId, runId, tap } = options
  const callTap = (event: RunTapEvent) => {
    try {
      tap?.(event)
    } catch {
      // The host's mirror must not break the run.
    }
  }
  const buffer = new LogBuffer(
    (entries) => Effect.runPromise(store.append(linkId, runId, entries)).then(() => undefined),
    Math.max(1, Math.min(options.batchSize, 1_000)),
    (error) => callTap({ _tag: "LogWriteFailed", linkId, runId, error })
  )
  const flushTimer = setInterval(() => buffer.tick(), LOG_FLUSH_MS)
  flushTimer.unref?.()
  const minLevel = LEVELS[options.minLevel]
  const write = (level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>) => {
    if (LEVELS[level] < minLevel) return
    const entry = new NewLogEntry({
      at: DateTime.makeUnsafe(options.now()),
      level,
      message: truncate(String(message), StorageLimits.text),
      fields: redactFields(fields)
    })
    buffer.push(entry)
    if (tap !== undefined) callTap({ _tag: "Entry", linkId, runId, entry })
  }
  return {
    logger: {
      debug: (message, fields) => write("debug", message, fields),
      info: (message, fields) => write("info", message, fields),
      warn: (message, fields) => write("warn", message, fields),
      error: (message, fields) => write("error", message, fields)
    },
    flush: (attempts) => buffer.flush(attempts),
    close: Effect.promise(async () => {
      clearInterval(flushTimer)
      await buffer.flush(3)
      return buffer.unwritten + buffer.lost
    })
  }
}
