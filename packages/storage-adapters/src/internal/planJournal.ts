import {
  DEFAULT_CLAIM_LEASE_MS,
  decodeFromStorage,
  encodeForStorage,
  type JournalClaim,
  JournalEntry,
  PlanJournal
} from "@psa-ledger/reconcile-core"
import { DateTime, Effect, Option, Schema } from "effect"
import type { Driver, Row } from "./driver.ts"
import { conflict, executor, int, optional, optionalJson } from "./sqlRows.ts"

// A struct twin of the record class validates plain values, which the class constructor would
// reject with a thrown schema error (a defect) before the codec could name the field.
const validateJournalFields = encodeForStorage(Schema.Struct(JournalEntry.fields), "JournalEntry")
const decodeJournal = decodeFromStorage(JournalEntry, "JournalEntry")

const journalFromRow = (row: Row, operation: string, linkId: string) =>
  Effect.gen(function* () {
    const result = yield* optionalJson(row.result, "JournalEntry", "result", operation, linkId)
    const error = yield* optionalJson(row.error, "JournalEntry", "error", operation, linkId)
    return yield* decodeJournal(
      {
        opKey: row.op_key,
        runId: row.run_id,
        status: row.status,
        attempts: int(row.attempts),
        startedAt: row.started_at,
        ...leaseOf(row.lease_until_ms),
        ...optional("finishedAt", row.finished_at),
        ...result,
        ...error
      },
      operation,
      linkId
    )
  })

const leaseOf = (value: unknown) => {
  const ms = int(value)
  // A value that is not a millisecond count is left for the decoder to refuse, naming the field.
  if (value === null || value === undefined) return {}
  return { leaseUntil: typeof ms === "number" && Number.isSafeInteger(ms) ? new Date(ms).toISOString() : value }
}

/** The `PlanJournal` over a SQL driver (without the link-id guard, which the assembler adds). */
export const makeSqlPlanJournal = (driver: Driver): PlanJournal["Service"] => {
  const exec = executor(driver)
  const J = driver.table("psa_journal")
  const finish = (
    operation: string,
    linkId: string,
    opKey: string,
    status: "done" | "failed",
    at: DateTime.Utc,
    outcome: { readonly result: unknown } | { readonly error: unknown }
  ) =>
    Effect.gen(function* () {
      // The operation's other fields are checked when it began; this checks what `finish` adds.
      const encoded = yield* validateJournalFields(
        { opKey, runId: "-", status, attempts: 1, startedAt: at, finishedAt: at, ...(outcome as object) },
        operation,
        linkId
      )
      const value = "result" in outcome ? encoded.result : encoded.error
      const found = yield* exec(operation, linkId, async () => {
        const changed = await driver.run(
          `UPDATE ${J} SET status = $3, finished_at = $4, ${"result" in outcome ? "result" : "error"} = $5
           WHERE link_id = $1 AND op_key = $2 AND status = 'started'`,
          [linkId, opKey, status, encoded.finishedAt ?? null, JSON.stringify(value ?? null)]
        )
        if (changed > 0) return undefined
        const [row] = await driver.all(`SELECT status FROM ${J} WHERE link_id = $1 AND op_key = $2`, [linkId, opKey])
        return row === undefined ? "missing" : String(row.status)
      })
      if (found !== undefined) {
        return yield* conflict(
          operation,
          linkId,
          `JournalEntry ${opKey}`,
          found === "missing" ? "the operation was never begun" : `the operation is ${found}`
        )
      }
    })

  return PlanJournal.of({
    begin: (linkId, opKey, { runId, at, takeOver, leaseUntil }) =>
      Effect.gen(function* () {
        const operation = "PlanJournal.begin"
        const encoded = yield* validateJournalFields(
          { opKey, runId, status: "started", attempts: 1, startedAt: at },
          operation,
          linkId
        )
        const atMs = DateTime.toEpochMillis(at)
        const untilMs = leaseUntil === undefined ? atMs + DEFAULT_CLAIM_LEASE_MS : DateTime.toEpochMillis(leaseUntil)
        for (let round = 0; round < 20; round++) {
          // The claim is one conditional statement: of concurrent callers exactly one changes the row.
          // A started entry is taken over only when asked and its holder's lease has passed (or it
          // is the caller's own run): a live run's claim is never taken.
          const [claimed] = yield* exec(operation, linkId, () =>
            driver.all(
              `INSERT INTO ${J} AS j (link_id, op_key, run_id, status, attempts, started_at, lease_until_ms)
               VALUES ($1, $2, $3, 'started', 1, $4, $6)
               ON CONFLICT (link_id, op_key) DO UPDATE SET run_id = excluded.run_id, status = 'started',
                 attempts = j.attempts + 1, started_at = excluded.started_at, lease_until_ms = excluded.lease_until_ms,
                 finished_at = NULL, result = NULL, error = NULL
               WHERE j.status = 'failed' OR (j.status = 'started' AND $5 = 1
                 AND (j.run_id = excluded.run_id OR j.lease_until_ms IS NULL OR j.lease_until_ms <= $7))
               RETURNING attempts`,
              [linkId, opKey, encoded.runId, encoded.startedAt, takeOver === true ? 1 : 0, untilMs, atMs]
            )
          )
          if (claimed !== undefined) return { _tag: "Started", attempt: Number(int(claimed.attempts)) } as JournalClaim
          const [row] = yield* exec(operation, linkId, () =>
            driver.all(`SELECT * FROM ${J} WHERE link_id = $1 AND op_key = $2`, [linkId, opKey])
          )
          if (row === undefined) continue
          const entry = yield* journalFromRow(row, operation, linkId)
          if (entry.status === "done") return { _tag: "AlreadyDone", result: entry.result } as JournalClaim
          if (entry.status === "started") {
            return {
              _tag: "InProgress",
              runId: entry.runId,
              startedAt: entry.startedAt,
              ...(entry.leaseUntil === undefined ? {} : { leaseUntil: entry.leaseUntil })
            } as JournalClaim
          }
          // It failed between the claim and the read: claim again.
        }
        return yield* conflict(operation, linkId, `JournalEntry ${opKey}`, "the operation kept changing; try again")
      }),
    renew: (linkId, runId, { leaseUntil }) =>
      exec("PlanJournal.renew", linkId, () =>
        driver.run(`UPDATE ${J} SET lease_until_ms = $3 WHERE link_id = $1 AND run_id = $2 AND status = 'started'`, [
          linkId,
          runId,
          DateTime.toEpochMillis(leaseUntil)
        ])
      ),
    complete: (linkId, opKey, { result, at }) => finish("PlanJournal.complete", linkId, opKey, "done", at, { result }),
    fail: (linkId, opKey, { error, at }) => finish("PlanJournal.fail", linkId, opKey, "failed", at, { error }),
    get: (linkId, opKey) =>
      Effect.gen(function* () {
        const operation = "PlanJournal.get"
        const [row] = yield* exec(operation, linkId, () =>
          driver.all(`SELECT * FROM ${J} WHERE link_id = $1 AND op_key = $2`, [linkId, opKey])
        )
        return row === undefined ? Option.none() : Option.some(yield* journalFromRow(row, operation, linkId))
      }),
    list: (linkId, options) =>
      Effect.gen(function* () {
        const operation = "PlanJournal.list"
        const rows = yield* exec(operation, linkId, () =>
          options?.runId === undefined
            ? driver.all(`SELECT * FROM ${J} WHERE link_id = $1 ORDER BY op_key`, [linkId])
            : driver.all(`SELECT * FROM ${J} WHERE link_id = $1 AND run_id = $2 ORDER BY op_key`, [
                linkId,
                options.runId
              ])
        )
        return yield* Effect.forEach(rows, (row) => journalFromRow(row, operation, linkId))
      })
  })
}
