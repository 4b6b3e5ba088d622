import { ApprovalEntry, ApprovalStore, decodeFromStorage, encodeApproval } from "@psa-ledger/reconcile-core"
import { Effect } from "effect"
import type { Driver } from "./driver.ts"
import { executor, int, json, pageLimit } from "./sqlRows.ts"

const decode = decodeFromStorage(ApprovalEntry, "ApprovalEntry")

/** The append-only `ApprovalStore` over a SQL driver: entries numbered per link, listed newest first. */
export const makeSqlApprovalStore = (driver: Driver): ApprovalStore["Service"] => {
  const exec = executor(driver)
  const A = driver.table("psa_approvals")
  return ApprovalStore.of({
    append: (linkId, entry) =>
      Effect.gen(function* () {
        const operation = "ApprovalStore.append"
        const e = yield* encodeApproval(entry, operation, linkId)
        yield* exec(operation, linkId, () =>
          driver.transaction(async (tx) => {
            const [row] = await tx.all(`SELECT COALESCE(MAX(seq), 0) AS seq FROM ${A} WHERE link_id = $1`, [linkId])
            await tx.run(`INSERT INTO ${A} (link_id, seq, document) VALUES ($1, $2, $3)`, [
              linkId,
              Number(int(row?.seq ?? 0)) + 1,
              JSON.stringify(e)
            ])
          })
        )
      }),
    list: (linkId, options) =>
      Effect.gen(function* () {
        const operation = "ApprovalStore.list"
        const rows = yield* exec(operation, linkId, () =>
          driver.all(`SELECT document FROM ${A} WHERE link_id = $1 ORDER BY seq DESC LIMIT $2`, [
            linkId,
            pageLimit(options?.limit, 100, 10_000)
          ])
        )
        return yield* Effect.forEach(rows, (row) =>
          Effect.flatMap(json(row.document, "ApprovalEntry", "document", operation, linkId), (doc) =>
            decode(doc, operation, linkId)
          )
        )
      })
  })
}
