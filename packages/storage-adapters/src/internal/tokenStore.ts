import type { TokenSet, TokenStore } from "@psa-ledger/exact-client"
import { validateLinkId } from "@psa-ledger/reconcile-core"
import { TokenStoreError } from "../TokenStoreError.ts"
import type { ChainLock } from "./chainLock.ts"
import { fingerprint, openTokenSet, sealTokenSet, type TokenKeys, tokenSetProblem } from "./crypto.ts"
import { type Driver, type Row, reasonText } from "./driver.ts"
import type { KeyRing } from "./keyRing.ts"

/**
 * Checks a link id by the rule the link-scoped stores use, before it names a token chain; the
 * refusal's cause is the same `InvalidInput` reason.
 */
export const checkLinkId = (linkId: unknown): string => {
  const refused = validateLinkId("TokenStore", linkId)
  if (refused !== undefined) {
    throw new TokenStoreError("InvalidInput", `${refused.record}.${refused.field}: ${refused.message}`, undefined, {
      cause: refused
    })
  }
  return linkId as string
}

/** The encrypted token chain of one link over a SQL driver. */
export const makeSqlTokenStore = (driver: Driver, ring: KeyRing, lock: ChainLock, linkId: string): TokenStore => {
  checkLinkId(linkId)
  if (ring.current === undefined) {
    throw new TokenStoreError(
      "MissingKey",
      "this storage was opened without an encryptionKey, and tokens are never stored unencrypted: pass `encryptionKey` (32 bytes)",
      linkId
    )
  }
  // Read at each call: a key rotation swaps the ring's keys under every open chain.
  const keyOf = (): TokenKeys => {
    if (ring.current === undefined) throw new TokenStoreError("MissingKey", "this storage has no encryptionKey", linkId)
    return ring.current.tokens
  }
  const table = driver.table("psa_tokens")
  const unavailable = (error: unknown) =>
    error instanceof TokenStoreError ? error : new TokenStoreError("Unavailable", reasonText(driver, error), linkId)
  const checkSet = (set: unknown, which: string) => {
    const problem = tokenSetProblem(set)
    if (problem !== undefined) throw new TokenStoreError("InvalidInput", `${which}: ${problem}`, linkId)
  }
  return {
    load: async () => {
      let rows: ReadonlyArray<Row>
      try {
        rows = await driver.all(`SELECT sealed FROM ${table} WHERE link_id = $1`, [linkId])
      } catch (error) {
        throw unavailable(error)
      }
      const [row] = rows
      return row === undefined ? undefined : openTokenSet(keyOf(), linkId, row.sealed)
    },
    compareAndSet: async (previous: TokenSet | undefined, next: TokenSet) => {
      checkSet(next, "next")
      if (previous !== undefined) checkSet(previous, "previous")
      const keys = keyOf()
      const sealed = sealTokenSet(keys, linkId, next)
      const nextPrint = fingerprint(keys, linkId, next.refreshToken)
      const now = new Date().toISOString()
      try {
        const changed =
          previous === undefined
            ? await driver.run(
                `INSERT INTO ${table} (link_id, refresh_fingerprint, sealed, updated_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (link_id) DO NOTHING`,
                [linkId, nextPrint, sealed, now]
              )
            : await driver.run(
                `UPDATE ${table} SET refresh_fingerprint = $3, sealed = $4, updated_at = $5
                 WHERE link_id = $1 AND refresh_fingerprint = $2`,
                [linkId, fingerprint(keys, linkId, previous.refreshToken), nextPrint, sealed, now]
              )
        return changed === 1
      } catch (error) {
        throw unavailable(error)
      }
    },
    withLock: (fn) => lock(linkId, fn)
  }
}

/** Deletes one link's sealed token chain; needs no key, so a storage opened read-only can still forget. */
export const forgetSqlTokens = async (driver: Driver, linkId: string): Promise<boolean> => {
  checkLinkId(linkId)
  try {
    return (await driver.run(`DELETE FROM ${driver.table("psa_tokens")} WHERE link_id = $1`, [linkId])) > 0
  } catch (error) {
    throw new TokenStoreError("Unavailable", reasonText(driver, error), linkId)
  }
}
