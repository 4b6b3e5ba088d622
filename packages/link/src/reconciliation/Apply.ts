import type { ConnectWiseClient } from "@psa-ledger/connectwise-client"
import type { ChangePlan, MappingStore, PlanJournal, PlanOperation } from "@psa-ledger/reconcile-core"
import { Cause, DateTime, Deferred, Effect, Option, type Schema, Semaphore } from "effect"
import { fromPort, fromPromise } from "../internal/bridge.ts"
import { type Claim, claimOperation, startHeartbeat } from "../internal/claims.ts"
import { checkTarget } from "../internal/conditional.ts"
import { redactFields } from "../internal/redact.ts"
import {
  LinkBusyError,
  LinkCancelledError,
  LinkDependencyFailedError,
  LinkDoneByAnotherRunError,
  type LinkError,
  type LinkErrorReason,
  type LinkStaleError,
  toLinkError
} from "../LinkError.ts"
import type { OnProgress } from "./InvoiceSource.ts"
import { idOf, invalidPlan, makeApplyWrites } from "./internal/applyWrites.ts"

/**
 * What applying a plan needs, passed in explicitly.
 *
 * @since 0.1.0
 */
export interface ApplyDeps {
  readonly linkId: string
  readonly connectwise: ConnectWiseClient
  readonly mappings: MappingStore["Service"]
  readonly journal: PlanJournal["Service"]
  /** The clock for journal times (default `Date.now`). */
  readonly now?: (() => number) | undefined
  /**
   * The contact a new agreement gets, per company; without one (or when it answers `undefined`)
   * the company's default contact, then its billing contact (ConnectWise requires a contact).
   */
  readonly agreementContact?: ((companyId: number) => number | undefined | Promise<number | undefined>) | undefined
  /** How long this run's journal claims live without a heartbeat (default a minute). */
  readonly leaseMs?: number | undefined
}

/**
 * Options of {@link applyPlan}.
 *
 * @since 0.1.0
 */
export interface ApplyOptions {
  /** This run's id, recorded in the journal. */
  readonly runId: string
  /**
   * The run id the journal claims are held in, when not `runId`: a resumed plan keeps claiming in
   * the name of the run that made it, so the claims that run left `started` are taken over at once
   * (and ConnectWise checked for their writes first) instead of waiting for their leases to pass.
   * Only for a run that holds the link (its run lease), so the plan's first run is known to be gone.
   */
  readonly claimAs?: string | undefined
  readonly onProgress?: OnProgress | undefined
  /** Stops starting operations; those not started are reported skipped (`Aborted`). */
  readonly signal?: AbortSignal | undefined
  /** Operations in flight at once (default 4). */
  readonly concurrency?: number | undefined
  /**
   * Wait for operations another live run holds (reporting them `DoneByAnotherRun`), and take over
   * those whose run died (its claim's lease passed), after checking ConnectWise for their write.
   * Default true; `false` reports a held operation as failed `Busy`.
   */
  readonly takeOver?: boolean | undefined
}

/**
 * Why an operation failed: a `LinkError` reason — `ConnectWise` (the client's reason tag in `cause`),
 * `Storage`, `Busy` (another run holds the operation), `InvalidInput` (the plan is inconsistent) or
 * `Unexpected`.
 *
 * @since 0.1.0
 */
export type ApplyFailure = LinkErrorReason

/**
 * Why an operation was not attempted: done by an earlier run (`AlreadyDone`), by a concurrent run
 * while this one waited for it (`DoneByAnotherRun`, never a failure), changed in ConnectWise since
 * the plan was made (`Stale`, with both values: nobody's later edit is overwritten), or the
 * `LinkError` reasons `DependencyFailed` and `Cancelled` (the signal aborted).
 *
 * @since 0.1.0
 */
export type ApplySkip =
  | { readonly _tag: "AlreadyDone"; readonly message: string }
  | LinkDoneByAnotherRunError
  | LinkStaleError
  | LinkDependencyFailedError
  | LinkCancelledError

/**
 * The outcome of one operation: `done` (written now, or found already written after a crash:
 * `recovered`), `skipped` (already done by an earlier run, a dependency failed, or aborted), or
 * `failed` with a typed reason.
 *
 * @since 0.1.0
 */
export type OperationReport =
  | {
      readonly status: "done"
      readonly key: string
      readonly op: PlanOperation["_tag"]
      readonly result: Schema.Json
      readonly recovered: boolean
    }
  | { readonly status: "skipped"; readonly key: string; readonly op: PlanOperation["_tag"]; readonly reason: ApplySkip }
  | {
      readonly status: "failed"
      readonly key: string
      readonly op: PlanOperation["_tag"]
      readonly reason: ApplyFailure
    }

/**
 * What applying a plan did, per operation in plan order, with counts.
 *
 * @since 0.1.0
 */
export interface ApplyReport {
  readonly runId: string
  readonly operations: ReadonlyArray<OperationReport>
  readonly counts: { readonly done: number; readonly skipped: number; readonly failed: number }
}

type Base = { readonly key: string; readonly op: PlanOperation["_tag"] }

/** The report of an operation this run did not claim: done by an earlier or a concurrent run, or held. */
const notMine = (base: Base, claim: Exclude<Claim, { readonly _tag: "Mine" }>): OperationReport => {
  switch (claim._tag) {
    case "AlreadyDone":
      return { ...base, status: "skipped", reason: { _tag: "AlreadyDone", message: "done by an earlier run" } }
    case "DoneByAnotherRun":
      return {
        ...base,
        status: "skipped",
        reason: new LinkDoneByAnotherRunError({ runId: claim.runId, message: `done by run ${claim.runId} meanwhile` })
      }
    case "Held":
      return {
        ...base,
        status: "failed",
        reason: new LinkBusyError({ holder: claim.runId, message: `run ${claim.runId} holds this operation` })
      }
  }
}

/** The journal's record of a write skipped as stale, with both values. */
const staleEntry = ({ record, field, expected, found }: LinkStaleError) => ({
  reason: "Stale",
  record,
  field,
  expected,
  found
})

/**
 * A defect (a port that died, a client that threw) as the step's `LinkError`, so that it is one
 * operation's failure, not the apply's; an interruption stays one.
 */
const withDefects = <A>(effect: Effect.Effect<A, LinkError>): Effect.Effect<A, LinkError> =>
  Effect.catchCause(effect, (cause) =>
    Cause.hasInterruptsOnly(cause) ? Effect.failCause(cause) : Effect.fail(toLinkError(Cause.squash(cause)))
  )

/** Why an operation may not run: the first of its dependencies that failed or was skipped for a reason other than done. */
const blockingDependency = (dependencies: ReadonlyArray<OperationReport>): LinkDependencyFailedError | undefined => {
  const blocked = dependencies.find(
    (dep): dep is Exclude<OperationReport, { status: "done" }> =>
      dep.status === "failed" ||
      (dep.status === "skipped" && dep.reason._tag !== "AlreadyDone" && dep.reason._tag !== "DoneByAnotherRun")
  )
  if (blocked === undefined) return undefined
  const what = blocked.status === "failed" ? "failed" : "was skipped"
  return new LinkDependencyFailedError({
    opKey: blocked.key,
    message: `${blocked.op} ${blocked.key} ${what}: ${blocked.reason.message}`
  })
}

/** What one operation's execution needs of its apply. */
interface ExecuteEnv {
  readonly deps: ApplyDeps
  readonly options: ApplyOptions
  readonly claimDeps: Parameters<typeof claimOperation>[0]
  readonly createdIds: Map<string, number>
  readonly now: () => DateTime.Utc
  readonly findExisting: (op: PlanOperation) => Promise<Schema.Json | undefined>
  readonly write: (op: PlanOperation) => Promise<Schema.Json>
}

/** One operation of an apply: claimed, checked, found or written, and journaled. */
const makeExecute = (env: ExecuteEnv) => {
  const { deps, options, claimDeps, createdIds, now, findExisting, write } = env
  const { linkId, journal } = deps
  /**
   * Checks the target, then finds or writes the operation: its result, or the report of a target
   * changed meanwhile. A failure here is the write's (journaled as failed); what follows it is not.
   */
  const attempt = Effect.fn("link.reconciliation.applyOperation")(function* (
    op: PlanOperation,
    base: Base,
    checkFirst: boolean
  ): Effect.fn.Return<
    { readonly report: OperationReport } | { readonly result: Schema.Json; readonly recovered: boolean },
    LinkError
  > {
    const key = op.idempotencyKey
    // Every write is conditional: the target is read again, and a changed one is not overwritten.
    const target = yield* fromPromise(op._tag, () => checkTarget(deps.connectwise, op, options.signal))
    if (target._tag === "Stale") {
      yield* fromPort("PlanJournal.fail", journal.fail(linkId, key, { error: staleEntry(target), at: now() }))
      return { report: { ...base, status: "skipped", reason: target } }
    }
    const existing =
      target._tag === "Written"
        ? { id: target.id }
        : checkFirst
          ? yield* fromPromise(op._tag, () => findExisting(op))
          : undefined
    const result = existing ?? (yield* fromPromise(op._tag, () => write(op)))
    return { result, recovered: existing !== undefined }
  })

  /** A failed write as its report, journaled as failed (a journal that cannot be written changes nothing here). */
  const failed = (base: Base, error: LinkError): Effect.Effect<OperationReport> => {
    const reason = error.reason
    // A Stale found when a write of unknown outcome was looked up: changed by someone else.
    const entry = reason._tag === "Stale" ? staleEntry(reason) : (redactFields({ reason }).reason ?? null)
    const report: OperationReport =
      reason._tag === "Stale" ? { ...base, status: "skipped", reason } : { ...base, status: "failed", reason }
    return Effect.ignore(
      fromPort("PlanJournal.fail", journal.fail(linkId, base.key, { error: entry as Schema.Json, at: now() }))
    ).pipe(Effect.as(report))
  }

  const execute = Effect.fn("link.reconciliation.executeOperation")(function* (
    op: PlanOperation
  ): Effect.fn.Return<OperationReport, LinkError> {
    const key = op.idempotencyKey
    const base = { key, op: op._tag }
    if (options.signal?.aborted) {
      return {
        ...base,
        status: "skipped",
        reason: new LinkCancelledError({ message: "the apply was aborted before this operation" })
      }
    }
    const claim = yield* fromPromise("claim", () => claimOperation(claimDeps, key))
    if (claim._tag !== "Mine") {
      const id = claim._tag === "Held" ? undefined : idOf(claim.result)
      if (id !== undefined) createdIds.set(key, id)
      return notMine(base, claim)
    }
    const outcome = yield* withDefects(attempt(op, base, claim.checkFirst)).pipe(
      Effect.catch((error: LinkError) => Effect.map(failed(base, error), (report) => ({ report })))
    )
    if ("report" in outcome) return outcome.report
    const { result, recovered } = outcome
    const id = idOf(result)
    if (
      id !== undefined &&
      (op._tag === "CreateProduct" || op._tag === "CreateAgreement" || op._tag === "AddAddition")
    ) {
      createdIds.set(key, id)
    }
    yield* fromPort("PlanJournal.complete", journal.complete(linkId, key, { result, at: now() }))
    return { ...base, status: "done", result, recovered }
  })
  return execute
}

/**
 * Applies a change plan to ConnectWise: operations in dependency order, `concurrency` at a time,
 * each journaled by its idempotency key (begin → write → complete, or fail). An operation the
 * journal has as done is skipped; one a crashed run left started is taken over and ConnectWise is
 * checked for its write first (an addition of the product on the agreement, a catalog item with the
 * identifier, an agreement of the company with the name), so a write is never repeated.
 * `RememberMapping` operations are stored through the `MappingStore` with the ids the plan created.
 * A cancelled addition gets its `cancelledDate`; nothing is deleted.
 *
 * One failed operation does not stop the others; those that depend on it are skipped with the reason.
 *
 * @example
 * ```ts
 * const report = yield* applyPlan({ linkId, connectwise, mappings, journal }, plan, { runId: "run-42" })
 * report.counts // { done: 12, skipped: 0, failed: 1 }
 * ```
 *
 * @since 0.1.0
 */
export const applyPlan = Effect.fn("link.reconciliation.applyPlan")(function* (
  deps: ApplyDeps,
  changePlan: ChangePlan,
  options: ApplyOptions
): Effect.fn.Return<ApplyReport> {
  const { linkId, journal } = deps
  const clock = deps.now ?? Date.now
  const now = () => DateTime.makeUnsafe(clock())
  const operations = changePlan.operations
  const byKey = new Map(operations.map((op) => [op.idempotencyKey, op]))
  const reports = new Map<string, Deferred.Deferred<OperationReport>>()
  const createdIds = new Map<string, number>()
  let finished = 0
  const total = operations.length
  options.onProgress?.({ phase: "apply", done: 0, total })

  // One writer per operation across processes: claims are leases of this live run.
  const claimDeps = {
    journal,
    linkId,
    runId: options.claimAs ?? options.runId,
    now: clock,
    signal: options.signal,
    takeOver: options.takeOver,
    leaseMs: deps.leaseMs
  }

  // Effect's semaphore rather than forEach's `concurrency`: an operation waits for its dependencies
  // outside the permits (they may not have started yet), so the writes never deadlock.
  const permits = yield* Semaphore.make(Math.max(1, options.concurrency ?? 4))

  /** The outcome of a dependency outside the plan (an earlier plan of the link): only the journal knows it. */
  const external = (key: string): Effect.Effect<OperationReport> =>
    withDefects(fromPort("PlanJournal.get", journal.get(linkId, key))).pipe(
      Effect.orElseSucceed(() => Option.none()),
      Effect.map((entry): OperationReport => {
        if (Option.isSome(entry) && entry.value.status === "done") {
          const id = idOf(entry.value.result)
          if (id !== undefined) createdIds.set(key, id)
          return {
            status: "skipped",
            key,
            op: "CreateProduct",
            reason: { _tag: "AlreadyDone", message: "done by an earlier run" }
          }
        }
        return {
          status: "failed",
          key,
          op: "CreateProduct",
          reason: invalidPlan(key, `operation ${key} is neither in the plan nor done`)
        }
      })
    )

  const writes = makeApplyWrites({
    linkId,
    connectwise: deps.connectwise,
    mappings: deps.mappings,
    agreementContact: deps.agreementContact,
    signal: options.signal,
    createdIds
  })

  const execute = makeExecute({ deps, options, claimDeps, createdIds, now, ...writes })

  /** The operation's report, started once however many operations depend on it. */
  const start = (key: string): Effect.Effect<OperationReport> =>
    Effect.suspend(() => {
      const existing = reports.get(key)
      if (existing !== undefined) return Deferred.await(existing)
      const deferred = Deferred.makeUnsafe<OperationReport>()
      reports.set(key, deferred)
      const op = byKey.get(key)
      const report =
        op === undefined
          ? external(key)
          : Effect.forEach(op.dependsOn, start, { concurrency: "unbounded" }).pipe(
              Effect.flatMap((dependencies) => {
                const blocked = blockingDependency(dependencies)
                return blocked !== undefined
                  ? Effect.succeed<OperationReport>({ status: "skipped", key, op: op._tag, reason: blocked })
                  : permits.withPermits(1)(
                      Effect.catch(withDefects(execute(op)), (error: LinkError) =>
                        Effect.succeed<OperationReport>({ key, op: op._tag, status: "failed", reason: error.reason })
                      )
                    )
              }),
              Effect.tap(() => Effect.sync(() => options.onProgress?.({ phase: "apply", done: ++finished, total })))
            )
      return report.pipe(Effect.tap((value) => Deferred.succeed(deferred, value)))
    })

  const results = yield* Effect.acquireUseRelease(
    Effect.sync(() => startHeartbeat(claimDeps)),
    () => Effect.forEach(operations, (op) => start(op.idempotencyKey), { concurrency: "unbounded" }),
    (stopHeartbeat) => Effect.sync(stopHeartbeat)
  )
  const counts = { done: 0, skipped: 0, failed: 0 }
  for (const report of results) counts[report.status]++
  return { runId: options.runId, operations: results, counts }
})
