import type { Storage } from "@psa-ledger/storage-adapters"
import { Effect } from "effect"
import { hashPassword, type Role } from "./Auth.ts"

/**
 * A user to add with `addUser`: the first admin of a new deployment, or a script's users.
 *
 * @since 0.1.0
 */
export interface NewUserInput {
  readonly username: string
  readonly password: string
  readonly role: Role
  readonly displayName?: string | undefined
  /** The links granted (admins see every link). */
  readonly links?: ReadonlyArray<string> | undefined
  readonly allLinks?: boolean | undefined
}

/**
 * Adds a user to a storage (its password hashed with scrypt); refuses an existing user name.
 *
 * @example
 * ```ts
 * import { addUser } from "@psa-ledger/server"
 *
 * await addUser(deployment.storage, { username: "ann@msp.example", password, role: "admin" })
 * ```
 *
 * @since 0.1.0
 */
export const addUser = async (storage: Storage, user: NewUserInput): Promise<void> => {
  const passwordHash = await hashPassword(user.password)
  await Effect.runPromise(
    storage.users.put(
      {
        username: user.username,
        displayName: user.displayName ?? user.username,
        role: user.role,
        passwordHash,
        allLinks: user.allLinks ?? false,
        links: [...(user.links ?? [])],
        disabled: false,
        updatedAt: Date.now()
      },
      { expectedVersion: 0 }
    )
  )
}
