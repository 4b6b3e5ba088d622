// One worker of the fleet test, in a child process of its own: the real worker on the real deployment
// (its schedules in PostgreSQL), with a job body that records each attempt in the test's table instead
// of calling ConnectWise and Exact. A body holds a PostgreSQL advisory lock on its link while it runs
// (like the link's run lease; a killed process's session ends and frees it) and records whether it
// found the lock taken: two attempts of one link at once.
//
// An attempt listed in `hold` (link, job, due) waits on its first try until the job is taken back.
import { openDeployment } from "@psa-ledger/deployment"
import { postgresStorage } from "@psa-ledger/storage-adapters/postgres"
import pg from "pg"
import { fileClock } from "../../src/host.ts"
import { hostWorker, jsonLog, retryPolicy, stopSignal } from "../../src/index.ts"

const env = (name: string): string => {
  const value = process.env[name]
  if (value === undefined) throw new Error(`${name} is not set`)
  return value
}

const url = env("FLEET_PG_URL")
const record = env("FLEET_RECORD_SCHEMA")
const name = env("FLEET_WORKER")
const log = jsonLog(name)
const signal = stopSignal(log)
const pool = new pg.Pool({ connectionString: url, max: 6 })

const deployment = await openDeployment({
  storage: (encryptionKey) =>
    postgresStorage({ connectionString: url, schema: env("FLEET_STORAGE_SCHEMA"), encryptionKey }),
  secretKey: env("FLEET_SECRET_KEY")
})

await hostWorker({
  deployment,
  connectionString: url,
  queueSchema: env("FLEET_QUEUE_SCHEMA"),
  name,
  log,
  signal,
  clock: fileClock(env("FLEET_CLOCK_FILE")),
  tickMs: 150,
  heartbeatSeconds: 10,
  superviseSeconds: 1,
  pollingSeconds: 0.5,
  concurrency: 2,
  graceMs: 1_000,
  port: 0,
  retries: retryPolicy({ "*": { limit: 2, delaySeconds: 2 } }),
  runJob: async (request) => {
    const due = request.dueAt ?? null
    const session = await pool.connect()
    try {
      const key = request.linkId
      const got = await session.query<{ ok: boolean }>("select pg_try_advisory_lock(hashtext($1)) as ok", [key])
      const overlapped = got.rows[0]?.ok !== true
      if (overlapped) await session.query("select pg_advisory_lock(hashtext($1))", [key])
      const inserted = await session.query<{ id: number }>(
        `insert into ${record}.attempts (link_id, job, due_at, attempt, worker, overlapped, started_at)
         values ($1, $2, $3, $4, $5, $6, clock_timestamp()) returning id`,
        [request.linkId, request.job, due, request.attempt, name, overlapped]
      )
      const id = inserted.rows[0]?.id
      const held = await session.query(`select 1 from ${record}.hold where link_id = $1 and job = $2 and due_at = $3`, [
        request.linkId,
        request.job,
        due
      ])
      // The attempt's row is its "run": recorded with the queue as a real run is, so that a retry
      // learns of it through `earlierRuns`.
      if (id !== undefined) request.onStart(`attempt-${id}`)
      // A retry after its worker died: the worker hands it the runs its earlier attempts started, and
      // one that had already succeeded (its worker SIGKILLed before pg-boss heard of it) means the job
      // is done, as the real job runner decides. An occurrence delivered twice as attempt 1 has no
      // earlier runs and is still counted twice.
      const earlier = request.earlierRuns.map((runId) => Number(runId.replace(/^attempt-/, "")))
      const done =
        earlier.length > 0
          ? await session.query<{ id: number }>(
              `select id from ${record}.attempts where id = any($1::int[]) and status = 'succeeded'`,
              [earlier]
            )
          : undefined
      let status = "succeeded"
      try {
        if (done !== undefined && done.rowCount !== 0) {
          status = "already done"
        } else if (held.rowCount !== 0 && request.attempt === 1) {
          // Mid-run until the test kills this worker, or stops it and the grace period ends.
          await new Promise<void>((resolve) => {
            if (request.signal.aborted) resolve()
            else request.signal.addEventListener("abort", () => resolve(), { once: true })
          })
          status = "cancelled"
        } else {
          await new Promise((resolve) => setTimeout(resolve, 20))
        }
        await session.query(
          `update ${record}.attempts set finished_at = clock_timestamp(), status = $2 where id = $1`,
          [id, status]
        )
      } finally {
        await session.query("select pg_advisory_unlock(hashtext($1))", [key])
      }
      return status === "already done"
        ? { status: "succeeded", alreadyDone: `attempt-${done?.rows[0]?.id}` }
        : { status }
    } finally {
      session.release()
    }
  }
})
await deployment.close()
await pool.end()
