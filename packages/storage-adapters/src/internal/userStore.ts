import { decodeFromStorage, encodeUser, UserRecord, UserStore } from "@psa-ledger/reconcile-core"
import { Effect, Option } from "effect"
import type { Driver } from "./driver.ts"
import { conflictOf } from "./serverRows.ts"
import { executor, int, json } from "./sqlRows.ts"

const decode = decodeFromStorage(UserRecord, "UserRecord")

/** The versioned `UserStore` over a SQL driver: each user one JSON document. */
export const makeSqlUserStore = (driver: Driver): UserStore["Service"] => {
  const exec = executor(driver)
  const U = driver.table("psa_users")
  const read = (row: Record<string, unknown>, operation: string) =>
    Effect.flatMap(json(row.document, "UserRecord", "document", operation, String(row.username)), (doc) =>
      decode({ ...(doc as object), version: int(row.version) }, operation)
    )
  return UserStore.of({
    get: (username) =>
      Effect.gen(function* () {
        const operation = "UserStore.get"
        const [row] = yield* exec(operation, undefined, () =>
          driver.all(`SELECT * FROM ${U} WHERE username = $1`, [username])
        )
        return row === undefined ? Option.none() : Option.some(yield* read(row, operation))
      }),
    list: () =>
      Effect.gen(function* () {
        const operation = "UserStore.list"
        const rows = yield* exec(operation, undefined, () => driver.all(`SELECT * FROM ${U} ORDER BY username`))
        return yield* Effect.forEach(rows, (row) => read(row, operation))
      }),
    put: (user, options) =>
      Effect.gen(function* () {
        const operation = "UserStore.put"
        const checked = yield* encodeUser({ ...user, version: 1 }, operation)
        const { version: _v, ...document } = checked
        const text = JSON.stringify(document)
        const expected = options?.expectedVersion
        const version = yield* exec(operation, undefined, async () => {
          const [row] =
            expected === undefined
              ? await driver.all(
                  `INSERT INTO ${U} AS u (username, document, version) VALUES ($1, $2, 1)
                   ON CONFLICT (username) DO UPDATE SET document = excluded.document, version = u.version + 1
                   RETURNING version`,
                  [user.username, text]
                )
              : expected === 0
                ? await driver.all(
                    `INSERT INTO ${U} (username, document, version) VALUES ($1, $2, 1)
                     ON CONFLICT (username) DO NOTHING RETURNING version`,
                    [user.username, text]
                  )
                : await driver.all(
                    `UPDATE ${U} SET document = $2, version = version + 1 WHERE username = $1 AND version = $3
                     RETURNING version`,
                    [user.username, text, expected]
                  )
          if (row !== undefined) return Number(int(row.version))
          const [current] = await driver.all(`SELECT version FROM ${U} WHERE username = $1`, [user.username])
          throw conflictOf(operation, `UserRecord ${user.username}`, expected ?? 0, current)
        })
        return { ...checked, version }
      }),
    remove: (username) =>
      exec(
        "UserStore.remove",
        undefined,
        async () => (await driver.run(`DELETE FROM ${U} WHERE username = $1`, [username])) > 0
      )
  })
}
