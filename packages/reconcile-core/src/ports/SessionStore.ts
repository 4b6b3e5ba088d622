import { Context, Effect, Layer, Option, Schema } from "effect"
import { encodeForStorage } from "./StorageCodec.ts"
import type { StorageError } from "./StorageError.ts"
import { StorageLimits } from "./StorageLimits.ts"

const Key = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(StorageLimits.key))

/**
 * A signed-in session. `id` is the SHA-256 of the cookie's token and `csrfHash` that of the CSRF
 * token, so a database dump signs nobody in. Times are epoch milliseconds.
 *
 * @since 0.1.0
 */
export const SessionRecord = Schema.Struct({
  id: Key,
  username: Key,
  csrfHash: Key,
  createdAt: Schema.Int,
  expiresAt: Schema.Int
})

/** @since 0.1.0 */
export type SessionRecord = typeof SessionRecord.Type

/**
 * Sessions kept in storage, so every server process behind a load balancer knows them.
 *
 * @example
 * ```ts
 * import { SessionStore } from "@psa-ledger/reconcile-core"
 *
 * const session = SessionStore.use((sessions) => sessions.get(tokenHash, Date.now()))
 * ```
 *
 * @since 0.1.0
 */
export class SessionStore extends Context.Service<
  SessionStore,
  {
    create(session: SessionRecord): Effect.Effect<void, StorageError>
    /** The session when it exists and has not expired at `now`. */
    get(id: string, now: number): Effect.Effect<Option.Option<SessionRecord>, StorageError>
    /** Moves the expiry (sliding sessions). */
    touch(id: string, expiresAt: number): Effect.Effect<void, StorageError>
    remove(id: string): Effect.Effect<boolean, StorageError>
    /** Ends every session of a user (password change, removal); returns how many. */
    removeUser(username: string): Effect.Effect<number, StorageError>
    /** Deletes sessions expired at `now`; returns how many. */
    purge(now: number): Effect.Effect<number, StorageError>
  }
>()("@psa-ledger/reconcile-core/SessionStore") {
  /** A store held in memory, for tests and single-process scripts. */
  static readonly layerMemory: Layer.Layer<SessionStore> = Layer.sync(SessionStore, () => makeMemorySessionStore())
}

/** Validates a session before any adapter writes it. */
export const encodeSession = encodeForStorage(SessionRecord, "SessionRecord")

/**
 * The in-memory `SessionStore`.
 *
 * @since 0.1.0
 */
export const makeMemorySessionStore = (): SessionStore["Service"] => {
  const sessions = new Map<string, SessionRecord>()
  const removeWhere = (test: (s: SessionRecord) => boolean) => {
    let n = 0
    for (const [id, s] of sessions) if (test(s) && sessions.delete(id)) n++
    return n
  }
  return SessionStore.of({
    create: (session) =>
      Effect.map(encodeSession(session, "SessionStore.create"), (s) => {
        sessions.set(s.id, s)
      }),
    get: (id, now) =>
      Effect.sync(() => {
        const s = sessions.get(id)
        return s !== undefined && s.expiresAt > now ? Option.some(s) : Option.none()
      }),
    touch: (id, expiresAt) =>
      Effect.sync(() => {
        const s = sessions.get(id)
        if (s !== undefined) sessions.set(id, { ...s, expiresAt })
      }),
    remove: (id) => Effect.sync(() => sessions.delete(id)),
    removeUser: (username) => Effect.sync(() => removeWhere((s) => s.username === username)),
    purge: (now) => Effect.sync(() => removeWhere((s) => s.expiresAt <= now))
  })
}
