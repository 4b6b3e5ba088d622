import { decodeFromStorage, encodeForStorage, TransferLedger, TransferRecord } from "@psa-ledger/reconcile-core"
import { Effect, Option } from "effect"
import type { Driver, Row } from "./driver.ts"
import { executor, int, optional, pageLimit } from "./sqlRows.ts"

const validateTransfer = encodeForStorage(TransferRecord, "TransferRecord")
const decodeTransfer = decodeFromStorage(TransferRecord, "TransferRecord")

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
      // 0/1 in both dialects (INTEGER); NULL when no PDF is tracked.
      ...(row.pdf_attached === null || row.pdf_attached === undefined
        ? {}
        : { pdfAttached: Number(row.pdf_attached) === 1 }),
      runId: row.run_id,
      transferredAt: row.transferred_at,
      updatedAt: row.updated_at
    },
    operation,
    linkId
  )

/** The `TransferLedger` over a SQL driver (without the link-id guard, which the assembler adds). */
export const makeSqlTransferLedger = (driver: Driver): TransferLedger["Service"] => {
  const exec = executor(driver)
  const T = driver.table("psa_transfers")
  return TransferLedger.of({
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
               status, total, currency, pdf_attached, run_id, transferred_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
             ON CONFLICT (link_id, cw_invoice_id) DO UPDATE SET cw_invoice_number = excluded.cw_invoice_number,
               exact_invoice_id = excluded.exact_invoice_id, exact_invoice_number = excluded.exact_invoice_number,
               kind = excluded.kind, status = excluded.status, total = excluded.total, currency = excluded.currency,
               pdf_attached = excluded.pdf_attached, run_id = excluded.run_id, transferred_at = excluded.transferred_at, updated_at = excluded.updated_at`,
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
              e.pdfAttached === undefined ? null : e.pdfAttached ? 1 : 0,
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
      }),
    pdfsMissing: (linkId, options) =>
      Effect.gen(function* () {
        const operation = "TransferLedger.pdfsMissing"
        // Instants are stored as ISO text of one shape, so their text order is their time order.
        const rows = yield* exec(operation, linkId, () =>
          driver.all(
            `SELECT * FROM ${T} WHERE link_id = $1 AND pdf_attached = 0 ORDER BY transferred_at, cw_invoice_id LIMIT $2`,
            [linkId, pageLimit(options?.limit, 100)]
          )
        )
        return yield* Effect.forEach(rows, (row) => transferFromRow(row, operation, linkId))
      })
  })
}
