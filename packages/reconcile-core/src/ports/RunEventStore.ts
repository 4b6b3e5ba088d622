import { Context, Effect, Layer, Schema } from "effect"
import { encodeForStorage } from "./StorageCodec.ts"
import type { StorageError } from "./StorageError.ts"
import { StorageLimits } from "./StorageLimits.ts"

const Key = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(StorageLimits.key))

/**
 * One event of a run as listeners see it (progress, a log entry, the end), numbered from 1 per
 * run so a stream resumes after the last number it saw (SSE's `Last-Event-ID`).
 *
 * @since 0.1.0
 */
export const RunEvent = Schema.Struct({
  seq: Schema.Int,
  type: Key,
  data: Schema.Json,
  at: Schema.Int
})

/** @since 0.1.0 */
export type RunEvent = typeof RunEvent.Type

/**
 * Run events readable across processes: a run started by one server streams from another.
 *
 * @example
 * ```ts
 * import { RunEventStore } from "@psa-ledger/reconcile-core"
 *
 * const newer = RunEventStore.use((events) => events.list("acme-eu", runId, { after: 41 }))
 * ```
 *
 * @since 0.1.0
 */
export class RunEventStore extends Context.Service<
  RunEventStore,
  {
    /** Appends an event, numbered after the run's last; returns its number. */
    append(linkId: string, runId: string, event: Omit<RunEvent, "seq">): Effect.Effect<number, StorageError>
    /** Events numbered above `after` (default 0), oldest first, at most `limit` (default 1,000). */
    list(
      linkId: string,
      runId: string,
      options?: { readonly after?: number | undefined; readonly limit?: number | undefined }
    ): Effect.Effect<ReadonlyArray<RunEvent>, StorageError>
  }
>()("@psa-ledger/reconcile-core/RunEventStore") {
  /** A store held in memory, for tests and single-process scripts. */
  static readonly layerMemory: Layer.Layer<RunEventStore> = Layer.sync(RunEventStore, () => makeMemoryRunEventStore())
}

/** Validates an event before any adapter writes it. */
export const encodeRunEvent = encodeForStorage(RunEvent, "RunEvent")

/** The page size of `list` at most. */
export const RUN_EVENT_PAGE_LIMIT = 1_000

/**
 * The in-memory `RunEventStore`.
 *
 * @since 0.1.0
 */
export const makeMemoryRunEventStore = (): RunEventStore["Service"] => {
  const runs = new Map<string, Array<RunEvent>>()
  return RunEventStore.of({
    append: (linkId, runId, event) =>
      Effect.gen(function* () {
        const key = `${linkId}\u0000${runId}`
        const events = runs.get(key) ?? []
        const checked = yield* encodeRunEvent({ ...event, seq: events.length + 1 }, "RunEventStore.append", linkId)
        events.push(checked)
        runs.set(key, events)
        return checked.seq
      }),
    list: (linkId, runId, options) =>
      Effect.sync(() => {
        const after = Math.max(0, Math.trunc(options?.after ?? 0))
        const limit = Math.max(0, Math.min(Math.trunc(options?.limit ?? RUN_EVENT_PAGE_LIMIT), RUN_EVENT_PAGE_LIMIT))
        return (runs.get(`${linkId}\u0000${runId}`) ?? []).slice(after, after + limit)
      })
  })
}
