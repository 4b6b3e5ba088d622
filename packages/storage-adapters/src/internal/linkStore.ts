import { decodeFromStorage, encodeForStorage, LinkRecord, LinkStore } from "@psa-ledger/reconcile-core"
import { Effect, Option, Schema } from "effect"
import type { Driver, Row } from "./driver.ts"
import { conflict, executor, int, json } from "./sqlRows.ts"

// A struct twin of the record class validates plain values, which the class constructor would
// reject with a thrown schema error (a defect) before the codec could name the field.
const validateLinkFields = encodeForStorage(Schema.Struct(LinkRecord.fields), "LinkRecord")
const decodeLink = decodeFromStorage(LinkRecord, "LinkRecord")

const linkFromRow = (row: Row, operation: string, linkId: string) =>
  Effect.gen(function* () {
    const settings = yield* json(row.settings, "LinkRecord", "settings", operation, linkId)
    return yield* decodeLink(
      { id: row.id, name: row.name, settings, version: int(row.version), updatedAt: row.updated_at },
      operation,
      linkId
    )
  })

/** The `LinkStore` over a SQL driver. */
export const makeSqlLinkStore = (driver: Driver): LinkStore["Service"] => {
  const exec = executor(driver)
  const K = driver.table("psa_links")
  return LinkStore.of({
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
}
