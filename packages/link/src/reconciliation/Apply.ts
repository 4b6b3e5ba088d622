import type { ConnectWiseClient } from "@psa-ledger/connectwise-client"
import type { ChangePlan, MappingStore, PlanJournal, PlanOperation } from "@psa-ledger/reconcile-core"
import { DateTime, Option, type Schema } from "effect"
import { runPort } from "../internal/bridge.ts"
import { type Claim, claimOperation, startHeartbeat } from "../internal/claims.ts"
import { checkTarget } from "../internal/conditional.ts"
import { gate } from "../internal/limit.ts"
import { redactFields } from "../internal/redact.ts"
import {
  LinkBusyError,
  LinkCancelledError,
  LinkDependencyFailedError,
  LinkDoneByAnotherRunError,
  LinkError,
  type LinkErrorReason,
  type LinkStaleError,
  LinkUnexpectedError,
  reasonOf
} from "../LinkError.ts"
import type { OnProgress } from "./InvoiceSource.ts"
import { cw, idOf, invalidPlan, makeApplyWrites } from "./internal/applyWrites.ts"
import { messageOf } from "./internal/errors.ts"

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

const failureOf = (error: unknown, operation: string): ApplyFailure => reasonOf(error, operation)

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
 * const report = await applyPlan({ linkId, connectwise, mappings, journal }, plan, { runId: "run-42" })
 * report.counts // { done: 12, skipped: 0, failed: 1 }
 * ```
 *
 * @since 0.1.0
 */
export const applyPlan = async (
  deps: ApplyDeps,
  changePlan: ChangePlan,
  options: ApplyOptions
): Promise<ApplyReport> => {
  const { linkId, journal } = deps
  const clock = deps.now ?? Date.now
  const now = () => DateTime.makeUnsafe(clock())
  const operations = changePlan.operations
  const byKey = new Map(operations.map((op) => [op.idempotencyKey, op]))
  const reports = new Map<string, Promise<OperationReport>>()
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

  // One gate for ConnectWise writes; dependencies are awaited outside it, so it never deadlocks.
  const gated = gate(options.concurrency ?? 4)

  /** The outcome of a dependency outside the plan (an earlier plan of the link): only the journal knows it. */
  const external = async (key: string): Promise<OperationReport> => {
    const entry = await runPort("PlanJournal.get", journal.get(linkId, key)).catch(() => Option.none())
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
  }

  const { findExisting, write } = makeApplyWrites({
    linkId,
    connectwise: deps.connectwise,
    mappings: deps.mappings,
    agreementContact: deps.agreementContact,
    signal: options.signal,
    createdIds
  })

  const execute = async (op: PlanOperation): Promise<OperationReport> => {
    const key = op.idempotencyKey
    const base = { key, op: op._tag }
    if (options.signal?.aborted) {
      return {
        ...base,
        status: "skipped",
        reason: new LinkCancelledError({ message: "the apply was aborted before this operation" })
      }
    }
    try {
      const claim = await claimOperation(claimDeps, key)
      if (claim._tag !== "Mine") {
        const id = claim._tag === "Held" ? undefined : idOf(claim.result)
        if (id !== undefined) createdIds.set(key, id)
        return notMine(base, claim)
      }
      const checkFirst = claim.checkFirst
      let result: Schema.Json
      let recovered = false
      try {
        // Every write is conditional: the target is read again, and a changed one is not overwritten.
        const target = await cw(op._tag)(() => checkTarget(deps.connectwise, op, options.signal))
        if (target._tag === "Stale") {
          await runPort("PlanJournal.fail", journal.fail(linkId, key, { error: staleEntry(target), at: now() }))
          return { ...base, status: "skipped", reason: target }
        }
        const existing = target._tag === "Written" ? { id: target.id } : checkFirst ? await findExisting(op) : undefined
        recovered = existing !== undefined
        result = existing ?? (await write(op))
      } catch (error) {
        const reason = failureOf(error, op._tag)
        if (reason._tag === "Stale") {
          // Found changed by someone else when a write of unknown outcome was looked up.
          await runPort("PlanJournal.fail", journal.fail(linkId, key, { error: staleEntry(reason), at: now() })).catch(
            () => undefined
          )
          return { ...base, status: "skipped", reason }
        }
        await runPort(
          "PlanJournal.fail",
          journal.fail(linkId, key, { error: redactFields({ reason }).reason ?? null, at: now() })
        ).catch(() => undefined)
        return { ...base, status: "failed", reason }
      }
      const id = idOf(result)
      if (
        id !== undefined &&
        (op._tag === "CreateProduct" || op._tag === "CreateAgreement" || op._tag === "AddAddition")
      ) {
        createdIds.set(key, id)
      }
      await runPort("PlanJournal.complete", journal.complete(linkId, key, { result, at: now() }))
      return { ...base, status: "done", result, recovered }
    } catch (error) {
      const reason = error instanceof LinkError ? error.reason : new LinkUnexpectedError({ message: messageOf(error) })
      return { ...base, status: "failed", reason }
    }
  }

  const start = (key: string): Promise<OperationReport> => {
    const existing = reports.get(key)
    if (existing !== undefined) return existing
    const op = byKey.get(key)
    if (op === undefined) {
      const promise = external(key)
      reports.set(key, promise)
      return promise
    }
    const promise = (async (): Promise<OperationReport> => {
      const blocked = blockingDependency(await Promise.all(op.dependsOn.map(start)))
      const report: OperationReport =
        blocked !== undefined
          ? { status: "skipped", key, op: op._tag, reason: blocked }
          : await gated(() => execute(op))
      options.onProgress?.({ phase: "apply", done: ++finished, total })
      return report
    })()
    reports.set(key, promise)
    return promise
  }

  const stopHeartbeat = startHeartbeat(claimDeps)
  const results = await Promise.all(operations.map((op) => start(op.idempotencyKey))).finally(stopHeartbeat)
  const counts = { done: 0, skipped: 0, failed: 0 }
  for (const report of results) counts[report.status]++
  return { runId: options.runId, operations: results, counts }
}
