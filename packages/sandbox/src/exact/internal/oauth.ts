/**
 * Exact's OAuth: authorization codes, the token endpoint, and refresh tokens that rotate on every
 * use (an old one breaks the chain) and may not be refreshed within 570 s of the last issue.
 */

import { jsonResponse, oauthError } from "./responses.ts"
import { type Chain, day, recordError, type SimState } from "./state.ts"

export const issuePair = (sim: SimState, chain: Chain) => {
  const now = sim.clock.now()
  const accessToken = `gAAAA${sim.random.token(60)}`
  const refreshToken = `Stf!IAAAA${sim.random.token(50)}`
  sim.accessTokens.set(accessToken, { chain, expiresAt: now + sim.accessTokenMs })
  chain.refreshToken = refreshToken
  chain.issuedAt = now
  sim.chainByRefresh.set(refreshToken, chain)
  return jsonResponse(200, {
    access_token: accessToken,
    token_type: "bearer",
    expires_in: String(sim.accessTokenMs / 1000),
    refresh_token: refreshToken
  })
}

export const authorize = (
  sim: SimState,
  authOptions: { readonly clientId?: string; readonly redirectUri?: string; readonly division?: number } = {}
): string => {
  const app = sim.apps.find((a) => a.clientId === (authOptions.clientId ?? sim.apps[0]?.clientId))
  if (!app) throw new Error("authorize: unknown clientId")
  const code = `${sim.random.token(40)}`
  sim.codes.set(code, {
    clientId: app.clientId,
    redirectUri: authOptions.redirectUri ?? app.redirectUri,
    issuedAt: sim.clock.now(),
    used: false,
    division: authOptions.division
  })
  return code
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c)

// Exact compares the redirect URI with the registered one character for character: no prefix,
// no trailing-slash or case leniency.
const consentRequest = (sim: SimState, params: URLSearchParams) => {
  const app = sim.apps.find((a) => a.clientId === params.get("client_id"))
  const redirectUri = params.get("redirect_uri")
  if (!app || redirectUri === null || redirectUri !== app.redirectUri || params.get("response_type") !== "code") {
    return undefined
  }
  return { app, redirectUri, state: params.get("state") }
}

const refused = () => new Response("The client or redirect URI is not registered.", { status: 400 })

/** `GET oauth2/auth`: the consent page, where the user picks the division the app may use. */
export const handleAuthorize = (sim: SimState, url: URL) => {
  const request = consentRequest(sim, url.searchParams)
  if (!request) return refused()
  const options = [...sim.divisions.values()]
    .filter((d) => d.seed.access !== false)
    .map(
      (d) =>
        `<option value="${d.seed.code}"${d.seed.code === sim.currentDivision ? " selected" : ""}>${d.seed.code} ${escapeHtml(d.seed.description)}</option>`
    )
    .join("")
  const hidden = ["client_id", "redirect_uri", "response_type", "state"]
    .filter((name) => url.searchParams.has(name))
    .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(url.searchParams.get(name) ?? "")}">`)
    .join("")
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Exact Online: grant access</title></head>
<body><main><h1>Grant access to your administration</h1>
<form method="post" action="${escapeHtml(url.pathname)}">${hidden}
<label for="division">Administration</label> <select id="division" name="division">${options}</select>
<button type="submit" name="consent" value="grant">Grant access</button></form></main></body></html>`
  return new Response(html, { status: 200, headers: { "content-type": "text/html; charset=utf-8" } })
}

/** `POST oauth2/auth`: the consent page's answer; redirects with a code bound to the chosen division. */
export const handleConsent = async (sim: SimState, request: Request) => {
  const form = new URLSearchParams(await request.text())
  const consent = consentRequest(sim, form)
  if (!consent) return refused()
  const chosen = Number(form.get("division") ?? sim.currentDivision)
  const division = sim.divisions.get(chosen)
  if (!division || division.seed.access === false) {
    return new Response("You have no access to this administration.", { status: 400 })
  }
  const code = authorize(sim, { clientId: consent.app.clientId, redirectUri: consent.redirectUri, division: chosen })
  const target = new URL(consent.redirectUri)
  target.searchParams.set("code", code)
  if (consent.state !== null) target.searchParams.set("state", consent.state)
  return new Response(null, { status: 302, headers: { Location: target.toString() } })
}

export const handleToken = async (sim: SimState, request: Request): Promise<Response> => {
  const form = new URLSearchParams(await request.text())
  const app = sim.apps.find((a) => a.clientId === form.get("client_id"))
  const errorKey = `${form.get("client_id") ?? "?"}|0|oauth2/token`
  const fail = (status: number, error: string, description: string) => {
    recordError(sim, errorKey)
    return oauthError(status, error, description)
  }
  if (!app || app.clientSecret !== form.get("client_secret")) {
    return fail(401, "invalid_client", "The client is unknown or its secret is wrong.")
  }
  const now = sim.clock.now()
  const dayKey = `${app.clientId}|${Math.floor(now / day)}`
  const calls = (sim.tokenCalls.get(dayKey) ?? 0) + 1
  sim.tokenCalls.set(dayKey, calls)
  if (calls > sim.tokenCallsPerDay) {
    sim.stats.rateLimited++
    return oauthError(429, "too_many_requests", "Too many token requests today.")
  }
  const grant = form.get("grant_type")
  if (grant === "authorization_code") {
    const code = sim.codes.get(form.get("code") ?? "")
    if (!code || code.clientId !== app.clientId) return fail(400, "invalid_grant", "The code is invalid.")
    if (code.used) return fail(400, "invalid_grant", "The code has already been used.")
    if (now - code.issuedAt > sim.codeMs) return fail(400, "invalid_grant", "The code has expired.")
    if (form.get("redirect_uri") !== code.redirectUri) {
      return fail(400, "invalid_grant", "The redirect URI does not match.")
    }
    code.used = true
    sim.stats.codeExchanges++
    const chain: Chain = {
      clientId: app.clientId,
      refreshToken: "",
      oldRefreshTokens: new Set(),
      issuedAt: 0,
      broken: false,
      ...(code.division === undefined ? {} : { division: code.division })
    }
    sim.chains.push(chain)
    return issuePair(sim, chain)
  }
  if (grant === "refresh_token") {
    const presented = form.get("refresh_token") ?? ""
    const chain = sim.chainByRefresh.get(presented)
    if (!chain || chain.clientId !== app.clientId) return fail(400, "invalid_grant", "The refresh token is invalid.")
    if (chain.broken || chain.oldRefreshTokens.has(presented)) {
      if (!chain.broken) sim.stats.brokenChains++
      chain.broken = true
      return fail(401, "unauthorized_client", "Old refresh token used.")
    }
    if (now - chain.issuedAt > sim.refreshIdleMs) {
      return fail(
        400,
        "invalid_request",
        `The refresh token expired at ${new Date(chain.issuedAt + sim.refreshIdleMs).toISOString()}.`
      )
    }
    if (now - chain.issuedAt < sim.minRefreshMs) {
      sim.stats.earlyRefreshes++
      return fail(401, "invalid_request", "Access token not expired.")
    }
    chain.oldRefreshTokens.add(presented)
    sim.stats.refreshes++
    return issuePair(sim, chain)
  }
  return fail(400, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token.")
}
