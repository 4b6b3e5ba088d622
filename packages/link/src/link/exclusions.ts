import { Exclusion, type ExclusionKind, type ExclusionRef, type ExclusionStore } from "@psa-ledger/reconcile-core"
import { DateTime, Effect } from "effect"
import { fromPort, promiseFace } from "../internal/bridge.ts"
import type { LinkApi } from "../Link.ts"
import { LinkError, LinkInvalidInputError } from "../LinkError.ts"
import type { LinkContext } from "./context.ts"

const refuse = (field: string, message: string) =>
  Effect.fail(LinkError.of(new LinkInvalidInputError({ record: "Exclusion", field, message })))

/** Refuses an unknown kind or an empty key (or reason), naming the field, before the store is touched. */
const checkRef = Effect.fn("link.exclusions.checkRef")(function* (ref: ExclusionRef) {
  const kind: unknown = ref?.kind
  if (kind !== "product" && kind !== "customer") {
    return yield* refuse("kind", `expected "product" or "customer", got ${JSON.stringify(kind) ?? String(kind)}`)
  }
  if (typeof ref.key !== "string" || ref.key.trim() === "") {
    return yield* refuse("key", "expected the line's Exact product key or customer key, not an empty text")
  }
})

/**
 * The link's remembered exclusions as Effects: list them, remember one ("ignore this product /
 * customer for good"), forget one. The promise API below is derived from these.
 */
export const exclusionEffects = (ctx: LinkContext, store: ExclusionStore["Service"] | undefined) => {
  const { linkId } = ctx
  const needStore = (): Effect.Effect<ExclusionStore["Service"], LinkError> =>
    store === undefined
      ? refuse("storage.exclusions", "this link's storage keeps no exclusions (a Storage has them)")
      : Effect.succeed(store)
  return {
    list: Effect.fn("link.exclusions.list")(function* (options?: { readonly kind?: ExclusionKind | undefined }) {
      if (store === undefined) return [] as ReadonlyArray<Exclusion>
      if (options?.kind !== undefined) yield* checkRef({ kind: options.kind, key: "-" })
      return yield* fromPort("ExclusionStore.list", store.list(linkId, options))
    }),
    remember: Effect.fn("link.exclusions.remember")(function* (
      ref: ExclusionRef,
      options: { readonly reason: string; readonly label?: string | undefined; readonly by?: string | undefined }
    ) {
      yield* checkRef(ref)
      if (typeof options?.reason !== "string" || options.reason.trim() === "") {
        return yield* refuse("reason", "say why these lines are excluded")
      }
      const target = yield* needStore()
      const exclusion = new Exclusion({
        kind: ref.kind,
        key: ref.key,
        reason: options.reason.trim(),
        ...(options.label === undefined || options.label.trim() === "" ? {} : { label: options.label.trim() }),
        createdAt: DateTime.makeUnsafe(ctx.clock()),
        createdBy: options.by ?? ctx.actor
      })
      yield* fromPort("ExclusionStore.upsert", target.upsert(linkId, [exclusion]))
      return exclusion
    }),
    forget: Effect.fn("link.exclusions.forget")(function* (ref: ExclusionRef) {
      yield* checkRef(ref)
      if (store === undefined) return false
      return yield* fromPort("ExclusionStore.remove", store.remove(linkId, ref))
    })
  }
}

/** The link's remembered exclusions: list, remember, forget (the promise face of `exclusionEffects`). */
export const makeExclusions = (ctx: LinkContext): LinkApi["exclusions"] =>
  promiseFace("exclusions", exclusionEffects(ctx, ctx.options.storage.exclusions))
