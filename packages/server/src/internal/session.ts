import { createHash, randomBytes, timingSafeEqual } from "node:crypto"
import type { SessionRecord, UserRecord } from "@psa-ledger/reconcile-core"
import { Effect, Option } from "effect"
import { ApiError } from "../ApiError.ts"
import { type AuthOptions, type Principal, verifyPassword } from "../Auth.ts"
import type { ServerContext } from "./context.ts"

/** The session cookie's name. */
export const SESSION_COOKIE = "psa_session"
/** The header a state-changing request carries its CSRF token in. */
export const CSRF_HEADER = "x-csrf-token"

/** Runs a store's Effect as a promise. */
export const store = <A, E>(effect: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(effect)

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex")
const token = () => randomBytes(32).toString("base64url")

type Builtin = Exclude<AuthOptions, { readonly kind: "host" }>
const builtin = (ctx: ServerContext): Builtin => ctx.auth as Builtin
const ttl = (ctx: ServerContext) => builtin(ctx).sessionTtlMs ?? 8 * 3_600_000

/** A user as a principal. */
export const principalOf = (user: UserRecord): Principal => ({
  user: user.username,
  role: user.role,
  links: user.role === "admin" || user.allLinks ? "all" : user.links
})

const cookieOf = (request: Request): string | undefined => {
  const header = request.headers.get("cookie") ?? ""
  for (const part of header.split(";")) {
    const [name, ...rest] = part.trim().split("=")
    if (name === SESSION_COOKIE) return rest.join("=")
  }
  return undefined
}

const isLocal = (request: Request) => {
  const host = new URL(request.url).hostname
  return host === "localhost" || host === "127.0.0.1" || host === "[::1]" || host.endsWith(".localhost")
}

/** The session cookie: HttpOnly, SameSite=Strict, Secure outside localhost. */
export const sessionCookie = (request: Request, value: string, maxAgeSeconds: number): string =>
  [
    `${SESSION_COOKIE}=${value}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Strict",
    `Max-Age=${maxAgeSeconds}`,
    ...(isLocal(request) ? [] : ["Secure"])
  ].join("; ")

/** A signed-in caller: the principal, and the session when it came from a cookie. */
export interface Caller {
  readonly principal: Principal
  readonly session?: SessionRecord | undefined
}

/** Who the request is from, or `undefined` (then a protected route is 401). */
export const identify = async (ctx: ServerContext, request: Request): Promise<Caller | undefined> => {
  if (ctx.auth.kind === "host") {
    const principal = await ctx.auth.authenticate(request)
    return principal === undefined ? undefined : { principal }
  }
  const raw = cookieOf(request)
  if (raw === undefined || raw.length < 20 || raw.length > 100) return undefined
  const now = ctx.now()
  const found = await store(ctx.storage.sessions.get(sha256(raw), now))
  if (Option.isNone(found)) return undefined
  const session = found.value
  const user = await store(ctx.storage.users.get(session.username))
  if (Option.isNone(user) || user.value.disabled) return undefined
  // Slide the expiry, at most once a minute per session, so reads do not write on every request.
  if (session.expiresAt - now < ttl(ctx) - 60_000) await store(ctx.storage.sessions.touch(session.id, now + ttl(ctx)))
  return { principal: principalOf(user.value), session }
}

/**
 * Refuses a state-changing request that another site could have made: the `Origin` (or
 * `Sec-Fetch-Site`) must be this site's, and a session's request must carry its CSRF token.
 */
export const checkCsrf = (request: Request, caller: Caller | undefined): void => {
  const origin = request.headers.get("origin")
  const url = new URL(request.url)
  if (origin !== null && origin !== url.origin) {
    throw new ApiError(403, "CsrfRefused", "the request comes from another site")
  }
  const site = request.headers.get("sec-fetch-site")
  if (site !== null && site !== "same-origin" && site !== "none") {
    throw new ApiError(403, "CsrfRefused", "the request comes from another site")
  }
  if (caller?.session === undefined) return
  const given = request.headers.get(CSRF_HEADER) ?? ""
  const a = Buffer.from(sha256(given))
  const b = Buffer.from(caller.session.csrfHash)
  if (given === "" || a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new ApiError(403, "CsrfRefused", `a state-changing request needs the ${CSRF_HEADER} header of the session`)
  }
}

// A real scrypt hash, so an unknown user costs as much as a wrong password (no user enumeration by timing).
const DUMMY_HASH = "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$mKMGTjzr-GrUUKoxKj4QCc7GhfwOEpRKMtpoHX8_bjE"

/** Signs in with a password: throttled per account and per address; a new session on success. */
export const signIn = async (
  ctx: ServerContext,
  username: string,
  password: string,
  address: string
): Promise<{
  readonly token: string
  readonly csrf: string
  readonly principal: Principal
  readonly expiresAt: number
}> => {
  const options = builtin(ctx)
  const windowMs = options.throttleWindowMs ?? 15 * 60_000
  const now = ctx.now()
  const accountKey = `signin:user:${username.toLowerCase()}`.slice(0, 500)
  const addressKey = `signin:addr:${address}`.slice(0, 500)
  const limits: Array<[string, number]> = [
    [accountKey, options.attemptsPerAccount ?? 5],
    [addressKey, options.attemptsPerAddress ?? 20]
  ]
  for (const [key, limit] of limits) {
    const count = await store(ctx.storage.throttle.peek(key, { now, windowMs }))
    if (count.count >= limit) {
      const retryAfter = Math.max(1, Math.ceil((count.windowStart + windowMs - now) / 1000))
      ctx.log("warn", "sign-in throttled", { key: key.startsWith("signin:user:") ? "account" : "address" })
      throw new ApiError(429, "Throttled", "too many failed sign-ins; try again later", {
        headers: { "retry-after": String(retryAfter) },
        details: { retryAfterSeconds: retryAfter }
      })
    }
  }
  const user = await store(ctx.storage.users.get(username))
  const hash = Option.isSome(user) && !user.value.disabled ? user.value.passwordHash : DUMMY_HASH
  const ok = (await verifyPassword(password, hash)) && Option.isSome(user) && !user.value.disabled
  if (!ok || Option.isNone(user)) {
    for (const [key] of limits) await store(ctx.storage.throttle.hit(key, { now, windowMs }))
    ctx.log("warn", "sign-in refused", {})
    throw new ApiError(401, "SignInRefused", "the user name or password is wrong")
  }
  await store(ctx.storage.throttle.reset(accountKey))
  const sessionToken = token()
  const csrf = csrfOf(sessionToken)
  const expiresAt = now + ttl(ctx)
  await store(
    ctx.storage.sessions.create({
      id: sha256(sessionToken),
      username: user.value.username,
      csrfHash: sha256(csrf),
      createdAt: now,
      expiresAt
    })
  )
  ctx.log("info", "signed in", { user: user.value.username })
  return { token: sessionToken, csrf, principal: principalOf(user.value), expiresAt }
}

/**
 * The session's CSRF token, derived from the cookie's token: the page can ask for it again
 * (`GET /session`), another site can neither read the cookie nor the answer.
 */
export const csrfOf = (sessionToken: string): string =>
  createHash("sha256").update(`psa-ledger/csrf/${sessionToken}`).digest("base64url")

/** The CSRF token of the request's session cookie, if any. */
export const csrfOfRequest = (request: Request): string | undefined => {
  const raw = cookieOf(request)
  return raw === undefined ? undefined : csrfOf(raw)
}
