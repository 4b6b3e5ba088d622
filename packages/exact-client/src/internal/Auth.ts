import type { ExactClock } from "../Clock.ts"
import {
  ExactError,
  ExactRateLimitedError,
  ExactServerError,
  ExactTokenChainBrokenError,
  ExactUnauthorizedError,
  ExactValidationError
} from "../ExactError.ts"
import type { TokenSet, TokenStore } from "../TokenStore.ts"

/** Exact refuses a refresh within 570 s of the previous one. */
export const minRefreshIntervalMs = 570_000
/** Refresh in the access token's last 30 s. */
export const refreshWindowMs = 30_000

export type TokenEndpoint = (form: Record<string, string>) => Promise<{ status: number; body: unknown }>

export type AuthLog = (level: "debug" | "info" | "warn", message: string, fields?: Record<string, unknown>) => void

const endpoint = "oauth2/token"

const describeOAuth = (body: unknown): { error: string; description: string } => {
  const record = (body ?? {}) as Record<string, unknown>
  return {
    error: typeof record.error === "string" ? record.error : "unknown_error",
    description: typeof record.error_description === "string" ? record.error_description : ""
  }
}

/** The token chain of one client: single-flight refresh in-process, the store's lock across processes. */
export class Auth {
  #cached: TokenSet | undefined
  #inflight: Promise<TokenSet> | undefined
  readonly #store: TokenStore
  readonly #clock: ExactClock
  readonly #call: TokenEndpoint
  readonly #log: AuthLog
  readonly #remember: (token: string) => void

  constructor(
    store: TokenStore,
    clock: ExactClock,
    call: TokenEndpoint,
    log: AuthLog,
    remember: (token: string) => void
  ) {
    this.#store = store
    this.#clock = clock
    this.#call = call
    this.#log = log
    this.#remember = remember
  }

  /** Whether a set is in its last 30 s (or past them). For Exact's 600 s tokens that is ≥ 570 s after issue. */
  due(tokens: TokenSet): boolean {
    return this.#clock.now() >= tokens.expiresAt - refreshWindowMs
  }

  #keep(tokens: TokenSet): TokenSet {
    this.#remember(tokens.accessToken)
    this.#remember(tokens.refreshToken)
    this.#cached = tokens
    return tokens
  }

  /** The token set to call with: cached, else loaded; refreshed first when due. */
  async current(): Promise<TokenSet> {
    let tokens = this.#cached
    if (!tokens) {
      const loaded = await this.#store.load()
      if (!loaded) {
        throw new ExactError({
          reason: new ExactUnauthorizedError({
            message: "No tokens yet: authorise with auth.authorizeUrl and auth.exchangeCode"
          })
        })
      }
      tokens = this.#keep(loaded)
    }
    return this.due(tokens) ? this.refresh(tokens, false) : tokens
  }

  /**
   * After a 401 on an API call with `rejected`: re-read the store first (another worker may have
   * rotated), then refresh if Exact's rules allow or the token has expired (it expired on the way);
   * otherwise the 401 stands.
   */
  async recover(rejected: TokenSet): Promise<TokenSet | undefined> {
    const stored = await this.#store.load()
    if (stored && stored.accessToken !== rejected.accessToken) return this.#keep(stored)
    const now = this.#clock.now()
    if (stored && (now >= stored.obtainedAt + minRefreshIntervalMs || now >= stored.expiresAt)) {
      return this.refresh(stored, true)
    }
    return undefined
  }

  /** Refreshes `seen` unless someone already did; one refresh in flight per client. */
  refresh(seen: TokenSet, force: boolean): Promise<TokenSet> {
    if (!this.#inflight) {
      this.#inflight = this.#store
        .withLock(() => this.#refreshLocked(seen, force))
        .then((tokens) => this.#keep(tokens))
        .finally(() => {
          this.#inflight = undefined
        })
    }
    return this.#inflight
  }

  async #refreshLocked(seen: TokenSet, force: boolean): Promise<TokenSet> {
    const current = await this.#store.load()
    if (!current) {
      throw new ExactError({
        reason: new ExactTokenChainBrokenError({ message: "The token store is empty: consent again" })
      })
    }
    if (current.accessToken !== seen.accessToken && !this.due(current)) return current
    // A 401 forces the refresh of the token it refused, never of a newer one another worker saved.
    const forced = force && current.accessToken === seen.accessToken
    if (!this.due(current) && !forced) return current
    const allowedAt = current.obtainedAt + minRefreshIntervalMs
    const now = this.#clock.now()
    if (now < allowedAt) {
      // `expiresAt` counts from before Exact issued the pair, `obtainedAt` from after: between the two
      // lies the token answer's transit time, when a token can be due, even expired, yet not refreshable.
      if (now >= current.expiresAt) {
        // Expired (a 401 may have said so): wait out the 570 s rule rather than fail or refresh early.
        // The wait is at most that transit time less 30 s.
        await this.#clock.sleep(allowedAt - now)
      } else if (!forced) {
        // Still valid: use it until a refresh is allowed.
        return current
      } else {
        // Refused while valid by every reckoning: Exact would refuse a refresh too (and count an error).
        throw new ExactError({
          reason: new ExactUnauthorizedError({
            message: "The access token was refused and may not be refreshed yet (570 s rule)"
          }),
          method: "POST",
          endpoint
        })
      }
    }
    const sentAt = this.#clock.now()
    const { status, body } = await this.#call({ grant_type: "refresh_token", refresh_token: current.refreshToken })
    if (status === 200) {
      const next = toTokenSet(body, sentAt, this.#clock.now())
      this.#remember(next.accessToken)
      this.#remember(next.refreshToken)
      if (await this.#store.compareAndSet(current, next)) {
        this.#log("info", "exact: access token refreshed", { expiresAt: new Date(next.expiresAt).toISOString() })
        return next
      }
      // Someone saved a set outside the lock (a new consent): theirs wins.
      const winner = await this.#store.load()
      this.#log("warn", "exact: the token store changed during a refresh; using the stored set")
      return winner ?? next
    }
    const { error, description } = describeOAuth(body)
    if (status === 401 && /old refresh token/i.test(description)) {
      // Re-read before anything else: another worker may have rotated without our lock.
      const latest = await this.#store.load()
      if (latest && latest.refreshToken !== current.refreshToken) return latest
      this.#log("warn", "exact: the refresh-token chain is broken; the user must consent again")
      throw new ExactError({
        reason: new ExactTokenChainBrokenError({
          message: `Exact refused the refresh token (${error}: ${description})`
        }),
        method: "POST",
        endpoint
      })
    }
    if (status === 400 && /expired|invalid/i.test(`${error} ${description}`)) {
      throw new ExactError({
        reason: new ExactTokenChainBrokenError({
          message: `Exact refused the refresh token (${error}: ${description})`
        }),
        method: "POST",
        endpoint
      })
    }
    throw tokenEndpointError(status, error, description)
  }

  /** Saves a fresh chain from a code exchange, replacing whatever was stored. */
  async save(next: TokenSet): Promise<void> {
    this.#remember(next.accessToken)
    this.#remember(next.refreshToken)
    await this.#store.withLock(async () => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const previous = await this.#store.load()
        if (await this.#store.compareAndSet(previous, next)) return
      }
      throw new ExactError({
        reason: new ExactUnauthorizedError({ message: "Could not save the new tokens: the store kept changing" })
      })
    })
    this.#cached = next
  }

  async stored(): Promise<TokenSet | undefined> {
    return this.#store.load()
  }
}

export const tokenEndpointError = (status: number, error: string, description: string): ExactError => {
  const message = `${error}${description ? `: ${description}` : ""}`
  const reason =
    status === 429
      ? new ExactRateLimitedError({})
      : status >= 500
        ? new ExactServerError({ status, message })
        : status === 400
          ? new ExactValidationError({ message, messages: [message] })
          : new ExactUnauthorizedError({ message })
  return new ExactError({ reason, method: "POST", endpoint })
}

/**
 * Reads a token answer. Exact issued the pair somewhere between `sentAt` and `arrivedAt`: expiry counts
 * from the earlier (the token is never believed valid after Exact's expiry) and the 570 s rule from
 * the later (a refresh is never sent early), whatever the answer's transit time.
 */
export const toTokenSet = (body: unknown, sentAt: number, arrivedAt: number): TokenSet => {
  const record = (body ?? {}) as Record<string, unknown>
  const seconds =
    typeof record.expires_in === "string" || typeof record.expires_in === "number"
      ? Number(record.expires_in)
      : Number.NaN
  if (
    typeof record.access_token !== "string" ||
    typeof record.refresh_token !== "string" ||
    !Number.isFinite(seconds)
  ) {
    throw new ExactError({
      reason: new ExactUnauthorizedError({
        message: "The token endpoint answered without access_token, refresh_token or expires_in"
      }),
      method: "POST",
      endpoint
    })
  }
  return {
    accessToken: record.access_token,
    refreshToken: record.refresh_token,
    obtainedAt: arrivedAt,
    expiresAt: sentAt + seconds * 1000
  }
}
