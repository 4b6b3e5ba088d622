/**
 * The length of a link's leases (its run lease and its journal claims): how long a dead process
 * keeps the link and its operations before another run may take them over.
 */
import { LinkError, LinkInvalidInputError } from "../LinkError.ts"

/**
 * The default lease: a minute without a heartbeat (the heartbeat comes four times within it).
 *
 * @since 0.1.0
 */
export const DEFAULT_LEASE_MS = 60_000

/**
 * The shortest lease: shorter, a loaded machine's late heartbeat would lose a live run its lease.
 *
 * @since 0.1.0
 */
export const MIN_LEASE_MS = 1_000

/**
 * The longest lease: longer, a crashed run would hold its link for more than a day.
 *
 * @since 0.1.0
 */
export const MAX_LEASE_MS = 86_400_000

/**
 * What is wrong with `value` as a lease length (a whole number of ms from 1 s to a day), or
 * `undefined` when nothing is; `undefined` itself is fine (the default).
 *
 * @since 0.1.0
 */
export const leaseProblem = (value: unknown): string | undefined =>
  value === undefined ||
  (typeof value === "number" && Number.isInteger(value) && value >= MIN_LEASE_MS && value <= MAX_LEASE_MS)
    ? undefined
    : `must be a whole number of milliseconds from ${MIN_LEASE_MS} (1 s) to ${MAX_LEASE_MS} (a day), not ${String(value)}`

/** The lease length `value` asks for (the default when `undefined`), or `InvalidInput` naming `record` and `field`. */
export const leaseLengthOf = (value: number | undefined, record: string, field: string): number => {
  const problem = leaseProblem(value)
  if (problem !== undefined) {
    throw LinkError.of(new LinkInvalidInputError({ record, field, message: `${field} ${problem}` }))
  }
  return value ?? DEFAULT_LEASE_MS
}
