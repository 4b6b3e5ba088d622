import { Context, Effect, Layer, Option } from "effect"
import { Mapping, type MappingKind, type MappingRef, mappingId } from "../Mapping.ts"
import { encodeForStorage, scopedByLink } from "./StorageCodec.ts"
import type { StorageError } from "./StorageError.ts"

/**
 * The remembered mappings of each link. Every method is scoped by link id: no call can read or
 * write another link's mappings.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { MappingStore } from "@psa-ledger/reconcile-core"
 *
 * const customers = Effect.gen(function*() {
 *   const store = yield* MappingStore
 *   return yield* store.list("link-1", { kind: "customer" })
 * }).pipe(Effect.provide(MappingStore.layerMemory))
 * ```
 *
 * @since 0.1.0
 */
export class MappingStore extends Context.Service<
  MappingStore,
  {
    /** Every mapping of the link, optionally of one kind, in a stable order (kind, source key, product key). */
    list(
      linkId: string,
      options?: { readonly kind?: MappingKind | undefined }
    ): Effect.Effect<ReadonlyArray<Mapping>, StorageError>
    get(linkId: string, ref: MappingRef): Effect.Effect<Option.Option<Mapping>, StorageError>
    /** Inserts or replaces (by kind, source key and product key) in one atomic write. */
    upsert(linkId: string, mappings: ReadonlyArray<Mapping>): Effect.Effect<void, StorageError>
    /** Removes one mapping; `true` when it existed. */
    remove(linkId: string, ref: MappingRef): Effect.Effect<boolean, StorageError>
  }
>()("@psa-ledger/reconcile-core/MappingStore") {
  /** A store held in memory, for tests and single-process scripts. */
  static readonly layerMemory: Layer.Layer<MappingStore> = Layer.sync(MappingStore, () => makeMemoryMappingStore())
}

const validate = encodeForStorage(Mapping, "Mapping")

/**
 * The in-memory `MappingStore`.
 *
 * @since 0.1.0
 */
export const makeMemoryMappingStore = (): MappingStore["Service"] => {
  const links = new Map<string, Map<string, Mapping>>()
  const of = (linkId: string) => {
    let mappings = links.get(linkId)
    if (mappings === undefined) {
      mappings = new Map()
      links.set(linkId, mappings)
    }
    return mappings
  }
  return MappingStore.of(
    scopedByLink("MappingStore", {
      list: (linkId, options) =>
        Effect.sync(() =>
          [...of(linkId).entries()]
            .filter(([, mapping]) => options?.kind === undefined || mapping.kind === options.kind)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([, mapping]) => mapping)
        ),
      get: (linkId, ref) => Effect.sync(() => Option.fromNullishOr(of(linkId).get(mappingId(ref)))),
      upsert: (linkId, mappings) =>
        Effect.gen(function* () {
          for (const mapping of mappings) yield* validate(mapping, "MappingStore.upsert", linkId)
          const target = of(linkId)
          for (const mapping of mappings) target.set(mappingId(mapping), mapping)
        }),
      remove: (linkId, ref) => Effect.sync(() => of(linkId).delete(mappingId(ref)))
    })
  )
}
