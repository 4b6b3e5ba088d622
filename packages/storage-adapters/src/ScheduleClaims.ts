// Claims of schedule occurrences: two processes that both plan a schedule run each occurrence once.
import { encodeForStorage, LinkId, type StorageError, StorageLimits } from "@psa-ledger/reconcile-core"
import { Context, Effect, Schema } from "effect"

const Key = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(StorageLimits.key))

/**
 * One occurrence of a link's schedule: the job and the time it fell due (epoch ms).
 *
 * @since 0.1.0
 */
export const ScheduleOccurrence = Schema.Struct({
  linkId: LinkId,
  job: Key,
  dueAt: Schema.Int,
  /** Who claims it (a process), for the record. */
  holder: Key,
  claimedAt: Schema.Int
})

/** @since 0.1.0 */
export type ScheduleOccurrence = typeof ScheduleOccurrence.Type

/** How long a claim is kept after its occurrence fell due; older claims of the schedule are dropped. */
const KEEP_MS = 35 * 86_400_000

/**
 * Claims of schedule occurrences: of all the processes that plan one occurrence, exactly one claims it
 * (and runs it).
 *
 * @example
 * ```ts
 * if (await Effect.runPromise(storage.scheduleClaims.claim({ linkId, job, dueAt, holder, claimedAt: Date.now() })))
 *   await runIt()
 * ```
 *
 * @since 0.1.0
 */
export class ScheduleClaims extends Context.Service<
  ScheduleClaims,
  {
    /**
     * Claims the occurrence: `true` for the first claim of (link, job, due time), `false` for every
     * later one. Drops the schedule's claims of occurrences more than 35 days older.
     */
    claim(occurrence: ScheduleOccurrence): Effect.Effect<boolean, StorageError>
  }
>()("@psa-ledger/storage-adapters/ScheduleClaims") {}

/** @internal */
export const claimKeepMs = KEEP_MS

/** @internal: validates a claim before any adapter writes it. */
export const encodeOccurrence = encodeForStorage(ScheduleOccurrence, "ScheduleOccurrence")

/** @internal: the in-memory store. */
export const makeMemoryScheduleClaims = () => {
  const claims = new Map<string, number>()
  const scheduleClaims = ScheduleClaims.of({
    claim: (occurrence) =>
      Effect.gen(function* () {
        const o = yield* encodeOccurrence(occurrence, "ScheduleClaims.claim", occurrence.linkId)
        const prefix = `${o.linkId}\u0000${o.job}\u0000`
        for (const [key, dueAt] of claims) if (key.startsWith(prefix) && dueAt < o.dueAt - KEEP_MS) claims.delete(key)
        const key = `${prefix}${o.dueAt}`
        if (claims.has(key)) return false
        claims.set(key, o.dueAt)
        return true
      })
  })
  return scheduleClaims
}
