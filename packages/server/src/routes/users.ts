import { StorageError, type UserRecord } from "@psa-ledger/reconcile-core"
import { Option, Schema } from "effect"
import { ApiError, notFound } from "../ApiError.ts"
import { hashPassword } from "../Auth.ts"
import { route } from "../internal/route.ts"
import { NewUser, Removed, UserParams, UserUpdate, UserView } from "../internal/schemas.ts"
import { store } from "../internal/session.ts"

const view = (u: UserRecord) => ({
  username: u.username,
  displayName: u.displayName,
  role: u.role,
  allLinks: u.allLinks,
  links: u.links,
  disabled: u.disabled,
  version: u.version
})

/** Users and their grants (admin). */
export const userRoutes = [
  route({
    method: "get",
    path: "/users",
    operationId: "listUsers",
    summary: "Every user with their role and link grants",
    tag: "users",
    access: "admin",
    response: Schema.Array(UserView),
    handle: async ({ server }) => (await store(server.storage.users.list())).map(view)
  }),
  route({
    method: "post",
    path: "/users",
    operationId: "createUser",
    summary: "Adds a user with a role, a password (hashed with scrypt) and link grants",
    tag: "users",
    access: "admin",
    body: NewUser,
    response: UserView,
    status: 201,
    handle: async ({ server, body }) => {
      const saved = await store(
        server.storage.users.put(
          {
            username: body.username,
            displayName: body.displayName ?? body.username,
            role: body.role,
            passwordHash: await hashPassword(body.password),
            allLinks: body.allLinks ?? false,
            links: body.links ?? [],
            disabled: false,
            updatedAt: server.now()
          },
          { expectedVersion: 0 }
        )
      ).catch((error: unknown) => {
        if (error instanceof StorageError && error.reason._tag === "Conflict") {
          throw new ApiError(409, "Exists", `user ${body.username} exists already`)
        }
        throw error
      })
      return view(saved)
    }
  }),
  route({
    method: "put",
    path: "/users/{username}",
    operationId: "updateUser",
    summary: "Changes a user's role, grants, password or disabled flag (with the version read)",
    tag: "users",
    access: "admin",
    params: UserParams,
    body: UserUpdate,
    response: UserView,
    handle: async ({ server, params, body }) => {
      const found = await store(server.storage.users.get(params.username))
      if (Option.isNone(found)) throw notFound("no such user")
      const user = found.value
      const saved = await store(
        server.storage.users.put(
          {
            username: user.username,
            displayName: body.displayName ?? user.displayName,
            role: body.role ?? user.role,
            passwordHash: body.password === undefined ? user.passwordHash : await hashPassword(body.password),
            allLinks: body.allLinks ?? user.allLinks,
            links: body.links ?? user.links,
            disabled: body.disabled ?? user.disabled,
            updatedAt: server.now()
          },
          { expectedVersion: body.version }
        )
      )
      // A new password or a disabled account ends the user's sessions everywhere.
      if (body.password !== undefined || body.disabled === true)
        await store(server.storage.sessions.removeUser(user.username))
      return view(saved)
    }
  }),
  route({
    method: "delete",
    path: "/users/{username}",
    operationId: "removeUser",
    summary: "Removes a user and ends their sessions",
    tag: "users",
    access: "admin",
    params: UserParams,
    response: Removed,
    handle: async ({ server, params }) => {
      const removed = await store(server.storage.users.remove(params.username))
      await store(server.storage.sessions.removeUser(params.username))
      return { removed }
    }
  })
]
