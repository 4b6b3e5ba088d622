import { StoredApplyReport } from "@psa-ledger/link"
import type { Run } from "@psa-ledger/reconcile-core"
import { Option, Schema } from "effect"
import type { ServerContext } from "./context.ts"
import { store } from "./session.ts"

/** What became of one operation of an apply run. */
export const OperationStatus = Schema.Literals(["applied", "already-done", "failed", "skipped"])
export type OperationStatus = typeof OperationStatus.Type

const OperationResult = Schema.Struct({
  /** The operation's idempotency key (as in the plan). */
  key: Schema.String,
  /** The operation's kind, e.g. `UpdateAdditionQuantity`. */
  op: Schema.String,
  status: OperationStatus,
  /** Why it failed or was skipped, or that a crashed run had written it already, in words. */
  message: Schema.optionalKey(Schema.String),
  /** The record a failure or skip names, e.g. `addition 4411`. */
  record: Schema.optionalKey(Schema.String),
  /** The field a failure or skip names, e.g. `quantity` (ConnectWise's own field name when it refused one). */
  field: Schema.optionalKey(Schema.String),
  /** A failure's typed reason (`_tag`, and the record and field where it names them). */
  error: Schema.optionalKey(Schema.Json),
  /** What the operation produced, e.g. the created record's id. */
  result: Schema.optionalKey(Schema.Json)
}).annotate({ identifier: "OperationResult" })
export type OperationResult = typeof OperationResult.Type

/** An apply run's result per operation, in plan order, with counts per status. */
export const ApplyResult = Schema.Struct({
  runId: Schema.String,
  /** The run's status: `running` while operations are still being applied (no operations yet). */
  runStatus: Schema.String,
  /** Whether the run kept its report: false while it runs, and for a run whose process died. */
  reported: Schema.Boolean,
  counts: Schema.Record(Schema.String, Schema.Int),
  operations: Schema.Array(OperationResult)
}).annotate({ identifier: "ApplyResult" })
export type ApplyResult = typeof ApplyResult.Type

const decodeReport = Schema.decodeUnknownSync(StoredApplyReport)
type StoredOperation = StoredApplyReport["operations"][number]

/** Done by an earlier run, or by a concurrent one while this run waited: nothing written twice. */
const ALREADY_DONE = new Set(["AlreadyDone", "DoneByAnotherRun"])

const resultOf = (o: StoredOperation): OperationResult => {
  const base = { key: o.key, op: o.op }
  if (o.status === "done") {
    return {
      ...base,
      status: "applied",
      ...(o.recovered === true ? { message: "found written by an earlier run" } : {}),
      ...(o.result === undefined ? {} : { result: o.result })
    }
  }
  const reason = o.reason
  const status: OperationStatus =
    o.status === "failed"
      ? "failed"
      : reason !== undefined && ALREADY_DONE.has(reason._tag)
        ? "already-done"
        : "skipped"
  if (reason === undefined) return { ...base, status }
  return {
    ...base,
    status,
    message: reason.message,
    ...(reason.record === undefined ? {} : { record: reason.record }),
    ...(reason.field === undefined ? {} : { field: reason.field }),
    ...(o.status === "failed" ? { error: reason.detail ?? { _tag: reason._tag, message: reason.message } } : {})
  }
}

/**
 * The per-operation outcome of an apply run, from the typed report the run kept with itself
 * (`RunStore.result`, readable by every process): never from the wording of its log.
 */
export const applyResultOf = async (ctx: ServerContext, linkId: string, run: Run): Promise<ApplyResult> => {
  const stored = await store(ctx.storage.runs.result(linkId, run.id))
  const operations = Option.isNone(stored) ? [] : decodeReport(stored.value).operations.map(resultOf)
  const counts: Record<string, number> = { applied: 0, "already-done": 0, failed: 0, skipped: 0 }
  for (const o of operations) counts[o.status] = (counts[o.status] ?? 0) + 1
  return { runId: run.id, runStatus: run.status, reported: Option.isSome(stored), counts, operations }
}
