import { Context, Effect, Layer, Option } from "effect"
import { Exclusion, type ExclusionKind, type ExclusionRef, exclusionId } from "../Exclusion.ts"
import { encodeForStorage, scopedByLink } from "./StorageCodec.ts"
import { StorageError, StorageInvalidInputError } from "./StorageError.ts"
import { StorageLimits } from "./StorageLimits.ts"

/**
 * The remembered exclusions of each link ("ignore this product / customer for good"). Every method
 * is scoped by link id: no call can read or write another link's exclusions.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ExclusionStore } from "@psa-ledger/reconcile-core"
 *
 * const products = Effect.gen(function*() {
 *   const store = yield* ExclusionStore
 *   return yield* store.list("link-1", { kind: "product" })
 * }).pipe(Effect.provide(ExclusionStore.layerMemory))
 * ```
 *
 * @since 0.1.0
 */
export class ExclusionStore extends Context.Service<
  ExclusionStore,
  {
    /** Every exclusion of the link, optionally of one kind, in a stable order (kind, key). */
    list(
      linkId: string,
      options?: { readonly kind?: ExclusionKind | undefined }
    ): Effect.Effect<ReadonlyArray<Exclusion>, StorageError>
    get(linkId: string, ref: ExclusionRef): Effect.Effect<Option.Option<Exclusion>, StorageError>
    /** Inserts or replaces (by kind and key) in one atomic write. */
    upsert(linkId: string, exclusions: ReadonlyArray<Exclusion>): Effect.Effect<void, StorageError>
    /** Removes one exclusion; `true` when it existed. */
    remove(linkId: string, ref: ExclusionRef): Effect.Effect<boolean, StorageError>
  }
>()("@psa-ledger/reconcile-core/ExclusionStore") {
  /** A store held in memory, for tests and single-process scripts. */
  static readonly layerMemory: Layer.Layer<ExclusionStore> = Layer.sync(ExclusionStore, () =>
    makeMemoryExclusionStore()
  )
}

const validate = encodeForStorage(Exclusion, "Exclusion")

/**
 * Checks an exclusion's identity (a known kind, a key of 1 to 512 characters), failing with an
 * `InvalidInput` reason naming the field, before any store is touched. Every adapter checks through it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { checkExclusionRef } from "@psa-ledger/reconcile-core"
 *
 * // fails: StorageError InvalidInput, field "key"
 * Effect.runSync(Effect.flip(checkExclusionRef({ kind: "product", key: "" }, "ExclusionStore.get", "link-1")))
 * ```
 *
 * @since 0.1.0
 */
export const checkExclusionRef = (
  ref: ExclusionRef,
  operation: string,
  linkId?: string
): Effect.Effect<void, StorageError> => {
  const refuse = (field: string, message: string) =>
    Effect.fail(
      new StorageError({
        operation,
        ...(linkId === undefined ? {} : { linkId }),
        reason: new StorageInvalidInputError({ record: "Exclusion", field, message })
      })
    )
  const kind: unknown = ref.kind
  if (kind !== "product" && kind !== "customer") {
    return refuse("kind", `expected "product" or "customer", got ${JSON.stringify(kind) ?? String(kind)}`)
  }
  if (typeof ref.key !== "string" || ref.key.length === 0) return refuse("key", "expected a non-empty key")
  if (ref.key.length > StorageLimits.key) return refuse("key", `longer than ${StorageLimits.key} characters`)
  return Effect.void
}

/**
 * The in-memory `ExclusionStore`.
 *
 * @since 0.1.0
 */
export const makeMemoryExclusionStore = (): ExclusionStore["Service"] => {
  const links = new Map<string, Map<string, Exclusion>>()
  const of = (linkId: string) => {
    let exclusions = links.get(linkId)
    if (exclusions === undefined) {
      exclusions = new Map()
      links.set(linkId, exclusions)
    }
    return exclusions
  }
  return ExclusionStore.of(
    scopedByLink("ExclusionStore", {
      list: (linkId, options) =>
        Effect.sync(() =>
          [...of(linkId).entries()]
            .filter(([, exclusion]) => options?.kind === undefined || exclusion.kind === options.kind)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([, exclusion]) => exclusion)
        ),
      get: (linkId, ref) =>
        checkExclusionRef(ref, "ExclusionStore.get", linkId).pipe(
          Effect.map(() => Option.fromNullishOr(of(linkId).get(exclusionId(ref))))
        ),
      upsert: (linkId, exclusions) =>
        Effect.gen(function* () {
          for (const exclusion of exclusions) yield* validate(exclusion, "ExclusionStore.upsert", linkId)
          const target = of(linkId)
          for (const exclusion of exclusions) target.set(exclusionId(exclusion), exclusion)
        }),
      remove: (linkId, ref) =>
        checkExclusionRef(ref, "ExclusionStore.remove", linkId).pipe(
          Effect.map(() => of(linkId).delete(exclusionId(ref)))
        )
    })
  )
}
