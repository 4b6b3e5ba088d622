import { createHash, randomBytes, timingSafeEqual } from "node:crypto"
import { createExactClient, type Division, exactRegionHosts, memoryTokenStore } from "@psa-ledger/exact-client"
import { OAuthState } from "@psa-ledger/reconcile-core"
import { DateTime, Option } from "effect"
import { DeploymentOAuthRefusedError, DeploymentUpstreamError, fail } from "./DeploymentError.ts"
import { exactConnectionOf } from "./internal/clients.ts"
import { type DeploymentContext, requireKey, store } from "./internal/context.ts"
import { type ActorOptions, audit, loadLink } from "./internal/links.ts"
import { openLink } from "./internal/open.ts"
import type { LinkConfig } from "./LinkConfig.ts"

/** How long a consent may take: the state expires after ten minutes. */
export const STATE_TTL_MS = 10 * 60_000

const b64url = (bytes: Buffer) => bytes.toString("base64url")
// The store keeps a hash of the state, so its rows cannot be replayed as callbacks.
const stateKey = (state: string) => createHash("sha256").update(`psa-ledger/oauth-state\u0000${state}`).digest("hex")

const authorizeUrl = (config: LinkConfig, state: string): string => {
  const base = (config.exact.baseUrl ?? exactRegionHosts[config.exact.region ?? "nl"]).replace(/\/+$/, "")
  const url = new URL(`${base}/api/oauth2/auth`)
  url.searchParams.set("client_id", config.exact.clientId)
  url.searchParams.set("redirect_uri", config.exact.redirectUri)
  url.searchParams.set("response_type", "code")
  url.searchParams.set("state", state)
  return url.toString()
}

const refused = (operation: string, why: DeploymentOAuthRefusedError["why"], message: string, linkId?: string) =>
  fail(operation, new DeploymentOAuthRefusedError({ why, message, ...(linkId === undefined ? {} : { linkId }) }))

/** What `exact.connect` hands the host: where to send the user, and what to keep until the callback. */
export interface ExactConnectStart {
  readonly url: string
  readonly state: string
  /** Keep it with the user's session (e.g. a cookie) and pass it to `complete`: binds the callback to the browser. */
  readonly nonce: string
  readonly expiresAt: string
}

/** What a completed consent connected. */
export interface ExactConnected {
  readonly linkId: string
  readonly returnTo: string
  /** The division the consent was given for (Exact's current division for it). */
  readonly division: number
}

const sameText = (a: string, b: string) => {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** The Exact Online connection API of a deployment. */
export const makeExact = (ctx: DeploymentContext) => ({
  connect: async (id: string, options: { readonly returnTo: string } & ActorOptions): Promise<ExactConnectStart> => {
    const operation = "exact.connect"
    requireKey(ctx, operation)
    const { config } = await loadLink(ctx, id, operation)
    const state = b64url(randomBytes(32))
    const nonce = b64url(randomBytes(16))
    const createdAt = DateTime.makeUnsafe(ctx.now())
    const expiresAt = DateTime.makeUnsafe(ctx.now() + STATE_TTL_MS)
    await store(operation, ctx.storage.oauthStates.purge(createdAt))
    await store(
      operation,
      ctx.storage.oauthStates.put(
        new OAuthState({ state: stateKey(state), linkId: id, nonce, returnTo: options.returnTo, createdAt, expiresAt })
      ),
      id
    )
    return { url: authorizeUrl(config, state), state, nonce, expiresAt: DateTime.formatIso(expiresAt) }
  },

  complete: async (
    callback: { readonly code: string; readonly state: string; readonly nonce?: string | undefined } & ActorOptions
  ): Promise<ExactConnected> => {
    const operation = "exact.complete"
    requireKey(ctx, operation)
    const now = DateTime.makeUnsafe(ctx.now())
    const found = await store(operation, ctx.storage.oauthStates.consume(stateKey(callback.state), now))
    if (Option.isNone(found)) {
      throw refused(operation, "UnknownState", "the state was not issued by this deployment (or was purged)")
    }
    const { state, firstUse } = found.value
    const linkId = state.linkId
    if (!firstUse) throw refused(operation, "ReplayedState", "this consent was completed already", linkId)
    if (DateTime.isLessThan(state.expiresAt, now)) {
      throw refused(operation, "ExpiredState", "the consent took longer than ten minutes: connect again", linkId)
    }
    if (callback.nonce !== undefined && !sameText(callback.nonce, state.nonce)) {
      throw refused(operation, "UnknownState", "the state belongs to another session", linkId)
    }
    const { config } = await loadLink(ctx, linkId, operation)
    // Exchange into a scratch chain first: nothing is stored until the consent is known to fit the link.
    const scratch = memoryTokenStore()
    const { division: _configured, ...connection } = await exactConnectionOf(ctx, linkId, config, operation)
    const client = createExactClient({ ...connection, tokens: scratch })
    try {
      await client.auth.exchangeCode(callback.code)
    } catch (error) {
      throw refused(operation, "CodeRefused", error instanceof Error ? error.message : "Exact refused the code", linkId)
    }
    let consented: number
    let reachable: ReadonlyArray<Division>
    try {
      consented = (await client.me()).CurrentDivision
      reachable = await client.divisions()
    } catch (error) {
      throw fail(
        operation,
        new DeploymentUpstreamError({
          system: "exact",
          message: error instanceof Error ? error.message : String(error)
        })
      )
    }
    const wanted = config.exact.division
    if (wanted !== undefined && !reachable.some((d) => d.Code === wanted)) {
      throw refused(
        operation,
        "OtherDivision",
        `the consent was given for division ${consented}, not the link's division ${wanted}: connect again and choose ${wanted}`,
        linkId
      )
    }
    const tokens = await scratch.load()
    const chain = ctx.storage.tokens(linkId)
    for (let attempt = 0; tokens !== undefined && attempt < 3; attempt++) {
      if (await chain.compareAndSet(await chain.load().catch(() => undefined), tokens)) break
    }
    await audit(ctx, linkId, "exact.connect", ["exact.tokens"], callback, operation)
    ctx.opened.delete(linkId)
    return { linkId, returnTo: state.returnTo, division: consented }
  },

  divisions: async (id: string): Promise<ReadonlyArray<{ code: number; description: string; current: boolean }>> => {
    const operation = "exact.divisions"
    const link = await openLink(ctx, id)
    try {
      const divisions = await link.exact.divisions()
      return divisions.map((d) => ({ code: d.Code, description: d.Description ?? "", current: d.Current === true }))
    } catch (error) {
      throw fail(
        operation,
        new DeploymentUpstreamError({
          system: "exact",
          message: error instanceof Error ? error.message : String(error),
          cause: error
        })
      )
    }
  },

  keepAlive: async (id: string): Promise<{ readonly refreshed: boolean; readonly expiresAt: string }> => {
    const operation = "exact.keepAlive"
    const link = await openLink(ctx, id)
    try {
      const outcome = await link.exact.auth.keepAlive()
      return { refreshed: outcome.refreshed, expiresAt: new Date(outcome.expiresAt).toISOString() }
    } catch (error) {
      throw fail(
        operation,
        new DeploymentUpstreamError({
          system: "exact",
          message: error instanceof Error ? error.message : String(error),
          cause: error
        })
      )
    }
  }
})
