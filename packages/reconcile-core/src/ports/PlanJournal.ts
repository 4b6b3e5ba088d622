import { Context, DateTime, Effect, Layer, Option, Schema } from "effect"
import { Instant, Key } from "../internal/storageFields.ts"
import { makeForStorage } from "../internal/storageIssues.ts"
import { scopedByLink } from "./StorageCodec.ts"
import { StorageConflictError, StorageError } from "./StorageError.ts"

/**
 * Where one plan operation stands.
 *
 * @since 0.1.0
 */
export const JournalStatus = Schema.Literals(["started", "done", "failed"])

/** @since 0.1.0 */
export type JournalStatus = typeof JournalStatus.Type

/**
 * The journal's record of one operation, keyed by its idempotency key.
 *
 * @since 0.1.0
 */
export class JournalEntry extends Schema.Class<JournalEntry>("JournalEntry")({
  opKey: Key,
  /** The run that holds (or last held) the operation. */
  runId: Key,
  status: JournalStatus,
  /** How many times the operation has been begun. */
  attempts: Schema.Int,
  startedAt: Instant,
  /**
   * Until when the holding run's claim is live (while `started`). The run extends it with `renew`
   * while it works; once it passes, the run is taken to be dead and another may take over.
   */
  leaseUntil: Schema.optional(Instant),
  finishedAt: Schema.optional(Instant),
  /** What the operation produced (e.g. the created record's id), once done. */
  result: Schema.optional(Schema.Json),
  /** Why the last attempt failed. */
  error: Schema.optional(Schema.Json)
}) {}

/**
 * The answer to `begin`.
 *
 * - `Started`: the caller now holds the operation and must `complete` or `fail` it.
 * - `AlreadyDone`: it was done before; here is what it produced. Do not repeat the write.
 * - `InProgress`: another run holds it. While its lease (`leaseUntil`) is live that run is at work:
 *   never write, wait for its outcome. Once the lease has passed (a crashed run), `takeOver` claims
 *   it; the caller then checks the target system for the write before writing again (`attempt > 1`).
 *
 * @since 0.1.0
 */
export type JournalClaim =
  | { readonly _tag: "Started"; readonly attempt: number }
  | { readonly _tag: "AlreadyDone"; readonly result: Schema.Json | undefined }
  | {
      readonly _tag: "InProgress"
      readonly runId: string
      readonly startedAt: DateTime.Utc
      /** Until when the holder's claim is live; absent for entries written before leases existed. */
      readonly leaseUntil?: DateTime.Utc | undefined
    }

/**
 * How long a claim stays live when `begin` is given no `leaseUntil`: long enough for one write and
 * its retries; a working run renews it well before.
 *
 * @since 0.1.0
 */
export const DEFAULT_CLAIM_LEASE_MS = 120_000

/**
 * Whether an entry `started` by another run may be taken over at `at`: its lease has passed (or it
 * has none), or it is the caller's own run resuming.
 *
 * @since 0.1.0
 */
export const claimExpired = (
  entry: { readonly runId: string; readonly leaseUntil?: DateTime.Utc | undefined },
  runId: string,
  at: DateTime.Utc
): boolean =>
  entry.runId === runId ||
  entry.leaseUntil === undefined ||
  DateTime.toEpochMillis(entry.leaseUntil) <= DateTime.toEpochMillis(at)

/**
 * Per-operation status that makes applying a plan resumable and idempotent: an operation is
 * started once, finished once, and a finished operation is never started again.
 *
 * Claiming is atomic: of any number of workers calling `begin` on one key at once, exactly one
 * gets `Started`. A claim is a lease held by a live run: `begin` sets `leaseUntil` (default
 * `at` + `DEFAULT_CLAIM_LEASE_MS`), the run extends it with `renew` while it works, and no one takes
 * over a claim whose lease is live — not even with `takeOver`.
 *
 * @example
 * ```ts
 * import { DateTime, Effect } from "effect"
 * import { PlanJournal } from "@psa-ledger/reconcile-core"
 *
 * const once = (opKey: string, write: Effect.Effect<string>) =>
 *   Effect.gen(function*() {
 *     const journal = yield* PlanJournal
 *     const at = yield* DateTime.now
 *     const claim = yield* journal.begin("link-1", opKey, { runId: "run-1", at })
 *     if (claim._tag !== "Started") return claim
 *     const id = yield* write
 *     yield* journal.complete("link-1", opKey, { result: { id }, at: yield* DateTime.now })
 *     return claim
 *   })
 * ```
 *
 * @since 0.1.0
 */
export class PlanJournal extends Context.Service<
  PlanJournal,
  {
    begin(
      linkId: string,
      opKey: string,
      options: {
        readonly runId: string
        readonly at: DateTime.Utc
        /** Take over an entry whose holder's lease has passed (or the caller's own run's). */
        readonly takeOver?: boolean | undefined
        /** Until when the claim is live (default `at` + `DEFAULT_CLAIM_LEASE_MS`). */
        readonly leaseUntil?: DateTime.Utc | undefined
      }
    ): Effect.Effect<JournalClaim, StorageError>
    /**
     * Extends the lease of every entry the run holds `started` to `leaseUntil` (the run's heartbeat);
     * returns how many it extended.
     */
    renew(
      linkId: string,
      runId: string,
      options: { readonly at: DateTime.Utc; readonly leaseUntil: DateTime.Utc }
    ): Effect.Effect<number, StorageError>
    /** Marks a started operation done with its result; anything else is a `Conflict`. */
    complete(
      linkId: string,
      opKey: string,
      options: { readonly result: Schema.Json; readonly at: DateTime.Utc }
    ): Effect.Effect<void, StorageError>
    /** Marks a started operation failed; the next `begin` may start it again. */
    fail(
      linkId: string,
      opKey: string,
      options: { readonly error: Schema.Json; readonly at: DateTime.Utc }
    ): Effect.Effect<void, StorageError>
    get(linkId: string, opKey: string): Effect.Effect<Option.Option<JournalEntry>, StorageError>
    /** Entries of the link, optionally of one run, ordered by op key. */
    list(
      linkId: string,
      options?: { readonly runId?: string | undefined }
    ): Effect.Effect<ReadonlyArray<JournalEntry>, StorageError>
  }
>()("@psa-ledger/reconcile-core/PlanJournal") {
  /** A journal held in memory, for tests and single-process scripts. */
  static readonly layerMemory: Layer.Layer<PlanJournal> = Layer.sync(PlanJournal, () => makeMemoryPlanJournal())
}

const makeEntry = makeForStorage(JournalEntry, "JournalEntry")

/**
 * The in-memory `PlanJournal`.
 *
 * @since 0.1.0
 */
export const makeMemoryPlanJournal = (): PlanJournal["Service"] => {
  const entries = new Map<string, JournalEntry>()
  const key = (linkId: string, opKey: string) => `${linkId}\u0000${opKey}`
  const finish = (
    operation: string,
    linkId: string,
    opKey: string,
    patch: Pick<JournalEntry, "status" | "finishedAt"> & Partial<Pick<JournalEntry, "result" | "error">>
  ) =>
    Effect.gen(function* () {
      const entry = entries.get(key(linkId, opKey))
      if (entry === undefined || entry.status !== "started") {
        return yield* new StorageError({
          operation,
          linkId,
          reason: new StorageConflictError({
            record: `JournalEntry ${opKey}`,
            message: entry === undefined ? "the operation was never begun" : `the operation is ${entry.status}`
          })
        })
      }
      const next = yield* makeEntry({ ...entry, ...patch }, operation, linkId)
      entries.set(key(linkId, opKey), next)
    })
  return PlanJournal.of(
    scopedByLink("PlanJournal", {
      begin: (linkId, opKey, { runId, at, takeOver, leaseUntil }) =>
        Effect.gen(function* () {
          const current = entries.get(key(linkId, opKey))
          if (current?.status === "done") return { _tag: "AlreadyDone", result: current.result } as const
          if (current?.status === "started" && (takeOver !== true || !claimExpired(current, runId, at))) {
            return {
              _tag: "InProgress",
              runId: current.runId,
              startedAt: current.startedAt,
              ...(current.leaseUntil === undefined ? {} : { leaseUntil: current.leaseUntil })
            } as const
          }
          const attempt = (current?.attempts ?? 0) + 1
          const next = yield* makeEntry(
            {
              opKey,
              runId,
              status: "started",
              attempts: attempt,
              startedAt: at,
              leaseUntil: leaseUntil ?? DateTime.add(at, { milliseconds: DEFAULT_CLAIM_LEASE_MS })
            },
            "PlanJournal.begin",
            linkId
          )
          entries.set(key(linkId, opKey), next)
          return { _tag: "Started", attempt } as const
        }),
      renew: (linkId, runId, { leaseUntil }) =>
        Effect.sync(() => {
          const prefix = `${linkId}\u0000`
          let renewed = 0
          for (const [k, entry] of entries) {
            if (!k.startsWith(prefix) || entry.runId !== runId || entry.status !== "started") continue
            entries.set(k, new JournalEntry({ ...entry, leaseUntil }, { disableChecks: true }))
            renewed++
          }
          return renewed
        }),
      complete: (linkId, opKey, { result, at }) =>
        finish("PlanJournal.complete", linkId, opKey, { status: "done", finishedAt: at, result }),
      fail: (linkId, opKey, { error, at }) =>
        finish("PlanJournal.fail", linkId, opKey, { status: "failed", finishedAt: at, error }),
      get: (linkId, opKey) => Effect.sync(() => Option.fromNullishOr(entries.get(key(linkId, opKey)))),
      list: (linkId, options) =>
        Effect.sync(() => {
          const prefix = `${linkId}\u0000`
          return [...entries.entries()]
            .filter(
              ([k, entry]) => k.startsWith(prefix) && (options?.runId === undefined || entry.runId === options.runId)
            )
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([, entry]) => entry)
        })
    })
  )
}
