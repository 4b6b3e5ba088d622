import { ApiError } from "../ApiError.ts"
import { Reply, route } from "../internal/route.ts"
import { SessionView, SignIn } from "../internal/schemas.ts"
import { csrfOfRequest, identify, sessionCookie, signIn, store } from "../internal/session.ts"

const builtinOnly = (kind: string | undefined) => {
  if (kind === "host") throw new ApiError(404, "NotFound", "sign-in is the host's")
}

/** Sign in, sign out, who am I. */
export const sessionRoutes = [
  route({
    method: "post",
    path: "/session",
    operationId: "signIn",
    summary: "Sign in with a user name and password (throttled per account and address); sets the session cookie",
    tag: "session",
    access: "public",
    body: SignIn,
    response: SessionView,
    handle: async ({ body, server, request }) => {
      builtinOnly(server.auth.kind)
      const address = request.headers.get("x-psa-client-address") ?? "unknown"
      const signedIn = await signIn(server, body.username, body.password, address)
      const maxAge = Math.floor((signedIn.expiresAt - server.now()) / 1000)
      return new Reply(
        { ...signedIn.principal, csrfToken: signedIn.csrf },
        { headers: { "set-cookie": sessionCookie(request, signedIn.token, maxAge) } }
      )
    }
  }),
  route({
    method: "get",
    path: "/session",
    operationId: "getSession",
    summary: "The signed-in user, their role and links, and the CSRF token",
    tag: "session",
    access: "viewer",
    response: SessionView,
    handle: async ({ principal, request }) => {
      const csrf = csrfOfRequest(request)
      return { ...principal, ...(csrf === undefined ? {} : { csrfToken: csrf }) }
    }
  }),
  route({
    method: "delete",
    path: "/session",
    operationId: "signOut",
    summary: "Sign out: ends the session on every server",
    tag: "session",
    access: "viewer",
    response: "none",
    status: 204,
    handle: async ({ server, request }) => {
      builtinOnly(server.auth.kind)
      const caller = await identify(server, request)
      if (caller?.session !== undefined) await store(server.storage.sessions.remove(caller.session.id))
      return new Reply(undefined, { headers: { "set-cookie": sessionCookie(request, "", 0) } })
    }
  })
]
