/**
 * The OAuth face: the consent URL, the code exchange and keep-alive, over the token endpoint.
 */
import type { ExactClock } from "../Clock.ts"
import type { ExactAuth, ExactClientOptions } from "../ExactClient.ts"
import { ExactError, ExactUnauthorizedError } from "../ExactError.ts"
import { throwIfAborted, untilAborted } from "./Abort.ts"
import { type Auth, type TokenEndpoint, tokenEndpointError, toTokenSet } from "./Auth.ts"
import type { ExactApi } from "./Paging.ts"
import type { Log, Secrets } from "./Redaction.ts"

type App = Pick<ExactClientOptions, "clientId" | "clientSecret" | "redirectUri">

/** Calls the token endpoint with a form; answers its status and parsed body (error texts redacted). */
export const tokenEndpoint =
  (tokenApi: ExactApi, app: App, secrets: Secrets): TokenEndpoint =>
  async (form) => {
    for (const value of Object.values(form)) secrets.remember(value)
    const { data, error, response } = await tokenApi.POST("/oauth2/token", {
      body: { ...form, client_id: app.clientId, client_secret: app.clientSecret } as never,
      bodySerializer: (body) => new URLSearchParams(body as Record<string, string>),
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      parseAs: "text"
    })
    const text = typeof data === "string" ? data : undefined
    let parsed: unknown = error
    if (text !== undefined) {
      try {
        parsed = JSON.parse(text)
      } catch {
        parsed = undefined
      }
    }
    // openapi-fetch hands back an error body that is not JSON as its text.
    if (parsed === undefined || typeof parsed === "string") {
      const raw = text ?? (typeof error === "string" ? error : "")
      parsed = { error: "invalid_response", error_description: raw.slice(0, 200) }
    }
    if (response.status !== 200 && parsed && typeof parsed === "object") {
      const record = parsed as Record<string, unknown>
      if (typeof record.error_description === "string")
        record.error_description = secrets.redact(record.error_description)
    }
    return { status: response.status, body: parsed }
  }

/** What the OAuth face needs from the client. */
export interface OAuthDeps {
  readonly app: App
  readonly baseUrl: string
  readonly clock: ExactClock
  readonly auth: Auth
  readonly call: TokenEndpoint
  readonly secrets: Secrets
  readonly log: Log
}

const site = { method: "POST", endpoint: "oauth2/token" }

const exchangeCode =
  (deps: OAuthDeps): ExactAuth["exchangeCode"] =>
  async (code, options = {}) => {
    deps.secrets.remember(code)
    throwIfAborted(options.signal, site)
    const sentAt = deps.clock.now()
    // Not cut short once sent: the answer holds the only token chain this code can give.
    const { status, body } = await untilAborted(
      deps.call({ grant_type: "authorization_code", code, redirect_uri: deps.app.redirectUri }),
      options.signal,
      site
    )
    if (status !== 200) {
      const record = (body ?? {}) as Record<string, unknown>
      const error = typeof record.error === "string" ? record.error : "unknown_error"
      const description = typeof record.error_description === "string" ? record.error_description : ""
      if (status === 400 || status === 401) {
        throw new ExactError({
          reason: new ExactUnauthorizedError({
            message: `Exact refused the authorization code (${error}: ${description})`
          }),
          ...site
        })
      }
      throw tokenEndpointError(status, error, description)
    }
    const tokens = toTokenSet(body, sentAt, deps.clock.now())
    await deps.auth.save(tokens)
    deps.log("info", "exact: authorised; token chain stored")
    return { obtainedAt: tokens.obtainedAt, expiresAt: tokens.expiresAt }
  }

/** The `auth` face of a client. */
export const oauthFace = (deps: OAuthDeps): ExactAuth => ({
  authorizeUrl: (options = {}) => {
    // A URL for the user's browser, not a call of ours: built here, sent by nobody.
    const url = new URL(`${deps.baseUrl}/api/oauth2/auth`)
    url.searchParams.set("client_id", deps.app.clientId)
    url.searchParams.set("redirect_uri", deps.app.redirectUri)
    url.searchParams.set("response_type", "code")
    if (options.state !== undefined) url.searchParams.set("state", options.state)
    if (options.forceLogin) url.searchParams.set("force_login", "1")
    return url.toString()
  },
  exchangeCode: exchangeCode(deps),
  keepAlive: async (options = {}) => {
    const stored = await untilAborted(deps.auth.stored(), options.signal, site)
    if (!stored) {
      throw new ExactError({ reason: new ExactUnauthorizedError({ message: "No tokens yet: nothing to keep alive" }) })
    }
    if (!deps.auth.due(stored)) return { refreshed: false, expiresAt: stored.expiresAt }
    const next = await untilAborted(deps.auth.refresh(stored, false), options.signal, site)
    return { refreshed: next.refreshToken !== stored.refreshToken, expiresAt: next.expiresAt }
  },
  status: async () => {
    const stored = await deps.auth.stored()
    return stored
      ? { authorised: true, obtainedAt: stored.obtainedAt, expiresAt: stored.expiresAt }
      : { authorised: false }
  }
})
