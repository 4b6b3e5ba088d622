import { promisify } from "node:util"
import { gunzip, gzip } from "node:zlib"
import { decodeFromStorage, StorageCorruptError, StorageError } from "@psa-ledger/reconcile-core"
import { Effect, Option } from "effect"
import { headOfFile, InvoiceFileHead, InvoiceFileStore, validateInvoiceFile } from "../InvoiceFileStore.ts"
import type { Driver, Row } from "./driver.ts"
import { executor, int } from "./sqlRows.ts"

const zip = promisify(gzip)
const unzip = promisify(gunzip)
const decodeHead = decodeFromStorage(InvoiceFileHead, "InvoiceFile")

const headOf = (row: Row, operation: string, linkId: string) =>
  decodeHead(
    {
      linkId: row.link_id,
      name: row.name,
      uploadedAt: int(row.uploaded_ms),
      uploadedBy: row.uploaded_by,
      bytes: int(row.bytes)
    },
    operation,
    linkId
  )

/** Invoice files over a SQL driver: one row per link, the content gzip-compressed (base64 text, as loaded months). */
export const makeSqlInvoiceFileStore = (driver: Driver) => {
  const exec = executor(driver)
  const F = driver.table("psa_invoice_files")
  const HEAD = "link_id, name, uploaded_ms, uploaded_by, bytes"
  return InvoiceFileStore.of({
    head: (linkId) =>
      Effect.gen(function* () {
        const operation = "InvoiceFileStore.head"
        const [row] = yield* exec(operation, linkId, () =>
          driver.all(`SELECT ${HEAD} FROM ${F} WHERE link_id = $1`, [linkId])
        )
        return row === undefined ? Option.none() : Option.some(yield* headOf(row, operation, linkId))
      }),
    get: (linkId) =>
      Effect.gen(function* () {
        const operation = "InvoiceFileStore.get"
        const [row] = yield* exec(operation, linkId, () =>
          driver.all(`SELECT * FROM ${F} WHERE link_id = $1`, [linkId])
        )
        if (row === undefined) return Option.none()
        const head = yield* headOf(row, operation, linkId)
        const content = yield* Effect.tryPromise({
          try: async () => {
            if (typeof row.content_gzip !== "string") throw new Error("not text")
            const bytes = await unzip(Buffer.from(row.content_gzip, "base64"))
            if (bytes.length !== head.bytes) throw new Error("not its length")
            return bytes.toString("base64")
          },
          catch: () =>
            new StorageError({
              operation,
              linkId,
              reason: new StorageCorruptError({
                record: `InvoiceFile ${linkId}`,
                field: "content",
                message: "the stored content is not the gzip-compressed file of its length"
              })
            })
        })
        return Option.some({ ...head, content })
      }),
    put: (file) =>
      Effect.gen(function* () {
        const operation = "InvoiceFileStore.put"
        const f = yield* validateInvoiceFile(file, operation)
        return yield* exec(operation, f.linkId, async () => {
          const packed = (await zip(Buffer.from(f.content, "base64"))).toString("base64")
          await driver.run(
            `INSERT INTO ${F} (link_id, name, uploaded_ms, uploaded_by, bytes, content_gzip)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (link_id) DO UPDATE SET name = excluded.name, uploaded_ms = excluded.uploaded_ms,
               uploaded_by = excluded.uploaded_by, bytes = excluded.bytes, content_gzip = excluded.content_gzip`,
            [f.linkId, f.name, f.uploadedAt, f.uploadedBy, f.bytes, packed]
          )
          return headOfFile(f)
        })
      }),
    remove: (linkId) =>
      exec("InvoiceFileStore.remove", linkId, async () => {
        const changed = await driver.run(`DELETE FROM ${F} WHERE link_id = $1`, [linkId])
        return changed > 0
      })
  })
}
