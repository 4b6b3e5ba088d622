import { DraftRecord, DraftStore, decodeFromStorage, encodeDraft } from "@psa-ledger/reconcile-core"
import { Effect, Option } from "effect"
import type { Driver } from "./driver.ts"
import { conflictOf } from "./serverRows.ts"
import { executor, int, json } from "./sqlRows.ts"

const decode = decodeFromStorage(DraftRecord, "DraftRecord")

/** The versioned `DraftStore` over a SQL driver: one row per link and month. */
export const makeSqlDraftStore = (driver: Driver): DraftStore["Service"] => {
  const exec = executor(driver)
  const D = driver.table("psa_drafts")
  return DraftStore.of({
    get: (linkId, month) =>
      Effect.gen(function* () {
        const operation = "DraftStore.get"
        const [row] = yield* exec(operation, linkId, () =>
          driver.all(`SELECT * FROM ${D} WHERE link_id = $1 AND month = $2`, [linkId, month])
        )
        if (row === undefined) return Option.none()
        const decisions = yield* json(row.decisions, "DraftRecord", "decisions", operation, linkId)
        return Option.some(
          yield* decode(
            {
              linkId,
              month,
              decisions,
              version: int(row.version),
              updatedBy: row.updated_by,
              updatedAt: int(row.updated_ms)
            },
            operation,
            linkId
          )
        )
      }),
    put: (draft, { expectedVersion }) =>
      Effect.gen(function* () {
        const operation = "DraftStore.put"
        const d = yield* encodeDraft({ ...draft, version: 1 }, operation, draft.linkId)
        const text = JSON.stringify(d.decisions)
        const version = yield* exec(operation, draft.linkId, async () => {
          const [row] =
            expectedVersion === 0
              ? await driver.all(
                  `INSERT INTO ${D} (link_id, month, decisions, version, updated_by, updated_ms)
                   VALUES ($1, $2, $3, 1, $4, $5) ON CONFLICT (link_id, month) DO NOTHING RETURNING version`,
                  [d.linkId, d.month, text, d.updatedBy, d.updatedAt]
                )
              : await driver.all(
                  `UPDATE ${D} SET decisions = $3, updated_by = $4, updated_ms = $5, version = version + 1
                   WHERE link_id = $1 AND month = $2 AND version = $6 RETURNING version`,
                  [d.linkId, d.month, text, d.updatedBy, d.updatedAt, expectedVersion]
                )
          if (row !== undefined) return Number(int(row.version))
          const [current] = await driver.all(`SELECT version FROM ${D} WHERE link_id = $1 AND month = $2`, [
            d.linkId,
            d.month
          ])
          throw conflictOf(operation, `DraftRecord ${d.linkId} ${d.month}`, expectedVersion, current)
        })
        return { ...d, version }
      }),
    remove: (linkId, month) =>
      exec(
        "DraftStore.remove",
        linkId,
        async () => (await driver.run(`DELETE FROM ${D} WHERE link_id = $1 AND month = $2`, [linkId, month])) > 0
      )
  })
}
