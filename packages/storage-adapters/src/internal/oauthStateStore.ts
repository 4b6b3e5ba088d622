import {
  encodeForStorage,
  OAuthState,
  OAuthStateStore,
  StorageConflictError,
  StorageError
} from "@psa-ledger/reconcile-core"
import { DateTime, Effect, Option, Schema } from "effect"
import type { Driver } from "./driver.ts"
import { executor } from "./sqlRows.ts"

const encodeState = encodeForStorage(Schema.Struct(OAuthState.fields), "OAuthState")

/** The `OAuthStateStore` over a SQL driver; `consume` marks a state used in one conditional update. */
export const makeSqlOAuthStateStore = (driver: Driver): OAuthStateStore["Service"] => {
  const exec = executor(driver)
  const O = driver.table("psa_oauth_states")
  return OAuthStateStore.of({
    put: (state) =>
      Effect.gen(function* () {
        const operation = "OAuthStateStore.put"
        const e = yield* encodeState({ ...state }, operation, state.linkId)
        const inserted = yield* exec(operation, state.linkId, () =>
          driver.run(
            `INSERT INTO ${O} (state, link_id, nonce, return_to, created_at, expires_at, expires_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (state) DO NOTHING`,
            [e.state, e.linkId, e.nonce, e.returnTo, e.createdAt, e.expiresAt, DateTime.toEpochMillis(state.expiresAt)]
          )
        )
        if (inserted === 0) {
          return yield* new StorageError({
            operation,
            linkId: state.linkId,
            reason: new StorageConflictError({ record: "OAuthState", message: "this state exists already" })
          })
        }
      }),
    consume: (state, at) =>
      Effect.gen(function* () {
        const operation = "OAuthStateStore.consume"
        // One conditional update decides the first use, so two callbacks racing cannot both win.
        const marked = yield* exec(operation, undefined, () =>
          driver.run(`UPDATE ${O} SET used_at = $2 WHERE state = $1 AND used_at IS NULL`, [
            state,
            DateTime.formatIso(at)
          ])
        )
        const [row] = yield* exec(operation, undefined, () =>
          driver.all(`SELECT * FROM ${O} WHERE state = $1`, [state])
        )
        if (row === undefined) return Option.none()
        const found = new OAuthState(
          {
            state: String(row.state),
            linkId: String(row.link_id),
            nonce: String(row.nonce),
            returnTo: String(row.return_to),
            createdAt: DateTime.makeUnsafe(String(row.created_at)),
            expiresAt: DateTime.makeUnsafe(String(row.expires_at))
          },
          { disableChecks: true }
        )
        return Option.some({ state: found, firstUse: marked === 1 })
      }),
    purge: (before) =>
      exec("OAuthStateStore.purge", undefined, () =>
        driver.run(`DELETE FROM ${O} WHERE expires_ms < $1`, [DateTime.toEpochMillis(before)])
      )
  })
}
