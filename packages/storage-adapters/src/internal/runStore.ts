import {
  decodeFromStorage,
  encodeForStorage,
  LOG_PAGE_LIMIT,
  LogEntry,
  mergeRunUpdate,
  NewLogEntry,
  Run,
  RunStore
} from "@psa-ledger/reconcile-core"
import { DateTime, Effect, Option, Schema } from "effect"
import type { Driver, Param, Row } from "./driver.ts"
import {
  chunks,
  conflict,
  executor,
  int,
  json,
  optional,
  optionalJson,
  pageLimit,
  toPromise,
  valuesList
} from "./sqlRows.ts"

const validateRun = encodeForStorage(Run, "Run")
const decodeRun = decodeFromStorage(Run, "Run")
const validateEntry = encodeForStorage(NewLogEntry, "LogEntry")
const decodeEntry = decodeFromStorage(LogEntry, "LogEntry")
// A struct twin of the record class validates a plain merged value, which the class constructor would
// reject with a thrown schema error (a defect) before the codec could name the field.
const validateRunFields = encodeForStorage(Schema.Struct(Run.fields), "Run")

const runFromRow = (row: Row, operation: string, linkId: string) =>
  Effect.gen(function* () {
    const counts = yield* json(row.counts, "Run", "counts", operation, linkId)
    const details = yield* optionalJson(row.details, "Run", "details", operation, linkId)
    return yield* decodeRun(
      {
        id: row.id,
        job: row.job,
        trigger: row.trigger,
        status: row.status,
        startedAt: row.started_at,
        ...optional("finishedAt", row.finished_at),
        counts,
        ...optional("summary", row.summary),
        ...details,
        ...optional("mail", row.mail)
      },
      operation,
      linkId
    )
  })
const runParams = (linkId: string, run: Run, encoded: typeof Run.Encoded): ReadonlyArray<Param> => [
  linkId,
  encoded.id,
  encoded.job,
  encoded.trigger,
  encoded.status,
  encoded.startedAt,
  DateTime.toEpochMillis(run.startedAt),
  encoded.finishedAt ?? null,
  JSON.stringify(encoded.counts),
  encoded.summary ?? null,
  encoded.details === undefined ? null : JSON.stringify(encoded.details),
  encoded.mail ?? null
]
const entryFromRow = (row: Row, operation: string, linkId: string) =>
  Effect.gen(function* () {
    const fields = yield* json(row.fields, "LogEntry", "fields", operation, linkId)
    return yield* decodeEntry(
      { seq: int(row.seq), at: row.at, level: row.level, message: row.message, fields },
      operation,
      linkId
    )
  })
// Every column but `result`, which only `result` reads: a run list stays small however large the outcomes.
const RUN_COLUMNS = "id, job, trigger, status, started_at, finished_at, counts, summary, details, mail"

const noSuchRun = (operation: string, linkId: string, runId: string) =>
  conflict(operation, linkId, `Run ${runId}`, "no such run")

/** The `RunStore` (runs and their logs) over a SQL driver (without the link-id guard, which the assembler adds). */
export const makeSqlRunStore = (driver: Driver): RunStore["Service"] => {
  const exec = executor(driver)
  const R = driver.table("psa_runs")
  const L = driver.table("psa_run_log")
  return RunStore.of({
    create: (linkId, run) =>
      Effect.gen(function* () {
        const operation = "RunStore.create"
        const encoded = yield* validateRun(run, operation, linkId)
        const changed = yield* exec(operation, linkId, () =>
          driver.run(
            `INSERT INTO ${R} (link_id, id, job, trigger, status, started_at, started_ms, finished_at, counts, summary, details, mail)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (link_id, id) DO NOTHING`,
            runParams(linkId, run, encoded)
          )
        )
        if (changed === 0) return yield* conflict(operation, linkId, `Run ${run.id}`, "a run with this id exists")
      }),
    update: (linkId, runId, update) => {
      const operation = "RunStore.update"
      // Read, merge and write under the row's lock (SQLite: the write transaction), as one step.
      return exec(operation, linkId, () =>
        driver.transaction(async (tx) => {
          const [row] = await tx.all(
            `SELECT ${RUN_COLUMNS} FROM ${R} WHERE link_id = $1 AND id = $2${driver.lockRow}`,
            [linkId, runId]
          )
          if (row === undefined) throw noSuchRun(operation, linkId, runId)
          const run = await toPromise(runFromRow(row, operation, linkId))
          const merged = mergeRunUpdate(run, update)
          const encoded = await toPromise(validateRunFields(merged, operation, linkId))
          const next = new Run(merged, { disableChecks: true })
          await tx.run(
            `UPDATE ${R} SET status = $3, finished_at = $4, counts = $5, summary = $6, mail = $7 WHERE link_id = $1 AND id = $2`,
            [
              linkId,
              runId,
              encoded.status,
              encoded.finishedAt ?? null,
              JSON.stringify(encoded.counts),
              encoded.summary ?? null,
              encoded.mail ?? null
            ]
          )
          if (update.result !== undefined) {
            await tx.run(`UPDATE ${R} SET result = $3 WHERE link_id = $1 AND id = $2`, [
              linkId,
              runId,
              JSON.stringify(update.result)
            ])
          }
          return next
        })
      )
    },
    result: (linkId, runId) =>
      Effect.gen(function* () {
        const operation = "RunStore.result"
        const [row] = yield* exec(operation, linkId, () =>
          driver.all(`SELECT result FROM ${R} WHERE link_id = $1 AND id = $2`, [linkId, runId])
        )
        if (row === undefined || row.result === null || row.result === undefined) return Option.none()
        return Option.some((yield* json(row.result, "Run", "result", operation, linkId)) as Schema.Json)
      }),
    get: (linkId, runId) =>
      Effect.gen(function* () {
        const operation = "RunStore.get"
        const [row] = yield* exec(operation, linkId, () =>
          driver.all(`SELECT ${RUN_COLUMNS} FROM ${R} WHERE link_id = $1 AND id = $2`, [linkId, runId])
        )
        return row === undefined ? Option.none() : Option.some(yield* runFromRow(row, operation, linkId))
      }),
    list: (linkId, options) =>
      Effect.gen(function* () {
        const operation = "RunStore.list"
        const limit = pageLimit(options?.limit, 100)
        const rows = yield* exec(operation, linkId, async () => {
          const [before] =
            options?.before === undefined
              ? []
              : await driver.all(`SELECT started_ms, id FROM ${R} WHERE link_id = $1 AND id = $2`, [
                  linkId,
                  options.before
                ])
          return before === undefined
            ? driver.all(
                `SELECT ${RUN_COLUMNS} FROM ${R} WHERE link_id = $1 ORDER BY started_ms DESC, id DESC LIMIT $2`,
                [linkId, limit]
              )
            : driver.all(
                `SELECT ${RUN_COLUMNS} FROM ${R} WHERE link_id = $1 AND (started_ms < $2 OR (started_ms = $2 AND id < $3))
                 ORDER BY started_ms DESC, id DESC LIMIT $4`,
                [linkId, int(before.started_ms) as number, before.id as string, limit]
              )
        })
        return yield* Effect.forEach(rows, (row) => runFromRow(row, operation, linkId))
      }),
    append: (linkId, runId, entries) =>
      Effect.gen(function* () {
        const operation = "RunStore.append"
        const encoded: Array<typeof NewLogEntry.Encoded> = []
        for (const entry of entries) encoded.push(yield* validateEntry(entry, operation, linkId))
        return yield* exec(operation, linkId, () =>
          driver.transaction(async (tx) => {
            // Reserving the sequence numbers on the run row serialises appenders and proves the run exists.
            const [row] = await tx.all(
              `UPDATE ${R} SET log_seq = log_seq + $3 WHERE link_id = $1 AND id = $2 RETURNING log_seq`,
              [linkId, runId, encoded.length]
            )
            if (row === undefined) throw noSuchRun(operation, linkId, runId)
            const first = Number(int(row.log_seq)) - encoded.length + 1
            const seqs = encoded.map((_, i) => first + i)
            for (const [index, chunk] of chunks(encoded, 500).entries()) {
              await tx.run(
                `INSERT INTO ${L} (link_id, run_id, seq, at, level, message, fields) VALUES ${valuesList(chunk.length, 7)}`,
                chunk.flatMap((entry, i) => [
                  linkId,
                  runId,
                  first + index * 500 + i,
                  entry.at,
                  entry.level,
                  entry.message,
                  JSON.stringify(entry.fields)
                ])
              )
            }
            return seqs
          })
        )
      }),
    readLog: (linkId, runId, options) =>
      Effect.gen(function* () {
        const operation = "RunStore.readLog"
        const rows = yield* exec(operation, linkId, () =>
          driver.all(`SELECT * FROM ${L} WHERE link_id = $1 AND run_id = $2 AND seq > $3 ORDER BY seq LIMIT $4`, [
            linkId,
            runId,
            Math.trunc(options?.afterSeq ?? 0),
            pageLimit(options?.limit, LOG_PAGE_LIMIT, LOG_PAGE_LIMIT)
          ])
        )
        return yield* Effect.forEach(rows, (row) => entryFromRow(row, operation, linkId))
      })
  })
}
