import { Mapping, type MappingKind, type MappingRef, type ReconciliationRow } from "@psa-ledger/reconcile-core"
import { DateTime, Effect } from "effect"
import { fromPort, promiseFace } from "../internal/bridge.ts"
import type { LinkApi } from "../Link.ts"
import { LinkError, LinkInvalidInputError } from "../LinkError.ts"
import type { LinkContext } from "./context.ts"

/** The link's remembered links (mappings) as Effects: list, confirm a suggestion, set by hand, forget. */
export const mappingEffects = (ctx: LinkContext) => {
  const { linkId } = ctx
  const { storage } = ctx.options
  const set = Effect.fn("link.mappings.set")(function* (
    ref: MappingRef,
    targetId: number,
    setOptions: { readonly by?: string | undefined; readonly method?: Mapping["method"] | undefined } = {}
  ): Effect.fn.Return<Mapping, LinkError> {
    const mapping = new Mapping({
      kind: ref.kind,
      sourceKey: ref.sourceKey,
      ...(ref.productKey === undefined ? {} : { productKey: ref.productKey }),
      targetId,
      method: setOptions.method ?? "manual",
      decidedBy: setOptions.by ?? ctx.actor,
      decidedAt: DateTime.makeUnsafe(ctx.clock())
    })
    yield* fromPort("MappingStore.upsert", storage.mappings.upsert(linkId, [mapping]))
    return mapping
  })
  return {
    list: Effect.fn("link.mappings.list")(function* (listOptions?: { readonly kind?: MappingKind | undefined }) {
      return yield* fromPort("MappingStore.list", storage.mappings.list(linkId, listOptions))
    }),
    confirm: Effect.fn("link.mappings.confirm")(function* (
      row: ReconciliationRow,
      side: "customer" | "product",
      confirmOptions: { readonly targetId?: number | undefined; readonly by?: string | undefined } = {}
    ): Effect.fn.Return<Mapping, LinkError> {
      const resolution = side === "customer" ? row.customerResolution : row.productResolution
      const candidates =
        resolution._tag === "Suggested"
          ? resolution.candidates.map((candidate) => candidate.targetId)
          : resolution._tag === "Ambiguous"
            ? resolution.candidateIds
            : []
      const targetId = confirmOptions.targetId ?? candidates[0]
      const sourceKey = side === "customer" ? row.customer.key : row.product.key
      if (targetId === undefined || sourceKey === "") {
        return yield* LinkError.of(
          new LinkInvalidInputError({
            record: `row ${row.key}`,
            field: side,
            message: `there is no suggestion to confirm (${resolution._tag})`
          })
        )
      }
      return yield* set({ kind: side, sourceKey }, targetId, {
        by: confirmOptions.by,
        method: candidates.includes(targetId) ? "confirmed-suggestion" : "manual"
      })
    }),
    set,
    remove: Effect.fn("link.mappings.remove")(function* (ref: MappingRef) {
      return yield* fromPort("MappingStore.remove", storage.mappings.remove(linkId, ref))
    })
  }
}

/** The promise face of {@link mappingEffects}. */
export const makeMappings = (ctx: LinkContext): LinkApi["mappings"] => promiseFace("mappings", mappingEffects(ctx))
