import { decodeFromStorage, encodeForStorage, RunPlans, StoredPlan } from "@psa-ledger/reconcile-core"
import { DateTime, Effect, Option, Schema } from "effect"
import type { Driver, Row } from "./driver.ts"
import { conflict, executor, json, optional } from "./sqlRows.ts"

const encodePlan = encodeForStorage(StoredPlan, "StoredPlan")
const decodePlan = decodeFromStorage(StoredPlan, "StoredPlan")
const encodeNote = encodeForStorage(Schema.Struct({ note: StoredPlan.fields.note }), "StoredPlan")

const planFromRow = (row: Row, operation: string, linkId: string) =>
  Effect.gen(function* () {
    const plan = yield* json(row.plan, "StoredPlan", "plan", operation, linkId)
    return yield* decodePlan(
      {
        runId: row.run_id,
        job: row.job,
        plan,
        status: row.status,
        savedAt: row.saved_at,
        lastRunId: row.last_run_id,
        ...optional("finishedAt", row.finished_at),
        ...optional("note", row.note)
      },
      operation,
      linkId
    )
  })

/**
 * The `RunPlans` over a SQL driver (without the link-id guard, which the assembler adds). Closing a
 * plan is one conditional `UPDATE … WHERE status = 'open'`: of two closers at once exactly one wins.
 */
export const makeSqlRunPlans = (driver: Driver): RunPlans["Service"] => {
  const exec = executor(driver)
  const P = driver.table("psa_run_plans")
  return RunPlans.of({
    save: (linkId, plan) =>
      Effect.gen(function* () {
        const operation = "RunPlans.save"
        const encoded = yield* encodePlan(plan, operation, linkId)
        const inserted = yield* exec(operation, linkId, () =>
          driver.all(
            `INSERT INTO ${P} (link_id, run_id, job, plan, status, saved_at, saved_ms, last_run_id, finished_at, note)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (link_id, run_id) DO NOTHING RETURNING run_id`,
            [
              linkId,
              encoded.runId,
              encoded.job,
              JSON.stringify(encoded.plan),
              encoded.status,
              encoded.savedAt,
              DateTime.toEpochMillis(plan.savedAt),
              encoded.lastRunId,
              encoded.finishedAt ?? null,
              encoded.note ?? null
            ]
          )
        )
        if (inserted.length === 0) {
          return yield* conflict(operation, linkId, `StoredPlan ${plan.runId}`, "a plan of this run is stored already")
        }
      }),
    get: (linkId, runId) =>
      Effect.gen(function* () {
        const operation = "RunPlans.get"
        const rows = yield* exec(operation, linkId, () =>
          driver.all(`SELECT * FROM ${P} WHERE link_id = $1 AND run_id = $2`, [linkId, runId])
        )
        const [row] = rows
        return row === undefined ? Option.none() : Option.some(yield* planFromRow(row, operation, linkId))
      }),
    unfinished: (linkId) =>
      Effect.gen(function* () {
        const operation = "RunPlans.unfinished"
        const rows = yield* exec(operation, linkId, () =>
          driver.all(`SELECT * FROM ${P} WHERE link_id = $1 AND status = 'open' ORDER BY saved_ms, run_id`, [linkId])
        )
        return yield* Effect.forEach(rows, (row) => planFromRow(row, operation, linkId))
      }),
    touch: (linkId, runId, { lastRunId }) =>
      Effect.gen(function* () {
        const operation = "RunPlans.touch"
        const checked = yield* encodeForStorage(StoredPlan.fields.lastRunId, "StoredPlan")(lastRunId, operation, linkId)
        const changed = yield* exec(operation, linkId, () =>
          driver.run(`UPDATE ${P} SET last_run_id = $3 WHERE link_id = $1 AND run_id = $2 AND status = 'open'`, [
            linkId,
            runId,
            checked
          ])
        )
        return changed > 0
      }),
    finish: (linkId, runId, { status, at, note }) =>
      Effect.gen(function* () {
        const operation = "RunPlans.finish"
        const checked = yield* encodeNote({ note }, operation, linkId)
        const changed = yield* exec(operation, linkId, () =>
          driver.run(
            `UPDATE ${P} SET status = $3, finished_at = $4, note = COALESCE($5, note)
             WHERE link_id = $1 AND run_id = $2 AND status = 'open'`,
            [linkId, runId, status, DateTime.formatIso(at), checked.note ?? null]
          )
        )
        return changed > 0
      })
  })
}
