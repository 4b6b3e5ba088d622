import { TokenStoreError } from "../TokenStoreError.ts"
import type { EncryptionKeyInput } from "./crypto.ts"
import { fingerprint, openTokenSet, sealTokenSet } from "./crypto.ts"
import type { Driver } from "./driver.ts"
import { deriveKeys, type KeyRing, openSecret, sealSecret } from "./keyRing.ts"

/** What a rotation re-sealed. */
export interface RotationOutcome {
  readonly tokenChains: number
  readonly secrets: number
}

/**
 * Re-seals every token chain and secret under a new key in one write transaction, then swaps the
 * ring: either everything opens under the new key afterwards, or (on any failure) nothing changed.
 * A row that does not open under the current key stops the rotation, so no row is lost.
 */
export const rotateKeys = async (driver: Driver, ring: KeyRing, next: EncryptionKeyInput): Promise<RotationOutcome> => {
  const current = ring.current
  if (current === undefined) {
    throw new TokenStoreError(
      "MissingKey",
      "this storage was opened without an encryptionKey: there is nothing to rotate from"
    )
  }
  const keys = deriveKeys(next)
  const T = driver.table("psa_tokens")
  const S = driver.table("psa_secrets")
  const outcome = await driver.transaction(async (tx) => {
    const tokens = await tx.all(`SELECT link_id, sealed FROM ${T}${driver.lockRow}`)
    for (const row of tokens) {
      const linkId = String(row.link_id)
      const set = openTokenSet(current.tokens, linkId, row.sealed)
      await tx.run(`UPDATE ${T} SET sealed = $2, refresh_fingerprint = $3 WHERE link_id = $1`, [
        linkId,
        sealTokenSet(keys.tokens, linkId, set),
        fingerprint(keys.tokens, linkId, set.refreshToken)
      ])
    }
    const secrets = await tx.all(`SELECT owner, name, sealed FROM ${S}${driver.lockRow}`)
    for (const row of secrets) {
      const owner = String(row.owner)
      const name = String(row.name)
      const plain = openSecret(current.secrets, owner, name, row.sealed)
      if (plain === undefined) {
        throw new TokenStoreError("Corrupt", `the secret ${name} of ${owner} does not open under the current key`)
      }
      await tx.run(`UPDATE ${S} SET sealed = $3 WHERE owner = $1 AND name = $2`, [
        owner,
        name,
        sealSecret(keys.secrets, owner, name, plain)
      ])
    }
    return { tokenChains: tokens.length, secrets: secrets.length }
  })
  ring.current = keys
  return outcome
}
