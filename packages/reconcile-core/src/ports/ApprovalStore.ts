import { Context, Effect, Layer, Schema } from "effect"
import { encodeForStorage } from "./StorageCodec.ts"
import type { StorageError } from "./StorageError.ts"
import { StorageLimits } from "./StorageLimits.ts"

const Key = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(StorageLimits.key))

/**
 * One approval: who approved which changes of a month for which run, each change with its values
 * before and after (as JSON), at epoch milliseconds `at`.
 *
 * @since 0.1.0
 */
export const ApprovalEntry = Schema.Struct({
  at: Schema.Int,
  actor: Key,
  action: Key,
  month: Schema.optionalKey(Key),
  runId: Schema.optionalKey(Key),
  changes: Schema.Json
})

/** @since 0.1.0 */
export type ApprovalEntry = typeof ApprovalEntry.Type

/**
 * The approval audit of a link: append-only, listed newest first.
 *
 * @example
 * ```ts
 * import { ApprovalStore } from "@psa-ledger/reconcile-core"
 *
 * const recent = ApprovalStore.use((approvals) => approvals.list("acme-eu", { limit: 20 }))
 * ```
 *
 * @since 0.1.0
 */
export class ApprovalStore extends Context.Service<
  ApprovalStore,
  {
    append(linkId: string, entry: ApprovalEntry): Effect.Effect<void, StorageError>
    /** Newest first; `limit` (default 100) caps the page. */
    list(
      linkId: string,
      options?: { readonly limit?: number | undefined }
    ): Effect.Effect<ReadonlyArray<ApprovalEntry>, StorageError>
  }
>()("@psa-ledger/reconcile-core/ApprovalStore") {
  /** A store held in memory, for tests and single-process scripts. */
  static readonly layerMemory: Layer.Layer<ApprovalStore> = Layer.sync(ApprovalStore, () => makeMemoryApprovalStore())
}

/** Validates an entry before any adapter writes it. */
export const encodeApproval = encodeForStorage(ApprovalEntry, "ApprovalEntry")

/**
 * The in-memory `ApprovalStore`.
 *
 * @since 0.1.0
 */
export const makeMemoryApprovalStore = (): ApprovalStore["Service"] => {
  const trails = new Map<string, Array<ApprovalEntry>>()
  return ApprovalStore.of({
    append: (linkId, entry) =>
      Effect.map(encodeApproval(entry, "ApprovalStore.append", linkId), (checked) => {
        const trail = trails.get(linkId) ?? []
        trail.push(checked)
        trails.set(linkId, trail)
      }),
    list: (linkId, options) =>
      Effect.sync(() =>
        [...(trails.get(linkId) ?? [])].reverse().slice(0, Math.max(0, Math.trunc(options?.limit ?? 100)))
      )
  })
}
