import { decodeFromStorage, encodeSession, SessionRecord, SessionStore } from "@psa-ledger/reconcile-core"
import { Effect, Option } from "effect"
import type { Driver } from "./driver.ts"
import { executor, int } from "./sqlRows.ts"

const decode = decodeFromStorage(SessionRecord, "SessionRecord")

/** The `SessionStore` over a SQL driver: one row per session, looked up by its token's hash. */
export const makeSqlSessionStore = (driver: Driver): SessionStore["Service"] => {
  const exec = executor(driver)
  const S = driver.table("psa_sessions")
  return SessionStore.of({
    create: (session) =>
      Effect.gen(function* () {
        const operation = "SessionStore.create"
        const s = yield* encodeSession(session, operation)
        yield* exec(operation, undefined, () =>
          driver.run(`INSERT INTO ${S} (id, username, csrf_hash, created_ms, expires_ms) VALUES ($1, $2, $3, $4, $5)`, [
            s.id,
            s.username,
            s.csrfHash,
            s.createdAt,
            s.expiresAt
          ])
        )
      }),
    get: (id, now) =>
      Effect.gen(function* () {
        const operation = "SessionStore.get"
        const [row] = yield* exec(operation, undefined, () =>
          driver.all(`SELECT * FROM ${S} WHERE id = $1 AND expires_ms > $2`, [id, now])
        )
        if (row === undefined) return Option.none()
        return Option.some(
          yield* decode(
            {
              id: row.id,
              username: row.username,
              csrfHash: row.csrf_hash,
              createdAt: int(row.created_ms),
              expiresAt: int(row.expires_ms)
            },
            operation
          )
        )
      }),
    touch: (id, expiresAt) =>
      Effect.asVoid(
        exec("SessionStore.touch", undefined, () =>
          driver.run(`UPDATE ${S} SET expires_ms = $2 WHERE id = $1`, [id, expiresAt])
        )
      ),
    remove: (id) =>
      exec(
        "SessionStore.remove",
        undefined,
        async () => (await driver.run(`DELETE FROM ${S} WHERE id = $1`, [id])) > 0
      ),
    removeUser: (username) =>
      exec("SessionStore.removeUser", undefined, () => driver.run(`DELETE FROM ${S} WHERE username = $1`, [username])),
    purge: (now) =>
      exec("SessionStore.purge", undefined, () => driver.run(`DELETE FROM ${S} WHERE expires_ms <= $1`, [now]))
  })
}
