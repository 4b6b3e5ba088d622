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
  authOptions: { readonly clientId?: string; readonly redirectUri?: string } = {}
): string => {
  const app = sim.apps.find((a) => a.clientId === (authOptions.clientId ?? sim.apps[0]?.clientId))
  if (!app) throw new Error("authorize: unknown clientId")
  const code = `${sim.random.token(40)}`
  sim.codes.set(code, {
    clientId: app.clientId,
    redirectUri: authOptions.redirectUri ?? app.redirectUri,
    issuedAt: sim.clock.now(),
    used: false
  })
  return code
}

export const handleAuthorize = (sim: SimState, url: URL) => {
  const app = sim.apps.find((a) => a.clientId === url.searchParams.get("client_id"))
  const redirectUri = url.searchParams.get("redirect_uri")
  if (!app || redirectUri !== app.redirectUri || url.searchParams.get("response_type") !== "code") {
    return new Response("The client or redirect URI is not registered.", { status: 400 })
  }
  const code = authorize(sim, { clientId: app.clientId, redirectUri })
  const target = new URL(redirectUri)
  target.searchParams.set("code", code)
  const state = url.searchParams.get("state")
  if (state !== null) target.searchParams.set("state", state)
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
      broken: false
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
