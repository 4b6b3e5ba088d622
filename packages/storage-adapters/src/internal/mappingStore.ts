import {
  decodeFromStorage,
  encodeForStorage,
  Mapping,
  type MappingRef,
  MappingStore,
  mappingId
} from "@psa-ledger/reconcile-core"
import { Effect, Option } from "effect"
import type { Driver, Param, Row } from "./driver.ts"
import { chunks, executor, int, optional, valuesList } from "./sqlRows.ts"

const validateMapping = encodeForStorage(Mapping, "Mapping")
const decodeMapping = decodeFromStorage(Mapping, "Mapping")

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

/** The `MappingStore` over a SQL driver (without the link-id guard, which the assembler adds). */
export const makeSqlMappingStore = (driver: Driver): MappingStore["Service"] => {
  const exec = executor(driver)
  const M = driver.table("psa_mappings")
  return MappingStore.of({
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
}
