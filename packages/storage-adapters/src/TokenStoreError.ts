/**
 * Why a durable token store refused or failed. Never carries a token value or key.
 *
 * - `MissingKey`: the storage was opened without an `encryptionKey`, so tokens cannot be stored.
 * - `InvalidKey`: the `encryptionKey` is not 32 bytes (raw, 64 hex digits or base64).
 * - `InvalidInput`: the link id or token set is malformed. A malformed link id is refused by
 *   `validateLinkId` of `@psa-ledger/reconcile-core`, whose `InvalidInput` reason (field `linkId`) is the
 *   error's `cause`, as the stores refuse it.
 * - `Corrupt`: a stored token set does not decrypt under this key (wrong key, or tampered row).
 * - `Unavailable`: the database could not be reached, or the storage is closed.
 *
 * @since 0.1.0
 */
export type TokenStoreErrorReason = "MissingKey" | "InvalidKey" | "InvalidInput" | "Corrupt" | "Unavailable"

/**
 * The error a durable `TokenStore` rejects with. Its message names the link and the problem, never a
 * token, the encryption key or a database password.
 *
 * @example
 * ```ts
 * import { TokenStoreError } from "@psa-ledger/storage-adapters"
 *
 * try {
 *   await storage.tokens("link-1").load()
 * } catch (error) {
 *   if (error instanceof TokenStoreError && error.reason === "Corrupt") {
 *     // the key changed: ask the user to authorise Exact Online again
 *   }
 * }
 * ```
 *
 * @since 0.1.0
 */
export class TokenStoreError extends Error {
  /** Discriminates this error from others in a union. */
  readonly _tag = "TokenStoreError" as const
  override readonly name = "TokenStoreError"
  readonly reason: TokenStoreErrorReason
  readonly linkId: string | undefined

  constructor(reason: TokenStoreErrorReason, message: string, linkId?: string, options?: ErrorOptions) {
    super(`${linkId === undefined ? "" : `tokens of link ${linkId}: `}${reason}: ${message}`, options)
    this.reason = reason
    this.linkId = linkId
  }
}
