import { AuditEntry, AuditStore, checkOwner, encodeForStorage } from "@psa-ledger/reconcile-core"
import { DateTime, Effect, Schema } from "effect"
import type { Driver } from "./driver.ts"
import { executor, int, pageLimit } from "./sqlRows.ts"

const encodeEntry = encodeForStorage(Schema.Struct(AuditEntry.fields), "AuditEntry")

/** The append-only `AuditStore` over a SQL driver: entries numbered per owner, listed newest first. */
export const makeSqlAuditStore = (driver: Driver): AuditStore["Service"] => {
  const exec = executor(driver)
  const A = driver.table("psa_audit")
  return AuditStore.of({
    append: (owner, entry) =>
      Effect.gen(function* () {
        const operation = "AuditStore.append"
        yield* checkOwner(operation, owner)
        const e = yield* encodeEntry({ ...entry }, operation, owner)
        yield* exec(operation, undefined, () =>
          // The number is taken inside the write transaction, so concurrent appends queue rather than collide.
          driver.transaction(async (tx) => {
            const [row] = await tx.all(`SELECT COALESCE(MAX(seq), 0) AS seq FROM ${A} WHERE owner = $1`, [owner])
            const seq = Number(int(row?.seq ?? 0)) + 1
            await tx.run(`INSERT INTO ${A} (owner, seq, at, actor, action, fields) VALUES ($1, $2, $3, $4, $5, $6)`, [
              owner,
              seq,
              e.at,
              e.actor,
              e.action,
              JSON.stringify(e.fields)
            ])
          })
        )
      }),
    list: (owner, options) =>
      Effect.gen(function* () {
        const operation = "AuditStore.list"
        yield* checkOwner(operation, owner)
        const rows = yield* exec(operation, undefined, () =>
          driver.all(`SELECT at, actor, action, fields FROM ${A} WHERE owner = $1 ORDER BY seq DESC LIMIT $2`, [
            owner,
            pageLimit(options?.limit, 100, 10_000)
          ])
        )
        return rows.map(
          (row) =>
            new AuditEntry(
              {
                at: DateTime.makeUnsafe(String(row.at)),
                actor: String(row.actor),
                action: String(row.action),
                fields: JSON.parse(String(row.fields)) as Array<string>
              },
              { disableChecks: true }
            )
        )
      })
  })
}
