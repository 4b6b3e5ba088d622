import { promisify } from "node:util"
import { gunzip, gzip } from "node:zlib"
import { decodeFromStorage, StorageCorruptError, StorageError } from "@psa-ledger/reconcile-core"
import { Effect, Option } from "effect"
import { encodeLoadedMonth, LoadedMonthHead, LoadedMonthStore } from "../LoadedMonthStore.ts"
import type { Driver, Row } from "./driver.ts"
import { executor, int } from "./sqlRows.ts"

const zip = promisify(gzip)
const unzip = promisify(gunzip)
const decodeHead = decodeFromStorage(LoadedMonthHead, "LoadedMonthRecord")

const headOf = (row: Row, operation: string, linkId: string) =>
  decodeHead(
    {
      linkId: row.link_id,
      month: row.month,
      loadId: row.load_id,
      loadedAt: int(row.loaded_ms),
      loadedBy: row.loaded_by,
      rows: int(row.row_count)
    },
    operation,
    linkId
  )

/** Loaded months over a SQL driver: one row per link and month, the document gzip-compressed. */
export const makeSqlLoadedMonthStore = (driver: Driver) => {
  const exec = executor(driver)
  const M = driver.table("psa_loaded_months")
  const HEAD = "link_id, month, load_id, loaded_ms, loaded_by, row_count"
  const loadedMonths = LoadedMonthStore.of({
    head: (linkId, month) =>
      Effect.gen(function* () {
        const operation = "LoadedMonthStore.head"
        const [row] = yield* exec(operation, linkId, () =>
          driver.all(`SELECT ${HEAD} FROM ${M} WHERE link_id = $1 AND month = $2`, [linkId, month])
        )
        return row === undefined ? Option.none() : Option.some(yield* headOf(row, operation, linkId))
      }),
    get: (linkId, month) =>
      Effect.gen(function* () {
        const operation = "LoadedMonthStore.get"
        const [row] = yield* exec(operation, linkId, () =>
          driver.all(`SELECT * FROM ${M} WHERE link_id = $1 AND month = $2`, [linkId, month])
        )
        if (row === undefined) return Option.none()
        const head = yield* headOf(row, operation, linkId)
        const document = yield* Effect.tryPromise({
          try: async () => {
            if (typeof row.document_gzip !== "string") throw new Error("not text")
            return JSON.parse((await unzip(Buffer.from(row.document_gzip, "base64"))).toString("utf8"))
          },
          catch: () =>
            new StorageError({
              operation,
              linkId,
              reason: new StorageCorruptError({
                record: `LoadedMonthRecord ${linkId} ${month}`,
                field: "document",
                message: "the stored document is not gzip-compressed JSON"
              })
            })
        })
        return Option.some({ ...head, document })
      }),
    put: (record) =>
      Effect.gen(function* () {
        const operation = "LoadedMonthStore.put"
        const r = yield* encodeLoadedMonth(record, operation, record.linkId)
        return yield* exec(operation, r.linkId, async () => {
          const packed = (await zip(Buffer.from(JSON.stringify(r.document), "utf8"))).toString("base64")
          await driver.run(
            `INSERT INTO ${M} (link_id, month, load_id, loaded_ms, loaded_by, row_count, document_gzip)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (link_id, month) DO UPDATE SET load_id = excluded.load_id, loaded_ms = excluded.loaded_ms,
               loaded_by = excluded.loaded_by, row_count = excluded.row_count, document_gzip = excluded.document_gzip`,
            [r.linkId, r.month, r.loadId, r.loadedAt, r.loadedBy, r.rows, packed]
          )
          const { document: _, ...head } = r
          return head
        })
      }),
    remove: (linkId, month) =>
      exec("LoadedMonthStore.remove", linkId, () =>
        month === undefined
          ? driver.run(`DELETE FROM ${M} WHERE link_id = $1`, [linkId])
          : driver.run(`DELETE FROM ${M} WHERE link_id = $1 AND month = $2`, [linkId, month])
      )
  })
  return loadedMonths
}
