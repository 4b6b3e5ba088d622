import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from "node:crypto"
import { promisify } from "node:util"
import type { UserRole } from "@psa-ledger/reconcile-core"

const scrypt = promisify(scryptCallback) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number }
) => Promise<Buffer>

/**
 * A role: `admin` configuration and credentials, `finance` load, decide, apply and transfer,
 * `viewer` read. Each includes the ones below it.
 *
 * @since 0.1.0
 */
export type Role = UserRole

/**
 * Who is calling: the user, their role and the links they may see (`"all"`, or by id).
 *
 * @since 0.1.0
 */
export interface Principal {
  readonly user: string
  readonly role: Role
  readonly links: "all" | ReadonlyArray<string>
}

/**
 * How a server knows its callers: its own sign-in (users, sessions and throttle counters kept in
 * the deployment's storage), or, when embedded in a host that already signs people in, the host's
 * `authenticate(request)`.
 *
 * @since 0.1.0
 */
export type AuthOptions =
  | {
      readonly kind?: "builtin" | undefined
      /** How long a session lives without use (default 8 hours; every request slides it). */
      readonly sessionTtlMs?: number | undefined
      /** Failed sign-ins allowed per account and per window (default 5). */
      readonly attemptsPerAccount?: number | undefined
      /** Failed sign-ins allowed per client address and per window (default 20). */
      readonly attemptsPerAddress?: number | undefined
      /** The throttle window (default 15 minutes). */
      readonly throttleWindowMs?: number | undefined
    }
  | {
      readonly kind: "host"
      /** The host's own check; `undefined` is a 401. */
      readonly authenticate: (request: Request) => Promise<Principal | undefined> | Principal | undefined
    }

/**
 * The scrypt parameters of new password hashes: N = 2^15, r = 8, p = 1 (32 MiB of memory per
 * hash), a 16-byte random salt and a 32-byte key. They are written into each hash, so raising them
 * later still verifies older hashes.
 *
 * @since 0.1.0
 */
export const SCRYPT_PARAMETERS = { N: 32_768, r: 8, p: 1, saltBytes: 16, keyBytes: 32 } as const

const maxmem = (N: number, r: number) => 256 * N * r + 1024 * 1024

/**
 * Hashes a password with scrypt from `node:crypto`: `scrypt$N$r$p$salt$key` (base64url).
 *
 * @example
 * ```ts
 * import { hashPassword, verifyPassword } from "@psa-ledger/server"
 *
 * const hash = await hashPassword("correct horse battery staple")
 * await verifyPassword("correct horse battery staple", hash) // true
 * ```
 *
 * @since 0.1.0
 */
export const hashPassword = async (password: string): Promise<string> => {
  const { N, r, p, saltBytes, keyBytes } = SCRYPT_PARAMETERS
  const salt = randomBytes(saltBytes)
  const key = await scrypt(password.normalize("NFKC"), salt, keyBytes, { N, r, p, maxmem: maxmem(N, r) })
  return `scrypt$${N}$${r}$${p}$${salt.toString("base64url")}$${key.toString("base64url")}`
}

/**
 * Checks a password against a hash of `hashPassword`, in constant time; false for a malformed hash.
 *
 * @since 0.1.0
 */
export const verifyPassword = async (password: string, hash: string): Promise<boolean> => {
  const parts = hash.split("$")
  if (parts.length !== 6 || parts[0] !== "scrypt") return false
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])]
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0) || N > 1_048_576) return false
  const salt = Buffer.from(parts[4] ?? "", "base64url")
  const expected = Buffer.from(parts[5] ?? "", "base64url")
  if (expected.length === 0) return false
  const key = await scrypt(password.normalize("NFKC"), salt, expected.length, { N, r, p, maxmem: maxmem(N, r) })
  return timingSafeEqual(key, expected)
}

const RANK: Record<Role, number> = { viewer: 0, finance: 1, admin: 2 }

/** Whether `role` includes `needed`. */
export const hasRole = (role: Role, needed: Role): boolean => RANK[role] >= RANK[needed]

/** Whether the principal may see the link. */
export const canSeeLink = (principal: Principal, linkId: string): boolean =>
  principal.role === "admin" || principal.links === "all" || principal.links.includes(linkId)
