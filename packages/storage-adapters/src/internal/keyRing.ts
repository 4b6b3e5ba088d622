import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto"
import { deriveTokenKeys, type EncryptionKeyInput, parseEncryptionKey, type TokenKeys } from "./crypto.ts"

/**
 * The keys a storage seals with, all derived from its one encryption key: the token chains' and
 * the secrets'. Held in a ring so that a key rotation swaps them for every store at once.
 */
export interface KeyRing {
  current: { readonly tokens: TokenKeys; readonly secrets: Buffer } | undefined
}

/** The keys derived from a host key (32 bytes as raw, hex or base64). */
export const deriveKeys = (input: EncryptionKeyInput) => {
  const master = parseEncryptionKey(input)
  return {
    tokens: deriveTokenKeys(master),
    secrets: Buffer.from(hkdfSync("sha256", master, "psa-ledger", "secrets/aes-256-gcm", 32))
  }
}

/** A ring holding the keys of `input`, or none. */
export const keyRing = (input: EncryptionKeyInput | undefined): KeyRing => ({
  current: input === undefined ? undefined : deriveKeys(input)
})

const VERSION = "s1"

// Owner and name are authenticated data: a sealed value copied to another owner or field does not open.
const aad = (owner: string, name: string) => Buffer.from(`psa-ledger/secrets/${VERSION}\u0000${owner}\u0000${name}`)

/** Seals a secret with AES-256-GCM under a fresh 96-bit nonce: `s1.<base64 nonce|tag|ciphertext>`. */
export const sealSecret = (key: Buffer, owner: string, name: string, value: string): string => {
  const nonce = randomBytes(12)
  const cipher = createCipheriv("aes-256-gcm", key, nonce)
  cipher.setAAD(aad(owner, name))
  const body = Buffer.concat([cipher.update(value, "utf8"), cipher.final()])
  return `${VERSION}.${Buffer.concat([nonce, cipher.getAuthTag(), body]).toString("base64")}`
}

/** Opens a sealed secret; `undefined` when it does not open (another key, owner or name, or a changed row). */
export const openSecret = (key: Buffer, owner: string, name: string, sealed: unknown): string | undefined => {
  if (typeof sealed !== "string" || !sealed.startsWith(`${VERSION}.`)) return undefined
  const raw = Buffer.from(sealed.slice(VERSION.length + 1), "base64")
  if (raw.length < 28) return undefined
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12))
    decipher.setAAD(aad(owner, name))
    decipher.setAuthTag(raw.subarray(12, 28))
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8")
  } catch {
    return undefined
  }
}
