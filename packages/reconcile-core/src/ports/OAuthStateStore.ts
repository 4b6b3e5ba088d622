import { Context, DateTime, Effect, Layer, Option, Schema } from "effect"
import { Instant, Key, Text } from "../internal/storageFields.ts"
import { makeForStorage } from "../internal/storageIssues.ts"
import { LinkId } from "./StorageCodec.ts"
import { StorageConflictError, StorageError } from "./StorageError.ts"

/**
 * A pending OAuth consent: the `state` sent to the authorization server, bound to one link, with a
 * nonce and an expiry. A state is used once: `consume` marks it, and a second use is reported.
 *
 * @since 0.1.0
 */
export class OAuthState extends Schema.Class<OAuthState>("OAuthState")({
  state: Key,
  linkId: LinkId,
  nonce: Key,
  /** Where the host sends the user once the consent is complete. */
  returnTo: Text,
  createdAt: Instant,
  expiresAt: Instant
}) {}

/**
 * What `consume` found: the state, and whether this was its first use.
 *
 * @since 0.1.0
 */
export interface ConsumedOAuthState {
  readonly state: OAuthState
  /** `false` when the state had been consumed before (a replayed callback). */
  readonly firstUse: boolean
}

/**
 * Pending OAuth consents of a deployment.
 *
 * @example
 * ```ts
 * import { Effect, DateTime } from "effect"
 * import { OAuthStateStore } from "@psa-ledger/reconcile-core"
 *
 * const program = OAuthStateStore.use((states) => states.consume("b64-state", DateTime.nowUnsafe()))
 * ```
 *
 * @since 0.1.0
 */
export class OAuthStateStore extends Context.Service<
  OAuthStateStore,
  {
    /** Stores a new state; one that exists already is a `Conflict`. */
    put(state: OAuthState): Effect.Effect<void, StorageError>
    /** Marks the state used at `at` and returns it; `None` when no such state was ever stored (or it was purged). */
    consume(state: string, at: DateTime.Utc): Effect.Effect<Option.Option<ConsumedOAuthState>, StorageError>
    /** Forgets states that expired before `before`; how many. */
    purge(before: DateTime.Utc): Effect.Effect<number, StorageError>
  }
>()("@psa-ledger/reconcile-core/OAuthStateStore") {
  /** A store held in memory, for tests and single-process scripts. */
  static readonly layerMemory: Layer.Layer<OAuthStateStore> = Layer.sync(OAuthStateStore, () =>
    makeMemoryOAuthStateStore()
  )
}

const makeState = makeForStorage(OAuthState, "OAuthState")

/**
 * The in-memory `OAuthStateStore`.
 *
 * @since 0.1.0
 */
export const makeMemoryOAuthStateStore = (): OAuthStateStore["Service"] => {
  const states = new Map<string, { state: OAuthState; usedAt?: DateTime.Utc }>()
  return OAuthStateStore.of({
    put: (state) =>
      Effect.gen(function* () {
        const checked = yield* makeState({ ...state }, "OAuthStateStore.put", state.linkId)
        if (states.has(checked.state)) {
          return yield* new StorageError({
            operation: "OAuthStateStore.put",
            linkId: checked.linkId,
            reason: new StorageConflictError({ record: "OAuthState", message: "this state exists already" })
          })
        }
        states.set(checked.state, { state: checked })
      }),
    consume: (state, at) =>
      Effect.sync(() => {
        const found = states.get(state)
        if (found === undefined) return Option.none()
        const firstUse = found.usedAt === undefined
        if (firstUse) found.usedAt = at
        return Option.some({ state: found.state, firstUse })
      }),
    purge: (before) =>
      Effect.sync(() => {
        let removed = 0
        for (const [key, entry] of states) {
          if (DateTime.isLessThan(entry.state.expiresAt, before)) {
            states.delete(key)
            removed++
          }
        }
        return removed
      })
  })
}
