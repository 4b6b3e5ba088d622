import {
  checkExclusionRef,
  decodeFromStorage,
  Exclusion,
  type ExclusionRef,
  ExclusionStore,
  encodeForStorage,
  exclusionId
} from "@psa-ledger/reconcile-core"
import { Effect, Option } from "effect"
import type { Driver, Param, Row } from "./driver.ts"
import { chunks, executor, optional, valuesList } from "./sqlRows.ts"

const validateExclusion = encodeForStorage(Exclusion, "Exclusion")
const decodeExclusion = decodeFromStorage(Exclusion, "Exclusion")

const exclusionFromRow = (row: Row, operation: string, linkId: string) =>
  decodeExclusion(
    {
      kind: row.kind,
      key: row.key,
      reason: row.reason,
      ...optional("label", row.label),
      createdAt: row.created_at,
      ...(row.created_by === null ? {} : optional("createdBy", row.created_by))
    },
    operation,
    linkId
  )

/** The `ExclusionStore` over a SQL driver (without the link-id guard, which the assembler adds). */
export const makeSqlExclusionStore = (driver: Driver): ExclusionStore["Service"] => {
  const exec = executor(driver)
  const X = driver.table("psa_exclusions")
  return ExclusionStore.of({
    list: (linkId, options) =>
      Effect.gen(function* () {
        const operation = "ExclusionStore.list"
        const rows = yield* exec(operation, linkId, () =>
          options?.kind === undefined
            ? driver.all(`SELECT * FROM ${X} WHERE link_id = $1 ORDER BY kind, key`, [linkId])
            : driver.all(`SELECT * FROM ${X} WHERE link_id = $1 AND kind = $2 ORDER BY key`, [linkId, options.kind])
        )
        return yield* Effect.forEach(rows, (row) => exclusionFromRow(row, operation, linkId))
      }),
    get: (linkId, ref) =>
      Effect.gen(function* () {
        const operation = "ExclusionStore.get"
        yield* checkExclusionRef(ref, operation, linkId)
        const rows = yield* exec(operation, linkId, () =>
          driver.all(`SELECT * FROM ${X} WHERE link_id = $1 AND kind = $2 AND key = $3`, [linkId, ref.kind, ref.key])
        )
        const [row] = rows
        return row === undefined ? Option.none() : Option.some(yield* exclusionFromRow(row, operation, linkId))
      }),
    upsert: (linkId, input) =>
      Effect.gen(function* () {
        const operation = "ExclusionStore.upsert"
        // Validate everything before the first write; the last of duplicate refs wins, as in memory.
        const byId = new Map<string, ReadonlyArray<Param>>()
        for (const exclusion of input) {
          const encoded = yield* validateExclusion(exclusion, operation, linkId)
          byId.set(exclusionId(exclusion), [
            linkId,
            encoded.kind,
            encoded.key,
            encoded.reason,
            encoded.label ?? null,
            encoded.createdAt,
            encoded.createdBy ?? null
          ])
        }
        if (byId.size === 0) return
        yield* exec(operation, linkId, () =>
          driver.transaction(async (tx) => {
            for (const chunk of chunks([...byId.values()], 500)) {
              await tx.run(
                `INSERT INTO ${X} (link_id, kind, key, reason, label, created_at, created_by)
                 VALUES ${valuesList(chunk.length, 7)}
                 ON CONFLICT (link_id, kind, key) DO UPDATE SET reason = excluded.reason, label = excluded.label,
                   created_at = excluded.created_at, created_by = excluded.created_by`,
                chunk.flat()
              )
            }
          })
        )
      }),
    remove: (linkId, ref: ExclusionRef) =>
      Effect.gen(function* () {
        const operation = "ExclusionStore.remove"
        yield* checkExclusionRef(ref, operation, linkId)
        return yield* exec(operation, linkId, async () => {
          const changed = await driver.run(`DELETE FROM ${X} WHERE link_id = $1 AND kind = $2 AND key = $3`, [
            linkId,
            ref.kind,
            ref.key
          ])
          return changed > 0
        })
      })
  })
}
