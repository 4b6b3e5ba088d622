import {
  ConfigRecord,
  ConfigStore,
  decodeFromStorage,
  encodeForStorage,
  StorageConflictError,
  StorageError
} from "@psa-ledger/reconcile-core"
import { Effect, Option, Schema } from "effect"
import type { Driver } from "./driver.ts"
import { executor, int, json } from "./sqlRows.ts"

const validate = encodeForStorage(Schema.Struct(ConfigRecord.fields), "ConfigRecord")
const decode = decodeFromStorage(ConfigRecord, "ConfigRecord")

/** The versioned `ConfigStore` over a SQL driver. */
export const makeSqlConfigStore = (driver: Driver): ConfigStore["Service"] => {
  const exec = executor(driver)
  const C = driver.table("psa_configs")
  return ConfigStore.of({
    get: (key) =>
      Effect.gen(function* () {
        const operation = "ConfigStore.get"
        const [row] = yield* exec(operation, undefined, () => driver.all(`SELECT * FROM ${C} WHERE key = $1`, [key]))
        if (row === undefined) return Option.none()
        const document = yield* json(row.document, "ConfigRecord", "document", operation, key)
        return Option.some(
          yield* decode({ key: row.key, document, version: int(row.version), updatedAt: row.updated_at }, operation)
        )
      }),
    put: (record, options) =>
      Effect.gen(function* () {
        const operation = "ConfigStore.put"
        const e = yield* validate({ ...record, version: 1 }, operation)
        const document = JSON.stringify(e.document)
        const expected = options?.expectedVersion
        const version = yield* exec(operation, undefined, async () => {
          const [row] =
            expected === undefined
              ? await driver.all(
                  `INSERT INTO ${C} AS c (key, document, version, updated_at) VALUES ($1, $2, 1, $3)
                   ON CONFLICT (key) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at,
                     version = c.version + 1
                   RETURNING version`,
                  [e.key, document, e.updatedAt]
                )
              : expected === 0
                ? await driver.all(
                    `INSERT INTO ${C} (key, document, version, updated_at) VALUES ($1, $2, 1, $3)
                     ON CONFLICT (key) DO NOTHING RETURNING version`,
                    [e.key, document, e.updatedAt]
                  )
                : await driver.all(
                    `UPDATE ${C} SET document = $2, updated_at = $3, version = version + 1
                     WHERE key = $1 AND version = $4 RETURNING version`,
                    [e.key, document, e.updatedAt, expected]
                  )
          if (row !== undefined) return Number(int(row.version))
          const [current] = await driver.all(`SELECT version FROM ${C} WHERE key = $1`, [e.key])
          throw new StorageError({
            operation,
            reason: new StorageConflictError({
              record: `ConfigRecord ${e.key}`,
              message: `expected version ${expected}, found ${current === undefined ? 0 : Number(int(current.version))}`
            })
          })
        })
        return new ConfigRecord({ ...record, version }, { disableChecks: true })
      })
  })
}
