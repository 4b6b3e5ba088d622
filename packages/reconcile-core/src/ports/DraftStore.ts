import { Context, Effect, Layer, Option, Schema } from "effect"
import { encodeForStorage, LinkId } from "./StorageCodec.ts"
import type { StorageError } from "./StorageError.ts"
import { StorageLimits } from "./StorageLimits.ts"
import { versionConflict } from "./UserStore.ts"

const Key = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(StorageLimits.key))

/**
 * The decisions a user is making on a loaded month, saved as they work: the row decisions by row
 * key (as JSON), with a version so two people editing at once get a conflict, not a lost edit.
 *
 * @since 0.1.0
 */
export const DraftRecord = Schema.Struct({
  linkId: LinkId,
  month: Key,
  decisions: Schema.Json,
  version: Schema.Int,
  updatedBy: Key,
  updatedAt: Schema.Int
})

/** @since 0.1.0 */
export type DraftRecord = typeof DraftRecord.Type

/**
 * Draft decisions per link and month.
 *
 * @example
 * ```ts
 * import { DraftStore } from "@psa-ledger/reconcile-core"
 *
 * const draft = DraftStore.use((drafts) => drafts.get("acme-eu", "2026-03"))
 * ```
 *
 * @since 0.1.0
 */
export class DraftStore extends Context.Service<
  DraftStore,
  {
    get(linkId: string, month: string): Effect.Effect<Option.Option<DraftRecord>, StorageError>
    /** Saves with `version` + 1; a stale `expectedVersion` (0: must not exist) is a `Conflict`. */
    put(
      draft: Omit<DraftRecord, "version">,
      options: { readonly expectedVersion: number }
    ): Effect.Effect<DraftRecord, StorageError>
    remove(linkId: string, month: string): Effect.Effect<boolean, StorageError>
  }
>()("@psa-ledger/reconcile-core/DraftStore") {
  /** A store held in memory, for tests and single-process scripts. */
  static readonly layerMemory: Layer.Layer<DraftStore> = Layer.sync(DraftStore, () => makeMemoryDraftStore())
}

/** Validates a draft before any adapter writes it. */
export const encodeDraft = encodeForStorage(DraftRecord, "DraftRecord")

/**
 * The in-memory `DraftStore`.
 *
 * @since 0.1.0
 */
export const makeMemoryDraftStore = (): DraftStore["Service"] => {
  const drafts = new Map<string, DraftRecord>()
  const k = (linkId: string, month: string) => `${linkId}\u0000${month}`
  return DraftStore.of({
    get: (linkId, month) => Effect.sync(() => Option.fromNullishOr(drafts.get(k(linkId, month)))),
    put: (draft, { expectedVersion }) =>
      Effect.gen(function* () {
        const operation = "DraftStore.put"
        const current = drafts.get(k(draft.linkId, draft.month))?.version ?? 0
        if (expectedVersion !== current) {
          return yield* versionConflict(
            operation,
            `DraftRecord ${draft.linkId} ${draft.month}`,
            expectedVersion,
            current
          )
        }
        const next = yield* encodeDraft({ ...draft, version: current + 1 }, operation, draft.linkId)
        drafts.set(k(draft.linkId, draft.month), next)
        return next
      }),
    remove: (linkId, month) => Effect.sync(() => drafts.delete(k(linkId, month)))
  })
}
