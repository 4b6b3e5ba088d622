import { Mapping } from "@psa-ledger/reconcile-core"
import { DateTime } from "effect"
import { runPort } from "../internal/bridge.ts"
import type { LinkApi } from "../Link.ts"
import { LinkError, LinkInvalidInputError } from "../LinkError.ts"
import type { LinkContext } from "./context.ts"

/** The link's remembered links (mappings): list, confirm a suggestion, set by hand, forget. */
export const makeMappings = (ctx: LinkContext): LinkApi["mappings"] => {
  const { linkId } = ctx
  const { storage } = ctx.options
  const mappings: LinkApi["mappings"] = {
    list: (listOptions) => runPort("MappingStore.list", storage.mappings.list(linkId, listOptions)),
    confirm: async (row, side, confirmOptions = {}) => {
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
        throw LinkError.of(
          new LinkInvalidInputError({
            record: `row ${row.key}`,
            field: side,
            message: `there is no suggestion to confirm (${resolution._tag})`
          })
        )
      }
      return mappings.set({ kind: side, sourceKey }, targetId, {
        by: confirmOptions.by,
        method: candidates.includes(targetId) ? "confirmed-suggestion" : "manual"
      })
    },
    set: async (ref, targetId, setOptions = {}) => {
      const mapping = new Mapping({
        kind: ref.kind,
        sourceKey: ref.sourceKey,
        ...(ref.productKey === undefined ? {} : { productKey: ref.productKey }),
        targetId,
        method: setOptions.method ?? "manual",
        decidedBy: setOptions.by ?? ctx.actor,
        decidedAt: DateTime.makeUnsafe(ctx.clock())
      })
      await runPort("MappingStore.upsert", storage.mappings.upsert(linkId, [mapping]))
      return mapping
    },
    remove: (ref) => runPort("MappingStore.remove", storage.mappings.remove(linkId, ref))
  }
  return mappings
}
