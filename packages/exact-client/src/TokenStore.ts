/**
 * Where an Exact Online token chain lives, so that many workers can share it safely.
 *
 * Exact rotates the refresh token on every refresh and reusing an old one breaks the chain for
 * good. A `TokenStore` therefore offers three things: a read, an atomic compare-and-set keyed on
 * the refresh token that was current when the caller read it, and a lock under which a refresh is
 * decided and performed. The client takes the lock, re-reads, refreshes only if still needed and
 * saves with `compareAndSet`; concurrent callers in one process share one in-flight refresh.
 *
 * Durable stores (SQLite, PostgreSQL) come with `@psa-ledger/storage-adapters`.
 *
 * @since 0.1.0
 */

/**
 * One link in the token chain. Times are epoch milliseconds, so the set is plain JSON.
 *
 * @since 0.1.0
 */
export interface TokenSet {
  readonly accessToken: string
  readonly refreshToken: string
  /**
   * When the access token stops working: `expires_in` counted from when the token request was sent,
   * so never later than Exact's own expiry.
   */
  readonly expiresAt: number
  /**
   * When the answer carrying this pair arrived, so never earlier than Exact issued it: the "no refresh
   * within 570 s" rule counts from here.
   */
  readonly obtainedAt: number
}

/**
 * The contract between the Exact Online client and whatever keeps its tokens.
 *
 * @example
 * ```ts
 * import { createExactClient, memoryTokenStore } from "@psa-ledger/exact-client"
 *
 * const tokens = memoryTokenStore()
 * const exact = createExactClient({ region: "nl", clientId, clientSecret, redirectUri, tokens })
 * ```
 *
 * @since 0.1.0
 */
export interface TokenStore {
  /** The current token set, or `undefined` before the first authorisation. */
  load(): Promise<TokenSet | undefined>
  /**
   * Saves `next` only if the stored set is still `previous` (compared by refresh token; `undefined`
   * means "only if nothing is stored"). Atomic: a conditional update, never read-then-write.
   * Resolves `false`, changing nothing, when another writer got there first.
   */
  compareAndSet(previous: TokenSet | undefined, next: TokenSet): Promise<boolean>
  /**
   * Runs `fn` while holding the chain's lock: exclusive across every process sharing the store.
   * The lock is released when `fn` settles, whether it resolves or rejects.
   */
  withLock<A>(fn: () => Promise<A>): Promise<A>
}

/**
 * A `TokenStore` held in this process's memory: right for one process, tests and scripts.
 *
 * @example
 * ```ts
 * import { memoryTokenStore } from "@psa-ledger/exact-client"
 *
 * const tokens = memoryTokenStore()
 * await tokens.compareAndSet(undefined, { accessToken, refreshToken, expiresAt, obtainedAt })
 * ```
 *
 * @since 0.1.0
 */
export const memoryTokenStore = (initial?: TokenSet): TokenStore => {
  let current = initial
  // A promise chain is the lock: each holder waits for the previous one to settle.
  let tail: Promise<unknown> = Promise.resolve()
  return {
    load: async () => current,
    compareAndSet: async (previous, next) => {
      if (current?.refreshToken !== previous?.refreshToken) return false
      current = next
      return true
    },
    withLock: <A>(fn: () => Promise<A>): Promise<A> => {
      const run = tail.then(fn, fn)
      tail = run.then(
        () => undefined,
        () => undefined
      )
      return run
    }
  }
}
