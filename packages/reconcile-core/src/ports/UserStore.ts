import { Context, Effect, Layer, Option, Schema } from "effect"
import { encodeForStorage } from "./StorageCodec.ts"
import { StorageConflictError, StorageError } from "./StorageError.ts"
import { StorageLimits } from "./StorageLimits.ts"

const Key = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(StorageLimits.key))
const Label = Schema.String.check(Schema.isMaxLength(StorageLimits.label))

/**
 * What a user may do: `admin` configuration and credentials, `finance` load, decide, apply and
 * transfer, `viewer` read.
 *
 * @since 0.1.0
 */
export const UserRole = Schema.Literals(["admin", "finance", "viewer"])

/** @since 0.1.0 */
export type UserRole = typeof UserRole.Type

/**
 * A user of a server: a role, the links granted (every link when `allLinks`), and the password's
 * scrypt hash in PHC-like text. `version` increments on every `put`; times are epoch milliseconds.
 *
 * @since 0.1.0
 */
export const UserRecord = Schema.Struct({
  username: Key,
  displayName: Label,
  role: UserRole,
  passwordHash: Label,
  allLinks: Schema.Boolean,
  links: Schema.Array(Key),
  disabled: Schema.Boolean,
  version: Schema.Int,
  updatedAt: Schema.Int
})

/** @since 0.1.0 */
export type UserRecord = typeof UserRecord.Type

/**
 * The users of a server and their per-link grants, by user name.
 *
 * @example
 * ```ts
 * import { UserStore } from "@psa-ledger/reconcile-core"
 *
 * const ann = UserStore.use((users) => users.get("ann@msp.example"))
 * ```
 *
 * @since 0.1.0
 */
export class UserStore extends Context.Service<
  UserStore,
  {
    get(username: string): Effect.Effect<Option.Option<UserRecord>, StorageError>
    /** Every user, by user name. */
    list(): Effect.Effect<ReadonlyArray<UserRecord>, StorageError>
    /** Saves with `version` + 1; with `expectedVersion` (0: must not exist) a concurrent edit is a `Conflict`. */
    put(
      user: Omit<UserRecord, "version">,
      options?: { readonly expectedVersion?: number | undefined }
    ): Effect.Effect<UserRecord, StorageError>
    /** True when there was such a user. */
    remove(username: string): Effect.Effect<boolean, StorageError>
  }
>()("@psa-ledger/reconcile-core/UserStore") {
  /** A store held in memory, for tests and single-process scripts. */
  static readonly layerMemory: Layer.Layer<UserStore> = Layer.sync(UserStore, () => makeMemoryUserStore())
}

/** Validates a user before any adapter writes it (`InvalidInput` naming the field). */
export const encodeUser = encodeForStorage(UserRecord, "UserRecord")

/** The `Conflict` of a stale `expectedVersion`. */
export const versionConflict = (operation: string, record: string, expected: number, found: number): StorageError =>
  new StorageError({
    operation,
    reason: new StorageConflictError({ record, message: `expected version ${expected}, found ${found}` })
  })

/**
 * The in-memory `UserStore`.
 *
 * @since 0.1.0
 */
export const makeMemoryUserStore = (): UserStore["Service"] => {
  const users = new Map<string, UserRecord>()
  return UserStore.of({
    get: (username) => Effect.sync(() => Option.fromNullishOr(users.get(username))),
    list: () => Effect.sync(() => [...users.values()].sort((a, b) => (a.username < b.username ? -1 : 1))),
    put: (user, options) =>
      Effect.gen(function* () {
        const operation = "UserStore.put"
        const current = users.get(user.username)?.version ?? 0
        const expected = options?.expectedVersion
        if (expected !== undefined && expected !== current) {
          return yield* versionConflict(operation, `UserRecord ${user.username}`, expected, current)
        }
        const next = yield* encodeUser({ ...user, version: current + 1 }, operation)
        users.set(user.username, next)
        return next
      }),
    remove: (username) => Effect.sync(() => users.delete(username))
  })
}
