import type { LogEntry, Run } from "@psa-ledger/reconcile-core"
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
  /** A failure's typed reason (`_tag`, and the record and field where it names them). */
  error: Schema.optionalKey(Schema.Json),
  /** What the operation produced, e.g. the created record's id. */
  result: Schema.optionalKey(Schema.Json)
}).annotate({ identifier: "OperationResult" })
export type OperationResult = typeof OperationResult.Type

/** An apply run's result per operation, in plan order, with counts per status. */
export const ApplyResult = Schema.Struct({
  runId: Schema.String,
  /** The run's status: `running` while operations are still being applied. */
  runStatus: Schema.String,
  counts: Schema.Record(Schema.String, Schema.Int),
  operations: Schema.Array(OperationResult)
}).annotate({ identifier: "ApplyResult" })
export type ApplyResult = typeof ApplyResult.Type

const PAGE = 1_000

const readLog = async (ctx: ServerContext, linkId: string, runId: string) => {
  const all: Array<LogEntry> = []
  for (let after = 0; ; ) {
    const page = await store(ctx.storage.runs.readLog(linkId, runId, { afterSeq: after, limit: PAGE }))
    all.push(...page)
    const last = page.at(-1)
    if (page.length < PAGE || last === undefined) return all
    after = last.seq
  }
}

/**
 * The per-operation outcome of an apply run, read from what every process stores: the run's log
 * (the link logs each operation once, with its key, after applying) and, for a skipped operation,
 * the plan journal (done there means an earlier or concurrent run did it: "already done").
 */
export const applyResultOf = async (ctx: ServerContext, linkId: string, run: Run): Promise<ApplyResult> => {
  const operations: Array<OperationResult> = []
  for (const entry of await readLog(ctx, linkId, run.id)) {
    const key = entry.fields.key
    if (typeof key !== "string") continue
    const [op = "", ...rest] = entry.message.split(" ")
    const said = rest.join(" ")
    if (entry.level === "error" && said === "failed") {
      const error = entry.fields.reason
      const message = error === undefined ? undefined : messageOf(error)
      operations.push({
        key,
        op,
        status: "failed",
        ...(error === undefined ? {} : { error }),
        ...(message === undefined ? {} : { message })
      })
    } else if (said.startsWith("skipped")) {
      const message = said.replace(/^skipped:\s*/, "")
      const journal = await store(ctx.storage.journal.get(linkId, key))
      const done = Option.isSome(journal) && journal.value.status === "done"
      operations.push({ key, op, status: done ? "already-done" : "skipped", message })
    } else if (said.startsWith("done")) {
      const recovered = said !== "done"
      const result = entry.fields.result
      operations.push({
        key,
        op,
        status: "applied",
        ...(recovered ? { message: "found written by an earlier run" } : {}),
        ...(result === undefined ? {} : { result })
      })
    }
  }
  const counts: Record<string, number> = { applied: 0, "already-done": 0, failed: 0, skipped: 0 }
  for (const o of operations) counts[o.status] = (counts[o.status] ?? 0) + 1
  return { runId: run.id, runStatus: run.status, counts, operations }
}

const messageOf = (json: Schema.Json): string | undefined => {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined
  const error = json as { readonly [key: string]: Schema.Json }
  const parts = [error.message, error.field === undefined ? undefined : `field ${String(error.field)}`]
  const text = parts.filter((p) => typeof p === "string").join(" · ")
  return text === "" ? (typeof error._tag === "string" ? error._tag : undefined) : text
}
