import { type RunLeaseClaim, type RunLeaseHolder, RunLeases } from "@psa-ledger/reconcile-core"
import { DateTime, Option } from "effect"
import type { Driver, Queryable, Row } from "./driver.ts"
import { executor, int } from "./sqlRows.ts"

const holderOf = (row: Row): RunLeaseHolder => ({
  runId: String(row.run_id),
  job: String(row.job),
  until: DateTime.makeUnsafe(Number(int(row.until_ms)))
})

/** The `RunLeases` over a SQL driver (without the link-id guard, which the assembler adds). */
export const makeSqlRunLeases = (driver: Driver): RunLeases["Service"] => {
  const exec = executor(driver)
  const L = driver.table("psa_run_leases")
  const read = async (q: Queryable, linkId: string) =>
    (await q.all(`SELECT * FROM ${L} WHERE link_id = $1${driver.lockRow}`, [linkId]))[0]
  return RunLeases.of({
    acquire: (linkId, { runId, job, at, until }) =>
      exec("RunLeases.acquire", linkId, () =>
        // Read and decide under the row's lock (SQLite: the write transaction), so that of callers at
        // once exactly one acquires; a missing row is inserted first, so there is a row to lock.
        driver.transaction(async (tx): Promise<RunLeaseClaim> => {
          const untilMs = DateTime.toEpochMillis(until)
          const inserted = await tx.all(
            `INSERT INTO ${L} (link_id, run_id, job, until_ms) VALUES ($1, $2, $3, $4)
             ON CONFLICT (link_id) DO NOTHING RETURNING link_id`,
            [linkId, runId, job, untilMs]
          )
          if (inserted.length > 0) return { _tag: "Acquired" }
          const row = await read(tx, linkId)
          if (row === undefined) throw new Error("the run lease vanished while it was acquired")
          const current = holderOf(row)
          if (current.runId !== runId && DateTime.toEpochMillis(current.until) > DateTime.toEpochMillis(at)) {
            return { _tag: "Held", ...current }
          }
          await tx.run(`UPDATE ${L} SET run_id = $2, job = $3, until_ms = $4 WHERE link_id = $1`, [
            linkId,
            runId,
            job,
            untilMs
          ])
          return current.runId === runId ? { _tag: "Acquired" } : { _tag: "Acquired", previous: current }
        })
      ),
    renew: (linkId, runId, { until }) =>
      exec(
        "RunLeases.renew",
        linkId,
        async () =>
          (await driver.run(`UPDATE ${L} SET until_ms = $3 WHERE link_id = $1 AND run_id = $2`, [
            linkId,
            runId,
            DateTime.toEpochMillis(until)
          ])) > 0
      ),
    release: (linkId, runId) =>
      exec("RunLeases.release", linkId, async () => {
        await driver.run(`DELETE FROM ${L} WHERE link_id = $1 AND run_id = $2`, [linkId, runId])
      }),
    holder: (linkId) =>
      exec("RunLeases.holder", linkId, async () => {
        const [row] = await driver.all(`SELECT * FROM ${L} WHERE link_id = $1`, [linkId])
        return row === undefined ? Option.none() : Option.some(holderOf(row))
      })
  })
}
