import { Context, DateTime, Effect, Layer, Option, Schema } from "effect"
import { Instant, Key, Text } from "../internal/storageFields.ts"
import { makeForStorage } from "../internal/storageIssues.ts"
import { scopedByLink } from "./StorageCodec.ts"
import { StorageConflictError, StorageError } from "./StorageError.ts"

/**
 * Where a stored plan stands: `open` while its run works on it (or after its process died, until a
 * run resumes it to the end or a person abandons it), then `finished` or `abandoned`.
 *
 * @since 0.1.0
 */
export const StoredPlanStatus = Schema.Literals(["open", "finished", "abandoned"])

/** @since 0.1.0 */
export type StoredPlanStatus = typeof StoredPlanStatus.Type

/**
 * A plan a run stored before its first write, so that a run killed part-way is resumed with the
 * same operations and idempotency keys instead of being planned again from a fresh load.
 *
 * @since 0.1.0
 */
export class StoredPlan extends Schema.Class<StoredPlan>("StoredPlan")({
  /** The run that made and first applied the plan; its journal claims carry this id. */
  runId: Key,
  /** The run's job, e.g. `"reconciliation.apply"`. */
  job: Key,
  /** The plan as the job encodes it (e.g. an encoded `ChangePlan` with its month). */
  plan: Schema.Json,
  status: StoredPlanStatus,
  savedAt: Instant,
  /** The run that last worked on the plan (the first run, or the one that resumed it). */
  lastRunId: Key,
  finishedAt: Schema.optional(Instant),
  /** Why it was abandoned, or which run finished it. */
  note: Schema.optional(Text)
}) {}

/**
 * Plans of runs, kept until they are finished: the record of what an interrupted run was doing.
 *
 * `save` stores an `open` plan under its run's id (a second `save` of that id is a `Conflict`).
 * `unfinished` lists a link's open plans, oldest first. `touch` names the run now working on an open
 * plan (a resume). `finish` closes an open plan as `finished` or `abandoned`; it answers `false`
 * when the plan was not open, so of two callers at once exactly one closes it.
 *
 * @example
 * ```ts
 * import { DateTime, Effect } from "effect"
 * import { RunPlans, StoredPlan } from "@psa-ledger/reconcile-core"
 *
 * const program = Effect.gen(function*() {
 *   const plans = yield* RunPlans
 *   const at = yield* DateTime.now
 *   yield* plans.save("link-1", new StoredPlan({ runId: "run-1", job: "reconciliation.apply", plan: { operations: [] },
 *     status: "open", savedAt: at, lastRunId: "run-1" }))
 *   return yield* plans.unfinished("link-1")
 * })
 * ```
 *
 * @since 0.1.0
 */
export class RunPlans extends Context.Service<
  RunPlans,
  {
    save(linkId: string, plan: StoredPlan): Effect.Effect<void, StorageError>
    get(linkId: string, runId: string): Effect.Effect<Option.Option<StoredPlan>, StorageError>
    /** The link's open plans, oldest first. */
    unfinished(linkId: string): Effect.Effect<ReadonlyArray<StoredPlan>, StorageError>
    /** Records that `lastRunId` works on the open plan now; `false` when it is not open. */
    touch(linkId: string, runId: string, options: { readonly lastRunId: string }): Effect.Effect<boolean, StorageError>
    /** Closes an open plan; `false` when it was not open (already closed, or never saved). */
    finish(
      linkId: string,
      runId: string,
      options: {
        readonly status: "finished" | "abandoned"
        readonly at: DateTime.Utc
        readonly note?: string | undefined
      }
    ): Effect.Effect<boolean, StorageError>
  }
>()("@psa-ledger/reconcile-core/RunPlans") {
  /** Plans held in memory, for tests and single-process scripts. */
  static readonly layerMemory: Layer.Layer<RunPlans> = Layer.sync(RunPlans, () => makeMemoryRunPlans())
}

const makePlan = makeForStorage(StoredPlan, "StoredPlan")

/**
 * The in-memory `RunPlans`.
 *
 * @since 0.1.0
 */
export const makeMemoryRunPlans = (): RunPlans["Service"] => {
  const plans = new Map<string, StoredPlan>()
  const key = (linkId: string, runId: string) => `${linkId}\u0000${runId}`
  return RunPlans.of(
    scopedByLink("RunPlans", {
      save: (linkId, plan) =>
        Effect.gen(function* () {
          const checked = yield* makePlan({ ...plan }, "RunPlans.save", linkId)
          if (plans.has(key(linkId, checked.runId))) {
            return yield* new StorageError({
              operation: "RunPlans.save",
              linkId,
              reason: new StorageConflictError({
                record: `StoredPlan ${checked.runId}`,
                message: "a plan of this run is stored already"
              })
            })
          }
          // A deep copy: the caller's plan object may change after it was saved.
          plans.set(
            key(linkId, checked.runId),
            new StoredPlan({ ...checked, plan: JSON.parse(JSON.stringify(checked.plan)) as Schema.Json })
          )
        }),
      get: (linkId, runId) => Effect.sync(() => Option.fromNullishOr(plans.get(key(linkId, runId)))),
      unfinished: (linkId) =>
        Effect.sync(() =>
          [...plans.entries()]
            .filter(([k, plan]) => k.startsWith(`${linkId}\u0000`) && plan.status === "open")
            .map(([, plan]) => plan)
            .sort(
              (a, b) =>
                DateTime.toEpochMillis(a.savedAt) - DateTime.toEpochMillis(b.savedAt) ||
                (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0)
            )
        ),
      touch: (linkId, runId, { lastRunId }) =>
        Effect.gen(function* () {
          const current = plans.get(key(linkId, runId))
          if (current?.status !== "open") return false
          plans.set(key(linkId, runId), yield* makePlan({ ...current, lastRunId }, "RunPlans.touch", linkId))
          return true
        }),
      finish: (linkId, runId, { status, at, note }) =>
        Effect.gen(function* () {
          const current = plans.get(key(linkId, runId))
          if (current?.status !== "open") return false
          plans.set(
            key(linkId, runId),
            yield* makePlan(
              { ...current, status, finishedAt: at, ...(note === undefined ? {} : { note }) },
              "RunPlans.finish",
              linkId
            )
          )
          return true
        })
    })
  )
}
