import { encodeRunEvent, RUN_EVENT_PAGE_LIMIT, RunEventStore } from "@psa-ledger/reconcile-core"
import { Effect } from "effect"
import type { Driver } from "./driver.ts"
import { executor, int, pageLimit } from "./sqlRows.ts"

/** The `RunEventStore` over a SQL driver: events numbered per run inside the write transaction. */
export const makeSqlRunEventStore = (driver: Driver): RunEventStore["Service"] => {
  const exec = executor(driver)
  const E = driver.table("psa_run_events")
  return RunEventStore.of({
    append: (linkId, runId, event) =>
      Effect.gen(function* () {
        const operation = "RunEventStore.append"
        const e = yield* encodeRunEvent({ ...event, seq: 1 }, operation, linkId)
        return yield* exec(operation, linkId, () =>
          driver.transaction(async (tx) => {
            const [row] = await tx.all(
              `SELECT COALESCE(MAX(seq), 0) AS seq FROM ${E} WHERE link_id = $1 AND run_id = $2`,
              [linkId, runId]
            )
            const seq = Number(int(row?.seq ?? 0)) + 1
            await tx.run(`INSERT INTO ${E} (link_id, run_id, seq, type, data, at_ms) VALUES ($1, $2, $3, $4, $5, $6)`, [
              linkId,
              runId,
              seq,
              e.type,
              JSON.stringify(e.data),
              e.at
            ])
            return seq
          })
        )
      }),
    list: (linkId, runId, options) =>
      Effect.map(
        exec("RunEventStore.list", linkId, () =>
          driver.all(
            `SELECT seq, type, data, at_ms FROM ${E} WHERE link_id = $1 AND run_id = $2 AND seq > $3
             ORDER BY seq LIMIT $4`,
            [
              linkId,
              runId,
              Math.max(0, Math.trunc(options?.after ?? 0)),
              pageLimit(options?.limit, RUN_EVENT_PAGE_LIMIT, RUN_EVENT_PAGE_LIMIT)
            ]
          )
        ),
        (rows) =>
          rows.map((row) => ({
            seq: Number(int(row.seq)),
            type: String(row.type),
            data: JSON.parse(String(row.data)) as never,
            at: Number(int(row.at_ms))
          }))
      )
  })
}
