/**
 * Stored plans of a link's runs: an apply or a transfer stores what it is about to do before its
 * first write, and closes it when it ends. A plan left open belongs to a run whose process died: the
 * link then refuses new runs with `UnfinishedRun` until that plan is resumed (`runs.resume`) or
 * abandoned (`runs.abandon`).
 */
import type { RunPlans, StoredPlan } from "@psa-ledger/reconcile-core"
import { StoredPlan as StoredPlanClass } from "@psa-ledger/reconcile-core"
import { DateTime, Effect, Option, type Schema } from "effect"
import { fromPort } from "../internal/bridge.ts"
import { LinkError, LinkInvalidInputError, LinkUnfinishedRunError } from "../LinkError.ts"
import type { RunContext } from "../Runner.ts"
import type { LinkContext } from "./context.ts"

/**
 * A run of the link whose process died part-way through its stored plan: resume it to the end, or
 * abandon it (then plan again).
 *
 * @since 0.1.0
 */
export interface UnfinishedRunInfo {
  /** The run that made the plan (resume and abandon name it). */
  readonly runId: string
  readonly job: string
  /** When the plan was stored (ISO-8601). */
  readonly savedAt: string
  /** The run that last worked on it: `runId`, or the run of an earlier resume that died too. */
  readonly lastRunId: string
  /** What the plan was of: the month and operation count of an apply, the range of a transfer. */
  readonly details: Readonly<Record<string, unknown>>
}

const refusal = (plan: StoredPlan) =>
  LinkError.of(
    new LinkUnfinishedRunError({
      runId: plan.runId,
      job: plan.job,
      message: `run ${plan.runId} (${plan.job}) stopped before it finished its plan (last worked on by run ${plan.lastRunId}): resume it with runs.resume("${plan.runId}") or abandon it with runs.abandon("${plan.runId}") first`
    })
  )

/** The plan's own facts for a listing, without its operations. */
export const detailsOf = (plan: StoredPlan): Readonly<Record<string, unknown>> => {
  const body = plan.plan as { readonly details?: unknown } | null
  const details = body !== null && typeof body === "object" ? body.details : undefined
  return details !== null && typeof details === "object" ? (details as Record<string, unknown>) : {}
}

export const infoOf = (plan: StoredPlan): UnfinishedRunInfo => ({
  runId: plan.runId,
  job: plan.job,
  savedAt: DateTime.formatIso(plan.savedAt),
  lastRunId: plan.lastRunId,
  details: detailsOf(plan)
})

/** What the link's jobs do with stored plans; every method is a no-op without `storage.plans`. */
export interface LinkPlans {
  readonly store: RunPlans["Service"] | undefined
  /**
   * Before a new run: refuses with `UnfinishedRun` when the link has an open plan, unless that
   * plan's run still holds the link (then the runner answers `Busy` naming it).
   */
  refuseIfUnfinished(): Effect.Effect<void, LinkError>
  /** In the run, before its first write: refuses when a plan was left open meanwhile, then stores this run's. */
  save(
    ctx: RunContext,
    plan: { readonly details: Record<string, unknown>; readonly body: Schema.Json }
  ): Effect.Effect<void, LinkError>
  /** In a resuming run: the open plan of `runId`, now worked on by this run. */
  take(ctx: RunContext, runId: string): Effect.Effect<StoredPlan, LinkError>
  /** Closes the plan of `runId` as finished by the run `ctx`. */
  finish(ctx: RunContext, runId: string): Effect.Effect<void, LinkError>
  unfinished(): Effect.Effect<ReadonlyArray<StoredPlan>, LinkError>
  /** The open plan of `runId`, or `InvalidInput` naming `runId`. */
  open(runId: string): Effect.Effect<StoredPlan, LinkError>
}

const notOpen = (runId: string, why: string) =>
  LinkError.of(new LinkInvalidInputError({ record: "UnfinishedRun", field: "runId", message: `run ${runId} ${why}` }))

export const makeLinkPlans = (ctx: LinkContext): LinkPlans => {
  const { linkId } = ctx
  const store = ctx.options.storage.plans
  const leases = ctx.options.storage.leases
  const now = () => DateTime.makeUnsafe(ctx.clock())

  const unfinished = (): Effect.Effect<ReadonlyArray<StoredPlan>, LinkError> =>
    store === undefined ? Effect.succeed([]) : fromPort("RunPlans.unfinished", store.unfinished(linkId))

  const open = Effect.fn("link.plans.open")(function* (runId: string) {
    if (store === undefined)
      return yield* Effect.fail(notOpen(runId, "has no stored plan: the link's storage keeps no plans"))
    const found = yield* fromPort("RunPlans.get", store.get(linkId, runId))
    if (Option.isNone(found)) return yield* Effect.fail(notOpen(runId, "has no stored plan"))
    if (found.value.status !== "open") {
      return yield* Effect.fail(notOpen(runId, `is ${found.value.status}: there is nothing to resume`))
    }
    return found.value
  })

  // A run that worked on the plan before this one holds the link no more, so it is dead: one still
  // marked `running` (its lease was never passed over by another acquire) is marked abandoned.
  const abandonEarlier = Effect.fn("link.plans.abandonEarlier")(function* (runCtx: RunContext, plan: StoredPlan) {
    const runs = ctx.options.storage.runs
    for (const earlier of new Set([plan.runId, plan.lastRunId])) {
      if (earlier === runCtx.runId) continue
      const found = yield* fromPort("RunStore.get", runs.get(linkId, earlier))
      if (Option.isNone(found) || found.value.status !== "running") continue
      yield* fromPort(
        "RunStore.update",
        runs.update(linkId, earlier, {
          status: "abandoned",
          finishedAt: now(),
          summary: `${found.value.job} abandoned: its process stopped before it finished its plan; run ${runCtx.runId} resumed it.`
        })
      )
    }
  })

  return {
    store,
    unfinished,
    open,
    refuseIfUnfinished: Effect.fn("link.plans.refuseIfUnfinished")(function* () {
      const [first] = yield* unfinished()
      if (first === undefined) return
      // Still at work in another process: the runner says `Busy` with its run id.
      if (leases !== undefined) {
        const holder = yield* fromPort("RunLeases.holder", leases.holder(linkId))
        if (
          Option.isSome(holder) &&
          holder.value.runId === first.lastRunId &&
          DateTime.toEpochMillis(holder.value.until) > Date.now()
        ) {
          return
        }
      }
      return yield* Effect.fail(refusal(first))
    }),
    save: Effect.fn("link.plans.save")(function* (
      runCtx: RunContext,
      plan: { readonly details: Record<string, unknown>; readonly body: Schema.Json }
    ) {
      if (store === undefined) return
      // This run holds the link: an open plan of another run is a dead run's, left unfinished.
      const [left] = yield* unfinished()
      if (left !== undefined) return yield* Effect.fail(refusal(left))
      yield* fromPort(
        "RunPlans.save",
        store.save(
          linkId,
          new StoredPlanClass({
            runId: runCtx.runId,
            job: runCtx.job,
            plan: { details: plan.details, body: plan.body } as Schema.Json,
            status: "open",
            savedAt: now(),
            lastRunId: runCtx.runId
          })
        )
      )
      runCtx.log.info("plan stored before the first write", { planRunId: runCtx.runId })
    }),
    take: Effect.fn("link.plans.take")(function* (runCtx: RunContext, runId: string) {
      const plan = yield* open(runId)
      if (plan.job !== runCtx.job) return yield* Effect.fail(notOpen(runId, `is a ${plan.job} run, not ${runCtx.job}`))
      if (!(yield* fromPort("RunPlans.touch", store!.touch(linkId, runId, { lastRunId: runCtx.runId })))) {
        return yield* Effect.fail(notOpen(runId, "was finished or abandoned meanwhile"))
      }
      runCtx.log.info(`resuming the plan of run ${runId}`, { planRunId: runId, lastRunId: plan.lastRunId })
      yield* abandonEarlier(runCtx, plan)
      return plan
    }),
    finish: Effect.fn("link.plans.finish")(function* (runCtx: RunContext, runId: string) {
      if (store === undefined) return
      yield* fromPort(
        "RunPlans.finish",
        store.finish(linkId, runId, {
          status: "finished",
          at: now(),
          note: runId === runCtx.runId ? undefined : `finished by run ${runCtx.runId}`
        })
      )
    })
  }
}
