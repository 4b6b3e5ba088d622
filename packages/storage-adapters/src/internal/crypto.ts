import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto"
import type { TokenSet } from "@psa-ledger/exact-client"
import { TokenStoreError } from "../TokenStoreError.ts"

/**
 * The host's key, in the forms a host tends to keep it: 32 raw bytes, 64 hex digits or base64.
 *
 * @since 0.1.0
 */
export type EncryptionKeyInput = Uint8Array | string

/** Derived keys: one to seal token sets, one to fingerprint refresh tokens for compare-and-set. */
export interface TokenKeys {
  readonly seal: Buffer
  readonly fingerprint: Buffer
}

const KEY_BYTES = 32
const VERSION = "v1"

/** Parses the host key: 32 raw bytes, 64 hex digits or base64 of 32 bytes. The message never echoes the key. */
export const parseEncryptionKey = (input: EncryptionKeyInput): Buffer => {
  let bytes: Buffer | undefined
  if (typeof input === "string") {
    const text = input.trim()
    if (/^[0-9a-fA-F]{64}$/.test(text)) bytes = Buffer.from(text, "hex")
    else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) bytes = Buffer.from(text, "base64")
  } else {
    bytes = Buffer.from(input)
  }
  if (bytes?.length !== KEY_BYTES) {
    throw new TokenStoreError(
      "InvalidKey",
      "encryptionKey must be 32 bytes: a Uint8Array, 64 hex digits or base64 (e.g. `openssl rand -base64 32`)"
    )
  }
  return bytes
}

/** Derives separate keys for sealing and fingerprinting, so neither use weakens the other. */
export const deriveTokenKeys = (master: Buffer): TokenKeys => ({
  seal: Buffer.from(hkdfSync("sha256", master, "psa-ledger", "tokens/aes-256-gcm", KEY_BYTES)),
  fingerprint: Buffer.from(hkdfSync("sha256", master, "psa-ledger", "tokens/refresh-fingerprint", KEY_BYTES))
})

// The link id is authenticated data: a sealed row copied to another link does not open there.
const aad = (linkId: string) => Buffer.from(`psa-ledger/tokens/${VERSION}\u0000${linkId}`, "utf8")

/** Encrypts a token set with AES-256-GCM under a fresh 96-bit nonce: `v1.<base64 nonce|tag|ciphertext>`. */
export const sealTokenSet = (keys: TokenKeys, linkId: string, tokens: TokenSet): string => {
  const nonce = randomBytes(12)
  const cipher = createCipheriv("aes-256-gcm", keys.seal, nonce)
  cipher.setAAD(aad(linkId))
  const plain = JSON.stringify({
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresAt: tokens.expiresAt,
    obtainedAt: tokens.obtainedAt
  })
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()])
  return `${VERSION}.${Buffer.concat([nonce, cipher.getAuthTag(), body]).toString("base64")}`
}

/** Decrypts a sealed token set; a wrong key or a changed row is `Corrupt`, naming neither. */
export const openTokenSet = (keys: TokenKeys, linkId: string, sealed: unknown): TokenSet => {
  const corrupt = (why: string) => new TokenStoreError("Corrupt", why, linkId)
  if (typeof sealed !== "string" || !sealed.startsWith(`${VERSION}.`))
    throw corrupt("the stored token set is not sealed by this version")
  const raw = Buffer.from(sealed.slice(VERSION.length + 1), "base64")
  if (raw.length < 29) throw corrupt("the stored token set is truncated")
  let plain: string
  try {
    const decipher = createDecipheriv("aes-256-gcm", keys.seal, raw.subarray(0, 12))
    decipher.setAAD(aad(linkId))
    decipher.setAuthTag(raw.subarray(12, 28))
    plain = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8")
  } catch {
    throw corrupt(
      "the stored token set does not decrypt: the encryption key differs from the one it was sealed with, or the row was changed"
    )
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(plain)
  } catch {
    throw corrupt("the decrypted token set is not JSON")
  }
  const problem = tokenSetProblem(parsed)
  if (problem !== undefined) throw corrupt(`the decrypted token set is invalid: ${problem}`)
  return parsed as TokenSet
}

/** A keyed fingerprint of a refresh token: what compare-and-set compares, so no token is stored in clear. */
export const fingerprint = (keys: TokenKeys, linkId: string, refreshToken: string): string =>
  createHmac("sha256", keys.fingerprint).update(aad(linkId)).update(refreshToken, "utf8").digest("base64")

/** Names the first malformed field of a token set, without its value. */
export const tokenSetProblem = (value: unknown): string | undefined => {
  if (typeof value !== "object" || value === null) return "TokenSet: not an object"
  const set = value as Record<string, unknown>
  for (const field of ["accessToken", "refreshToken"]) {
    if (typeof set[field] !== "string" || set[field] === "") return `TokenSet.${field}: must be a non-empty string`
    if ((set[field] as string).length > 16_384) return `TokenSet.${field}: longer than 16384 characters`
  }
  for (const field of ["expiresAt", "obtainedAt"]) {
    if (typeof set[field] !== "number" || !Number.isFinite(set[field]))
      return `TokenSet.${field}: must be epoch milliseconds`
  }
  return undefined
}
