import { Schema } from "effect"
import { redactFields } from "../internal/redact.ts"
import type { ApplyFailure, ApplyReport, ApplySkip, OperationReport } from "./Apply.ts"

/**
 * Why an operation failed or was skipped, as stored: the reason's tag and sentence, the record and
 * field it names (an `InvalidInput` or `Stale` reason's own, or the first field ConnectWise's
 * `errors[]` names), and the whole reason, redacted, as `detail`.
 *
 * @since 0.1.0
 */
export const StoredOperationReason = Schema.Struct({
  _tag: Schema.String,
  message: Schema.String,
  record: Schema.optionalKey(Schema.String),
  field: Schema.optionalKey(Schema.String),
  detail: Schema.optionalKey(Schema.Json)
})

/** @since 0.1.0 */
export type StoredOperationReason = typeof StoredOperationReason.Type

/**
 * An apply run's `ApplyReport` as the run keeps it (`RunStore.result`): per operation in plan order
 * its key, kind and status, what a done one produced (and whether it was found written by an
 * earlier run: `recovered`), and why one failed or was skipped.
 *
 * @example
 * ```ts
 * import { Effect, Option, Schema } from "effect"
 * import { StoredApplyReport } from "@psa-ledger/link"
 *
 * const stored = await Effect.runPromise(storage.runs.result(linkId, runId))
 * if (Option.isSome(stored)) {
 *   const report = Schema.decodeUnknownSync(StoredApplyReport)(stored.value)
 *   for (const o of report.operations) if (o.status === "failed") console.log(o.key, o.reason?.field)
 * }
 * ```
 *
 * @since 0.1.0
 */
export const StoredApplyReport = Schema.Struct({
  runId: Schema.String,
  counts: Schema.Struct({ done: Schema.Int, skipped: Schema.Int, failed: Schema.Int }),
  operations: Schema.Array(
    Schema.Struct({
      key: Schema.String,
      op: Schema.String,
      status: Schema.Literals(["done", "skipped", "failed"]),
      recovered: Schema.optionalKey(Schema.Boolean),
      result: Schema.optionalKey(Schema.Json),
      reason: Schema.optionalKey(StoredOperationReason)
    })
  )
}).annotate({ identifier: "StoredApplyReport" })

/** @since 0.1.0 */
export type StoredApplyReport = typeof StoredApplyReport.Type

/** The record and field a reason names, read from its typed fields. */
const placeOf = (reason: ApplyFailure | ApplySkip): { record?: string; field?: string } => {
  switch (reason._tag) {
    case "InvalidInput":
    case "Stale":
      return { record: reason.record, field: reason.field }
    case "ConnectWise": {
      const field = reason.errors?.find((e) => e.field !== undefined)?.field
      return field === undefined ? {} : { field }
    }
    default:
      return {}
  }
}

const reasonOf = (reason: ApplyFailure | ApplySkip): StoredOperationReason => {
  const detail = redactFields({ reason }).reason
  return {
    _tag: reason._tag,
    message: reason.message,
    ...placeOf(reason),
    ...(detail === undefined ? {} : { detail: detail as Schema.Json })
  }
}

const operationOf = (o: OperationReport): StoredApplyReport["operations"][number] => {
  const base = { key: o.key, op: o.op }
  switch (o.status) {
    case "done": {
      const result = redactFields({ result: o.result }).result
      return {
        ...base,
        status: "done",
        recovered: o.recovered,
        ...(result === undefined ? {} : { result: result as Schema.Json })
      }
    }
    case "skipped":
    case "failed":
      return { ...base, status: o.status, reason: reasonOf(o.reason) }
  }
}

/**
 * The report as the run keeps it: JSON, secrets redacted as in the run's log.
 *
 * @since 0.1.0
 */
export const toStoredApplyReport = (report: ApplyReport): StoredApplyReport => ({
  runId: report.runId,
  counts: { ...report.counts },
  operations: report.operations.map(operationOf)
})
