import { randomUUID } from "node:crypto"
import type { TokenSet, TokenStore } from "@psa-ledger/exact-client"
import {
  Conflict,
  Corrupt,
  decodeFromStorage,
  encodeForStorage,
  type JournalClaim,
  JournalEntry,
  LinkRecord,
  LinkStore,
  LOG_PAGE_LIMIT,
  LogEntry,
  Mapping,
  type MappingRef,
  MappingStore,
  mappingId,
  NewLogEntry,
  PlanJournal,
  Run,
  RunStore,
  StorageError,
  StorageLimits,
  scopedByLink,
  TransferLedger,
  TransferRecord
} from "@psa-ledger/reconcile-core"
import { Cause, DateTime, Effect, Exit, Option, Schema } from "effect"
import { TokenStoreError } from "../TokenStoreError.ts"
import { fingerprint, openTokenSet, sealTokenSet, type TokenKeys, tokenSetProblem } from "./crypto.ts"
import { type Driver, messageOf, type Param, type Row, toStorageError } from "./driver.ts"

/** The five port services as one record. */
export interface PortStores {
  readonly mappings: MappingStore["Service"]
  readonly runs: RunStore["Service"]
  readonly journal: PlanJournal["Service"]
  readonly transfers: TransferLedger["Service"]
  readonly links: LinkStore["Service"]
}

/** Holds a link's token-chain lock across processes while `fn` runs. */
export type ChainLock = <A>(linkId: string, fn: () => Promise<A>) => Promise<A>

const validateMapping = encodeForStorage(Mapping, "Mapping")
const decodeMapping = decodeFromStorage(Mapping, "Mapping")
const validateRun = encodeForStorage(Run, "Run")
const decodeRun = decodeFromStorage(Run, "Run")
const validateEntry = encodeForStorage(NewLogEntry, "LogEntry")
const decodeEntry = decodeFromStorage(LogEntry, "LogEntry")
// Struct twins of the record classes validate plain values, which the class constructors would
// reject with a thrown schema error (a defect) before the codec could name the field.
const validateJournalFields = encodeForStorage(Schema.Struct(JournalEntry.fields), "JournalEntry")
const validateLinkFields = encodeForStorage(Schema.Struct(LinkRecord.fields), "LinkRecord")
const validateRunFields = encodeForStorage(Schema.Struct(Run.fields), "Run")
const decodeJournal = decodeFromStorage(JournalEntry, "JournalEntry")
const validateTransfer = encodeForStorage(TransferRecord, "TransferRecord")
const decodeTransfer = decodeFromStorage(TransferRecord, "TransferRecord")
const decodeLink = decodeFromStorage(LinkRecord, "LinkRecord")

// PostgreSQL returns BIGINT as text; anything that is not an integer is left for the decoder to refuse.
const int = (value: unknown): unknown =>
  typeof value === "bigint"
    ? Number(value)
    : typeof value === "string" && /^-?\d{1,15}$/.test(value)
      ? Number(value)
      : value

const present = (value: unknown): boolean => value !== null && value !== undefined

/** A JSON column's value, or `Corrupt` naming the record and field when it is not JSON. */
const json = (
  text: unknown,
  record: string,
  field: string,
  operation: string,
  linkId: string
): Effect.Effect<unknown, StorageError> =>
  Effect.try({
    try: () => {
      if (typeof text !== "string") throw new Error("not text")
      return JSON.parse(text) as unknown
    },
    catch: () =>
      new StorageError({
        operation,
        linkId,
        reason: new Corrupt({ record, field, message: "the stored value is not valid JSON" })
      })
  })

const optionalJson = (text: unknown, record: string, field: string, operation: string, linkId: string) =>
  present(text)
    ? Effect.map(json(text, record, field, operation, linkId), (value) => ({ [field]: value }))
    : Effect.succeed({})

const optional = (field: string, value: unknown) => (present(value) ? { [field]: value } : {})

const pageLimit = (limit: number | undefined, fallback: number, most = Number.MAX_SAFE_INTEGER) =>
  Math.max(0, Math.min(Math.trunc(limit ?? fallback), most))

const chunks = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** `($1, $2, …), ($n+1, …)` for `rows` rows of `width` parameters. */
const valuesList = (rows: number, width: number): string => {
  const groups: Array<string> = []
  for (let r = 0; r < rows; r++) {
    const params: Array<string> = []
    for (let c = 1; c <= width; c++) params.push(`$${r * width + c}`)
    groups.push(`(${params.join(", ")})`)
  }
  return groups.join(", ")
}

/** The port services over one SQL driver; the SQL is shared by SQLite and PostgreSQL. */
export const makeSqlStores = (driver: Driver): PortStores => {
  const t = (name: string) => driver.table(name)
  const exec = <A>(operation: string, linkId: string | undefined, f: () => Promise<A>) =>
    Effect.tryPromise({ try: f, catch: (error) => toStorageError(driver, error, operation, linkId) })
  const conflict = (operation: string, linkId: string, record: string, message: string) =>
    new StorageError({ operation, linkId, reason: new Conflict({ record, message }) })

  // ---- mappings
  const M = t("psa_mappings")
  const mappingFromRow = (row: Row, operation: string, linkId: string) =>
    decodeMapping(
      {
        kind: row.kind,
        sourceKey: row.source_key,
        ...(row.product_key === "" ? {} : optional("productKey", row.product_key)),
        targetId: int(row.target_id),
        method: row.method,
        decidedBy: row.decided_by,
        decidedAt: row.decided_at
      },
      operation,
      linkId
    )

  const mappings = MappingStore.of({
    list: (linkId, options) =>
      Effect.gen(function* () {
        const operation = "MappingStore.list"
        const rows = yield* exec(operation, linkId, () =>
          options?.kind === undefined
            ? driver.all(`SELECT * FROM ${M} WHERE link_id = $1 ORDER BY kind, source_key, product_key`, [linkId])
            : driver.all(`SELECT * FROM ${M} WHERE link_id = $1 AND kind = $2 ORDER BY source_key, product_key`, [
                linkId,
                options.kind
              ])
        )
        return yield* Effect.forEach(rows, (row) => mappingFromRow(row, operation, linkId))
      }),
    get: (linkId, ref) =>
      Effect.gen(function* () {
        const operation = "MappingStore.get"
        const rows = yield* exec(operation, linkId, () =>
          driver.all(`SELECT * FROM ${M} WHERE link_id = $1 AND kind = $2 AND source_key = $3 AND product_key = $4`, [
            linkId,
            ref.kind,
            ref.sourceKey,
            ref.productKey ?? ""
          ])
        )
        const [row] = rows
        return row === undefined ? Option.none() : Option.some(yield* mappingFromRow(row, operation, linkId))
      }),
    upsert: (linkId, input) =>
      Effect.gen(function* () {
        const operation = "MappingStore.upsert"
        // Validate everything before the first write; the last of duplicate refs wins, as in memory.
        const byId = new Map<string, ReadonlyArray<Param>>()
        for (const mapping of input) {
          const encoded = yield* validateMapping(mapping, operation, linkId)
          byId.set(mappingId(mapping), [
            linkId,
            encoded.kind,
            encoded.sourceKey,
            encoded.productKey ?? "",
            encoded.targetId,
            encoded.method,
            encoded.decidedBy,
            encoded.decidedAt
          ])
        }
        if (byId.size === 0) return
        yield* exec(operation, linkId, () =>
          driver.transaction(async (tx) => {
            for (const chunk of chunks([...byId.values()], 500)) {
              await tx.run(
                `INSERT INTO ${M} (link_id, kind, source_key, product_key, target_id, method, decided_by, decided_at)
                 VALUES ${valuesList(chunk.length, 8)}
                 ON CONFLICT (link_id, kind, source_key, product_key) DO UPDATE SET target_id = excluded.target_id,
                   method = excluded.method, decided_by = excluded.decided_by, decided_at = excluded.decided_at`,
                chunk.flat()
              )
            }
          })
        )
      }),
    remove: (linkId, ref: MappingRef) =>
      exec("MappingStore.remove", linkId, async () => {
        const changed = await driver.run(
          `DELETE FROM ${M} WHERE link_id = $1 AND kind = $2 AND source_key = $3 AND product_key = $4`,
          [linkId, ref.kind, ref.sourceKey, ref.productKey ?? ""]
        )
        return changed > 0
      })
  })

  // ---- runs and logs
  const R = t("psa_runs")
  const L = t("psa_run_log")
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
          ...details
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
    encoded.details === undefined ? null : JSON.stringify(encoded.details)
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
  const noSuchRun = (operation: string, linkId: string, runId: string) =>
    conflict(operation, linkId, `Run ${runId}`, "no such run")

  const runs = RunStore.of({
    create: (linkId, run) =>
      Effect.gen(function* () {
        const operation = "RunStore.create"
        const encoded = yield* validateRun(run, operation, linkId)
        const changed = yield* exec(operation, linkId, () =>
          driver.run(
            `INSERT INTO ${R} (link_id, id, job, trigger, status, started_at, started_ms, finished_at, counts, summary, details)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (link_id, id) DO NOTHING`,
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
          const [row] = await tx.all(`SELECT * FROM ${R} WHERE link_id = $1 AND id = $2${driver.lockRow}`, [
            linkId,
            runId
          ])
          if (row === undefined) throw noSuchRun(operation, linkId, runId)
          const run = await toPromise(runFromRow(row, operation, linkId))
          const merged = {
            ...run,
            ...(update.status === undefined ? {} : { status: update.status }),
            ...(update.finishedAt === undefined ? {} : { finishedAt: update.finishedAt }),
            ...(update.counts === undefined ? {} : { counts: { ...update.counts } }),
            ...(update.summary === undefined ? {} : { summary: update.summary })
          }
          const encoded = await toPromise(validateRunFields(merged, operation, linkId))
          const next = new Run(merged, { disableChecks: true })
          await tx.run(
            `UPDATE ${R} SET status = $3, finished_at = $4, counts = $5, summary = $6 WHERE link_id = $1 AND id = $2`,
            [
              linkId,
              runId,
              encoded.status,
              encoded.finishedAt ?? null,
              JSON.stringify(encoded.counts),
              encoded.summary ?? null
            ]
          )
          return next
        })
      )
    },
    get: (linkId, runId) =>
      Effect.gen(function* () {
        const operation = "RunStore.get"
        const [row] = yield* exec(operation, linkId, () =>
          driver.all(`SELECT * FROM ${R} WHERE link_id = $1 AND id = $2`, [linkId, runId])
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
            ? driver.all(`SELECT * FROM ${R} WHERE link_id = $1 ORDER BY started_ms DESC, id DESC LIMIT $2`, [
                linkId,
                limit
              ])
            : driver.all(
                `SELECT * FROM ${R} WHERE link_id = $1 AND (started_ms < $2 OR (started_ms = $2 AND id < $3))
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

  // ---- plan journal
  const J = t("psa_journal")
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
          ...optional("finishedAt", row.finished_at),
          ...result,
          ...error
        },
        operation,
        linkId
      )
    })
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

  const journal = PlanJournal.of({
    begin: (linkId, opKey, { runId, at, takeOver }) =>
      Effect.gen(function* () {
        const operation = "PlanJournal.begin"
        const encoded = yield* validateJournalFields(
          { opKey, runId, status: "started", attempts: 1, startedAt: at },
          operation,
          linkId
        )
        for (let round = 0; round < 20; round++) {
          // The claim is one conditional statement: of concurrent callers exactly one changes the row.
          const [claimed] = yield* exec(operation, linkId, () =>
            driver.all(
              `INSERT INTO ${J} AS j (link_id, op_key, run_id, status, attempts, started_at)
               VALUES ($1, $2, $3, 'started', 1, $4)
               ON CONFLICT (link_id, op_key) DO UPDATE SET run_id = excluded.run_id, status = 'started',
                 attempts = j.attempts + 1, started_at = excluded.started_at, finished_at = NULL, result = NULL, error = NULL
               WHERE j.status = 'failed' OR (j.status = 'started' AND $5 = 1)
               RETURNING attempts`,
              [linkId, opKey, encoded.runId, encoded.startedAt, takeOver === true ? 1 : 0]
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
            return { _tag: "InProgress", runId: entry.runId, startedAt: entry.startedAt } as JournalClaim
          }
          // It failed between the claim and the read: claim again.
        }
        return yield* conflict(operation, linkId, `JournalEntry ${opKey}`, "the operation kept changing; try again")
      }),
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

  // ---- transfer ledger
  const T = t("psa_transfers")
  const transferFromRow = (row: Row, operation: string, linkId: string) =>
    decodeTransfer(
      {
        connectwiseInvoiceId: int(row.cw_invoice_id),
        connectwiseInvoiceNumber: row.cw_invoice_number,
        exactInvoiceId: row.exact_invoice_id,
        ...optional("exactInvoiceNumber", row.exact_invoice_number),
        kind: row.kind,
        status: row.status,
        ...optional("total", row.total),
        ...optional("currency", row.currency),
        runId: row.run_id,
        transferredAt: row.transferred_at,
        updatedAt: row.updated_at
      },
      operation,
      linkId
    )
  const transfers = TransferLedger.of({
    find: (linkId, id) =>
      Effect.gen(function* () {
        const operation = "TransferLedger.find"
        const [row] = yield* exec(operation, linkId, () =>
          driver.all(`SELECT * FROM ${T} WHERE link_id = $1 AND cw_invoice_id = $2`, [linkId, id])
        )
        return row === undefined ? Option.none() : Option.some(yield* transferFromRow(row, operation, linkId))
      }),
    findMany: (linkId, ids) =>
      Effect.gen(function* () {
        const operation = "TransferLedger.findMany"
        const wanted = [...new Set(ids)].filter((id) => Number.isSafeInteger(id))
        if (wanted.length === 0) return new Map()
        const rows = yield* exec(operation, linkId, () =>
          driver.all(`SELECT * FROM ${T} WHERE link_id = $1 AND ${driver.inIds("cw_invoice_id", 2)}`, [
            linkId,
            driver.ids(wanted)
          ])
        )
        const byId = new Map<number, TransferRecord>()
        for (const row of rows) {
          const record = yield* transferFromRow(row, operation, linkId)
          byId.set(record.connectwiseInvoiceId, record)
        }
        // In the order asked, as the in-memory ledger answers.
        const found = new Map<number, TransferRecord>()
        for (const id of ids) {
          const record = byId.get(id)
          if (record !== undefined) found.set(id, record)
        }
        return found
      }),
    record: (linkId, record) =>
      Effect.gen(function* () {
        const operation = "TransferLedger.record"
        const e = yield* validateTransfer(record, operation, linkId)
        yield* exec(operation, linkId, () =>
          driver.run(
            `INSERT INTO ${T} (link_id, cw_invoice_id, cw_invoice_number, exact_invoice_id, exact_invoice_number, kind,
               status, total, currency, run_id, transferred_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             ON CONFLICT (link_id, cw_invoice_id) DO UPDATE SET cw_invoice_number = excluded.cw_invoice_number,
               exact_invoice_id = excluded.exact_invoice_id, exact_invoice_number = excluded.exact_invoice_number,
               kind = excluded.kind, status = excluded.status, total = excluded.total, currency = excluded.currency,
               run_id = excluded.run_id, transferred_at = excluded.transferred_at, updated_at = excluded.updated_at`,
            [
              linkId,
              e.connectwiseInvoiceId,
              e.connectwiseInvoiceNumber,
              e.exactInvoiceId,
              e.exactInvoiceNumber ?? null,
              e.kind,
              e.status,
              e.total ?? null,
              e.currency ?? null,
              e.runId,
              e.transferredAt,
              e.updatedAt
            ]
          )
        )
      }),
    list: (linkId, options) =>
      Effect.gen(function* () {
        const operation = "TransferLedger.list"
        const rows = yield* exec(operation, linkId, () =>
          driver.all(`SELECT * FROM ${T} WHERE link_id = $1 AND cw_invoice_id > $2 ORDER BY cw_invoice_id LIMIT $3`, [
            linkId,
            options?.afterId ?? Number.MIN_SAFE_INTEGER,
            pageLimit(options?.limit, 1_000)
          ])
        )
        return yield* Effect.forEach(rows, (row) => transferFromRow(row, operation, linkId))
      })
  })

  // ---- links
  const K = t("psa_links")
  const linkFromRow = (row: Row, operation: string, linkId: string) =>
    Effect.gen(function* () {
      const settings = yield* json(row.settings, "LinkRecord", "settings", operation, linkId)
      return yield* decodeLink(
        { id: row.id, name: row.name, settings, version: int(row.version), updatedAt: row.updated_at },
        operation,
        linkId
      )
    })
  const links = LinkStore.of({
    get: (linkId) =>
      Effect.gen(function* () {
        const operation = "LinkStore.get"
        const [row] = yield* exec(operation, linkId, () => driver.all(`SELECT * FROM ${K} WHERE id = $1`, [linkId]))
        return row === undefined ? Option.none() : Option.some(yield* linkFromRow(row, operation, linkId))
      }),
    list: () =>
      Effect.gen(function* () {
        const operation = "LinkStore.list"
        const rows = yield* exec(operation, undefined, () => driver.all(`SELECT * FROM ${K} ORDER BY id`))
        return yield* Effect.forEach(rows, (row) => linkFromRow(row, operation, String(row.id)))
      }),
    put: (link, options) =>
      Effect.gen(function* () {
        const operation = "LinkStore.put"
        const e = yield* validateLinkFields(
          { id: link.id, name: link.name, settings: link.settings, updatedAt: link.updatedAt, version: 1 },
          operation,
          link.id
        )
        const settings = JSON.stringify(e.settings)
        const expected = options?.expectedVersion
        const version = yield* exec(operation, link.id, async () => {
          const [row] =
            expected === undefined
              ? await driver.all(
                  `INSERT INTO ${K} AS l (id, name, settings, version, updated_at) VALUES ($1, $2, $3, 1, $4)
                   ON CONFLICT (id) DO UPDATE SET name = excluded.name, settings = excluded.settings,
                     updated_at = excluded.updated_at, version = l.version + 1
                   RETURNING version`,
                  [e.id, e.name, settings, e.updatedAt]
                )
              : expected === 0
                ? await driver.all(
                    `INSERT INTO ${K} (id, name, settings, version, updated_at) VALUES ($1, $2, $3, 1, $4)
                     ON CONFLICT (id) DO NOTHING RETURNING version`,
                    [e.id, e.name, settings, e.updatedAt]
                  )
                : await driver.all(
                    `UPDATE ${K} SET name = $2, settings = $3, updated_at = $4, version = version + 1
                     WHERE id = $1 AND version = $5 RETURNING version`,
                    [e.id, e.name, settings, e.updatedAt, expected]
                  )
          if (row !== undefined) return Number(int(row.version))
          const [current] = await driver.all(`SELECT version FROM ${K} WHERE id = $1`, [e.id])
          throw conflict(
            operation,
            link.id,
            `LinkRecord ${link.id}`,
            `expected version ${expected}, found ${current === undefined ? 0 : Number(int(current.version))}`
          )
        })
        return new LinkRecord(
          { id: link.id, name: link.name, settings: link.settings, updatedAt: link.updatedAt, version },
          { disableChecks: true }
        )
      }),
    remove: (linkId) =>
      exec("LinkStore.remove", linkId, async () => (await driver.run(`DELETE FROM ${K} WHERE id = $1`, [linkId])) > 0)
  })

  return {
    mappings: scopedByLink("MappingStore", mappings),
    runs: scopedByLink("RunStore", runs),
    journal: scopedByLink("PlanJournal", journal),
    transfers: scopedByLink("TransferLedger", transfers),
    links
  }
}

/** Runs a decode or validation inside a transaction's body, rejecting with its `StorageError`. */
const toPromise = async <A>(effect: Effect.Effect<A, StorageError>): Promise<A> => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) return exit.value
  throw Cause.squash(exit.cause)
}

/** Checks a link id the way the ports' keys are checked, before it names a token chain. */
export const checkLinkId = (linkId: unknown): string => {
  if (typeof linkId !== "string" || linkId.length === 0 || linkId.length > StorageLimits.key) {
    throw new TokenStoreError("InvalidInput", `the link id must be a string of 1 to ${StorageLimits.key} characters`)
  }
  return linkId
}

/** The encrypted token chain of one link over a SQL driver. */
export const makeSqlTokenStore = (
  driver: Driver,
  keys: TokenKeys | undefined,
  lock: ChainLock,
  linkId: string
): TokenStore => {
  checkLinkId(linkId)
  if (keys === undefined) {
    throw new TokenStoreError(
      "MissingKey",
      "this storage was opened without an encryptionKey, and tokens are never stored unencrypted: pass `encryptionKey` (32 bytes)",
      linkId
    )
  }
  const table = driver.table("psa_tokens")
  const unavailable = (error: unknown) =>
    error instanceof TokenStoreError ? error : new TokenStoreError("Unavailable", reasonText(driver, error), linkId)
  const checkSet = (set: unknown, which: string) => {
    const problem = tokenSetProblem(set)
    if (problem !== undefined) throw new TokenStoreError("InvalidInput", `${which}: ${problem}`, linkId)
  }
  return {
    load: async () => {
      let rows: ReadonlyArray<Row>
      try {
        rows = await driver.all(`SELECT sealed FROM ${table} WHERE link_id = $1`, [linkId])
      } catch (error) {
        throw unavailable(error)
      }
      const [row] = rows
      return row === undefined ? undefined : openTokenSet(keys, linkId, row.sealed)
    },
    compareAndSet: async (previous: TokenSet | undefined, next: TokenSet) => {
      checkSet(next, "next")
      if (previous !== undefined) checkSet(previous, "previous")
      const sealed = sealTokenSet(keys, linkId, next)
      const nextPrint = fingerprint(keys, linkId, next.refreshToken)
      const now = new Date().toISOString()
      try {
        const changed =
          previous === undefined
            ? await driver.run(
                `INSERT INTO ${table} (link_id, refresh_fingerprint, sealed, updated_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (link_id) DO NOTHING`,
                [linkId, nextPrint, sealed, now]
              )
            : await driver.run(
                `UPDATE ${table} SET refresh_fingerprint = $3, sealed = $4, updated_at = $5
                 WHERE link_id = $1 AND refresh_fingerprint = $2`,
                [linkId, fingerprint(keys, linkId, previous.refreshToken), nextPrint, sealed, now]
              )
        return changed === 1
      } catch (error) {
        throw unavailable(error)
      }
    },
    withLock: (fn) => lock(linkId, fn)
  }
}

const reasonText = (driver: Driver, error: unknown): string => {
  const reason = driver.reason(error)
  return "message" in reason ? reason.message : messageOf(error)
}

/** Serialises callers in this process per key, so only one of them at a time waits on the database lock. */
export const keyedQueue = () => {
  const tails = new Map<string, Promise<unknown>>()
  return <A>(key: string, fn: () => Promise<A>): Promise<A> => {
    const previous = tails.get(key) ?? Promise.resolve()
    const run = previous.then(fn, fn)
    const tail = run.then(
      () => undefined,
      () => undefined
    )
    tails.set(key, tail)
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key)
    })
    return run
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * SQLite's cross-process chain lock: a lease row claimed in a `BEGIN IMMEDIATE` transaction, renewed
 * while held and released when `fn` settles. A crashed holder's lease runs out after `leaseMs`.
 * (Holding `BEGIN IMMEDIATE` itself for the whole refresh would block every other write to the file.)
 */
export const sqliteChainLock = (
  driver: Driver,
  options: { readonly leaseMs: number; readonly waitMs: number }
): ChainLock => {
  const queue = keyedQueue()
  const table = driver.table("psa_token_locks")
  return (linkId, fn) =>
    queue(linkId, async () => {
      const holder = randomUUID()
      const deadline = Date.now() + options.waitMs
      for (let attempt = 0; ; attempt++) {
        let claimed: boolean
        try {
          claimed = await driver.transaction(async (tx) => {
            const now = Date.now()
            const changed = await tx.run(
              `INSERT INTO ${table} (link_id, holder, expires_ms) VALUES ($1, $2, $3)
               ON CONFLICT (link_id) DO UPDATE SET holder = excluded.holder, expires_ms = excluded.expires_ms
               WHERE ${table}.expires_ms < $4`,
              [linkId, holder, now + options.leaseMs, now]
            )
            return changed === 1
          })
        } catch (error) {
          throw new TokenStoreError("Unavailable", reasonText(driver, error), linkId)
        }
        if (claimed) break
        if (Date.now() > deadline) {
          throw new TokenStoreError("Unavailable", `the token chain lock stayed held past ${options.waitMs} ms`, linkId)
        }
        await sleep(Math.min(5 * 2 ** Math.min(attempt, 5), 100) * (0.5 + Math.random()))
      }
      const renew = setInterval(
        () => {
          driver
            .run(`UPDATE ${table} SET expires_ms = $3 WHERE link_id = $1 AND holder = $2`, [
              linkId,
              holder,
              Date.now() + options.leaseMs
            ])
            .catch(() => undefined)
        },
        Math.max(10, Math.floor(options.leaseMs / 3))
      )
      renew.unref()
      try {
        return await fn()
      } finally {
        clearInterval(renew)
        await driver
          .run(`DELETE FROM ${table} WHERE link_id = $1 AND holder = $2`, [linkId, holder])
          .catch(() => undefined)
      }
    })
}
