import { type ConnectWiseClient, conditions, patch } from "@psa-ledger/connectwise-client"
import {
  type ChangePlan,
  type MappingStore,
  type PlanJournal,
  type PlanOperation,
  type TargetRef,
  toMapping
} from "@psa-ledger/reconcile-core"
import { BigDecimal, DateTime, Option, type Schema } from "effect"
import { claimOperation, startHeartbeat } from "../internal/claims.ts"
import { checkTarget } from "../internal/conditional.ts"
import { gate } from "../internal/limit.ts"
import { runPort } from "../internal/port.ts"
import { redactFields } from "../internal/redact.ts"
import {
  Busy,
  Cancelled,
  DependencyFailed,
  DoneByAnotherRun,
  InvalidInput,
  LinkError,
  type LinkErrorReason,
  reasonOf,
  type Stale,
  Unexpected
} from "../LinkError.ts"
import type { OnProgress } from "./InvoiceSource.ts"
import { agreementParty } from "./internal/agreementParty.ts"
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
  | DoneByAnotherRun
  | Stale
  | DependencyFailed
  | Cancelled

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

const failure = (reason: ApplyFailure) => LinkError.of(reason)
const failureOf = (error: unknown, operation: string): ApplyFailure => reasonOf(error, operation)
const invalidPlan = (key: string, message: string) =>
  new InvalidInput({ record: "ChangePlan", field: `operations[${key}]`, message })

/** Writes of one operation in all, when each one's outcome is unknown and the look-up finds nothing. */
const AMBIGUOUS_WRITE_ATTEMPTS = 3

/** A ConnectWise write that was sent but whose outcome is unknown. */
const isAmbiguousWrite = (error: unknown): boolean => {
  const reason = error instanceof LinkError ? error.reason : undefined
  return reason?._tag === "ConnectWise" && reason.cause?.reason._tag === "AmbiguousWriteError"
}

const at = (date: string) => `${date}T00:00:00Z`
const sameDecimal = (a: BigDecimal.BigDecimal | undefined, b: BigDecimal.BigDecimal) =>
  a !== undefined && BigDecimal.equals(a, b)

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

  const idOf = (result: Schema.Json | undefined): number | undefined => {
    const id = (result as { id?: unknown } | null | undefined)?.id
    return typeof id === "number" ? id : undefined
  }

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

  const refId = (ref: TargetRef): number => {
    if (ref._tag === "Existing") return ref.id
    const id = createdIds.get(ref.opKey)
    if (id === undefined) throw failure(invalidPlan(ref.opKey, `no id from operation ${ref.opKey}`))
    return id
  }

  const cw =
    (operation: string) =>
    async <A>(task: () => Promise<A>): Promise<A> => {
      try {
        return await task()
      } catch (error) {
        throw failure(failureOf(error, operation))
      }
    }

  /** Looks for the write of an operation that may have happened before a crash. */
  const findExisting = async (op: PlanOperation): Promise<Schema.Json | undefined> => {
    const client = deps.connectwise
    switch (op._tag) {
      case "CreateProduct": {
        const [found] = await cw(op._tag)(() =>
          client.listAll("/procurement/catalog", { conditions: conditions.eq("identifier", op.identifier) })
        )
        return found === undefined ? undefined : { id: found.id }
      }
      case "CreateAgreement": {
        const found = await cw(op._tag)(() =>
          client.listAll("/finance/agreements", {
            conditions: conditions.and(
              conditions.eq("company/id", op.companyId),
              conditions.eq("type/id", op.typeId),
              conditions.eq("name", op.name)
            )
          })
        )
        const active = found.find((a) => a.agreementStatus === undefined || a.agreementStatus === "Active")
        return active === undefined ? undefined : { id: active.id }
      }
      case "AddAddition": {
        const agreementId = refId(op.agreement)
        const productId = refId(op.product)
        const additions = await cw(op._tag)(() =>
          client.listAll("/finance/agreements/{parentId}/additions", {
            path: { parentId: agreementId },
            conditions: conditions.eq("product/id", productId)
          })
        )
        const found = additions.find(
          (a) =>
            (a.cancelledDate === undefined ||
              a.cancelledDate === null ||
              a.cancelledDate.slice(0, 10) > op.effectiveDate) &&
            sameDecimal(a.quantity ?? undefined, op.quantity)
        )
        return found === undefined ? undefined : { id: found.id }
      }
      default:
        // Updates and cancellations replace a field with a value: writing them again is harmless.
        // Remembering a mapping is an upsert.
        return undefined
    }
  }

  /**
   * What ConnectWise holds of a write whose outcome is unknown (`AmbiguousWriteError`): the created
   * record (looked up as after a crash), an update already holding the planned value, or
   * `undefined` when it is not there and may be written again. A target someone changed meanwhile
   * is `Stale`, never overwritten.
   */
  const lookUp = async (op: PlanOperation): Promise<Schema.Json | undefined> => {
    if (op._tag === "CreateProduct" || op._tag === "CreateAgreement" || op._tag === "AddAddition") {
      return findExisting(op)
    }
    if (op._tag === "RememberMapping") return undefined
    const target = await cw(op._tag)(() => checkTarget(deps.connectwise, op, options.signal))
    if (target._tag === "Stale") throw failure(target)
    return target._tag === "Written" ? { id: target.id } : undefined
  }

  /** Writes the operation; one whose outcome is unknown is looked up before it is written again. */
  const write = async (op: PlanOperation): Promise<Schema.Json> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await writeOnce(op)
      } catch (error) {
        if (!isAmbiguousWrite(error) || attempt >= AMBIGUOUS_WRITE_ATTEMPTS) throw error
        const found = await lookUp(op)
        if (found !== undefined) return found
      }
    }
  }

  const writeOnce = async (op: PlanOperation): Promise<Schema.Json> => {
    const client = deps.connectwise
    switch (op._tag) {
      case "CreateProduct": {
        const created = await cw(op._tag)(() =>
          client.create("/procurement/catalog", {
            identifier: op.identifier,
            description: op.description,
            customerDescription: op.description,
            cost: op.cost,
            ...(op.price === undefined ? {} : { price: op.price }),
            ...(op.subcategoryId === undefined ? {} : { subcategory: { id: op.subcategoryId } }),
            ...(op.typeId === undefined ? {} : { type: { id: op.typeId } }),
            ...(op.productClass === undefined ? {} : { productClass: op.productClass }),
            ...(op.taxable === undefined ? {} : { taxableFlag: op.taxable }),
            recurringFlag: true
          })
        )
        return { id: created.id }
      }
      case "CreateAgreement": {
        const party = await agreementParty(
          client,
          op.companyId,
          op.currency,
          (await deps.agreementContact?.(op.companyId)) ?? undefined
        )
        const created = await cw(op._tag)(() =>
          client.create("/finance/agreements", {
            name: op.name,
            type: { id: op.typeId },
            company: { id: op.companyId },
            contact: party.contact,
            ...(party.currency === undefined ? {} : { currency: party.currency }),
            startDate: at(op.startDate),
            noEndingDateFlag: true,
            agreementStatus: "Active",
            ...(op.billingCycleId === undefined ? {} : { billingCycle: { id: op.billingCycleId } }),
            ...(op.billingTermsId === undefined ? {} : { billingTerms: { id: op.billingTermsId } }),
            ...(op.prorate === undefined ? {} : { prorateFlag: op.prorate })
          })
        )
        return { id: created.id }
      }
      case "AddAddition": {
        const agreementId = refId(op.agreement)
        const productId = refId(op.product)
        const created = await cw(op._tag)(() =>
          client.create(
            "/finance/agreements/{parentId}/additions",
            {
              product: { id: productId },
              quantity: op.quantity,
              unitCost: op.unitCost,
              ...(op.unitPrice === undefined ? {} : { unitPrice: op.unitPrice }),
              billCustomer: op.billCustomer,
              effectiveDate: at(op.effectiveDate),
              agreementStatus: "Active"
            },
            { path: { parentId: agreementId } }
          )
        )
        return { id: created.id }
      }
      case "UpdateAdditionQuantity":
      case "UpdateAdditionUnitCost":
      case "UpdateAdditionUnitPrice": {
        const field =
          op._tag === "UpdateAdditionQuantity"
            ? "quantity"
            : op._tag === "UpdateAdditionUnitCost"
              ? "unitCost"
              : "unitPrice"
        await cw(op._tag)(() =>
          client.patch(
            "/finance/agreements/{parentId}/additions/{id}",
            { parentId: op.agreementId, id: op.additionId },
            [patch.replace(field, op.to)]
          )
        )
        return { id: op.additionId }
      }
      case "CancelAddition": {
        await cw(op._tag)(() =>
          client.patch(
            "/finance/agreements/{parentId}/additions/{id}",
            { parentId: op.agreementId, id: op.additionId },
            [patch.replace("cancelledDate", at(op.effectiveDate))]
          )
        )
        return { id: op.additionId }
      }
      case "RememberMapping": {
        const mapping = toMapping(op, createdIds)
        if (mapping === undefined) throw failure(invalidPlan(op.idempotencyKey, "the created target's id is unknown"))
        await runPort("MappingStore.upsert", deps.mappings.upsert(linkId, [mapping]))
        return { id: mapping.targetId }
      }
    }
  }

  const execute = async (op: PlanOperation): Promise<OperationReport> => {
    const key = op.idempotencyKey
    const base = { key, op: op._tag }
    if (options.signal?.aborted) {
      return {
        ...base,
        status: "skipped",
        reason: new Cancelled({ message: "the apply was aborted before this operation" })
      }
    }
    try {
      const claim = await claimOperation(claimDeps, key)
      if (claim._tag === "AlreadyDone" || claim._tag === "DoneByAnotherRun") {
        const id = idOf(claim.result)
        if (id !== undefined) createdIds.set(key, id)
        const reason =
          claim._tag === "AlreadyDone"
            ? ({ _tag: "AlreadyDone", message: "done by an earlier run" } as const)
            : new DoneByAnotherRun({ runId: claim.runId, message: `done by run ${claim.runId} meanwhile` })
        return { ...base, status: "skipped", reason }
      }
      if (claim._tag === "Held") {
        return {
          ...base,
          status: "failed",
          reason: new Busy({ holder: claim.runId, message: `run ${claim.runId} holds this operation` })
        }
      }
      const checkFirst = claim.checkFirst
      let result: Schema.Json
      let recovered = false
      try {
        // Every write is conditional: the target is read again, and a changed one is not overwritten.
        const target = await cw(op._tag)(() => checkTarget(deps.connectwise, op, options.signal))
        if (target._tag === "Stale") {
          const { record, field, expected, found } = target
          const error = { reason: "Stale", record, field, expected, found }
          await runPort("PlanJournal.fail", journal.fail(linkId, key, { error, at: now() }))
          return { ...base, status: "skipped", reason: target }
        }
        const existing = target._tag === "Written" ? { id: target.id } : checkFirst ? await findExisting(op) : undefined
        recovered = existing !== undefined
        result = existing ?? (await write(op))
      } catch (error) {
        const reason = failureOf(error, op._tag)
        if (reason._tag === "Stale") {
          // Found changed by someone else when a write of unknown outcome was looked up.
          const { record, field, expected, found } = reason
          const stale = { reason: "Stale", record, field, expected, found }
          await runPort("PlanJournal.fail", journal.fail(linkId, key, { error: stale, at: now() })).catch(
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
      const reason = error instanceof LinkError ? error.reason : new Unexpected({ message: messageOf(error) })
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
      const dependencies = await Promise.all(op.dependsOn.map(start))
      const blocked = dependencies.find(
        (dep): dep is Exclude<OperationReport, { status: "done" }> =>
          dep.status === "failed" ||
          (dep.status === "skipped" && dep.reason._tag !== "AlreadyDone" && dep.reason._tag !== "DoneByAnotherRun")
      )
      const report: OperationReport =
        blocked !== undefined
          ? {
              status: "skipped",
              key,
              op: op._tag,
              reason: new DependencyFailed({
                opKey: blocked.key,
                message: `${blocked.op} ${blocked.key} ${blocked.status === "failed" ? `failed: ${blocked.reason.message}` : `was skipped: ${blocked.reason.message}`}`
              })
            }
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
