import { Context, Effect, Layer, Option, Schema } from "effect"
import { Instant, Label } from "../internal/storageFields.ts"
import { makeForStorage } from "../internal/storageIssues.ts"
import { LinkId, validateLinkId } from "./StorageCodec.ts"
import { StorageConflictError, StorageError } from "./StorageError.ts"

/**
 * A link as stored: one configured pair of a ConnectWise site/company and an Exact Online
 * division. `settings` is the encoded `LinkSettings` (plus whatever the host keeps with it); the
 * link layer decodes it, so the store stays independent of the settings' version. Secrets are
 * never part of it: tokens live in their own encrypted store, API keys with the host.
 *
 * @since 0.1.0
 */
export class LinkRecord extends Schema.Class<LinkRecord>("LinkRecord")({
  /** The user's name for the link, by the one rule of `LinkId`. */
  id: LinkId,
  name: Label,
  settings: Schema.Json,
  /** Incremented by every `put`; pass the version you read to detect a concurrent edit. */
  version: Schema.Int,
  updatedAt: Instant
}) {}

/**
 * The configured links of a deployment.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LinkStore } from "@psa-ledger/reconcile-core"
 *
 * const names = Effect.gen(function*() {
 *   const links = yield* LinkStore
 *   return (yield* links.list()).map((link) => link.name)
 * })
 * ```
 *
 * @since 0.1.0
 */
export class LinkStore extends Context.Service<
  LinkStore,
  {
    get(linkId: string): Effect.Effect<Option.Option<LinkRecord>, StorageError>
    /** Every link, ordered by id. */
    list(): Effect.Effect<ReadonlyArray<LinkRecord>, StorageError>
    /**
     * Saves the link with `version` + 1 and returns the stored record. With `expectedVersion`
     * (0 for "must not exist yet") a concurrent edit is a `Conflict` rather than a lost update.
     */
    put(
      link: Omit<LinkRecord, "version">,
      options?: { readonly expectedVersion?: number | undefined }
    ): Effect.Effect<LinkRecord, StorageError>
    /** Removes the link; `true` when it existed. Its mappings, runs and ledger are kept. */
    remove(linkId: string): Effect.Effect<boolean, StorageError>
  }
>()("@psa-ledger/reconcile-core/LinkStore") {
  /** A store held in memory, for tests and single-process scripts. */
  static readonly layerMemory: Layer.Layer<LinkStore> = Layer.sync(LinkStore, () => makeMemoryLinkStore())
}

const makeRecord = makeForStorage(LinkRecord, "LinkRecord")

/**
 * The in-memory `LinkStore`.
 *
 * @since 0.1.0
 */
export const makeMemoryLinkStore = (): LinkStore["Service"] => {
  const links = new Map<string, LinkRecord>()
  return guardLinkIds({
    get: (linkId) => Effect.sync(() => Option.fromNullishOr(links.get(linkId))),
    list: () => Effect.sync(() => [...links.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))),
    put: (link, options) =>
      Effect.gen(function* () {
        const current = links.get(link.id)?.version ?? 0
        if (options?.expectedVersion !== undefined && options.expectedVersion !== current) {
          return yield* new StorageError({
            operation: "LinkStore.put",
            linkId: link.id,
            reason: new StorageConflictError({
              record: `LinkRecord ${link.id}`,
              message: `expected version ${options.expectedVersion}, found ${current}`
            })
          })
        }
        const next = yield* makeRecord({ ...link, version: current + 1 }, "LinkStore.put", link.id)
        links.set(link.id, next)
        return next
      }),
    remove: (linkId) => Effect.sync(() => links.delete(linkId))
  })
}

/**
 * Wraps a `LinkStore` so that `get`, `put` and `remove` refuse a malformed link id (see
 * `validateLinkId`) with the same `InvalidInput` reason as every link-scoped store, before the store
 * is touched. Every adapter applies it.
 *
 * @since 0.1.0
 */
export const guardLinkIds = (store: LinkStore["Service"]): LinkStore["Service"] => {
  const refuse = (operation: string, linkId: unknown) => {
    const refused = validateLinkId("LinkStore", linkId)
    return refused === undefined ? undefined : Effect.fail(new StorageError({ operation, reason: refused }))
  }
  return LinkStore.of({
    get: (linkId) => refuse("LinkStore.get", linkId) ?? store.get(linkId),
    list: () => store.list(),
    put: (link, options) => refuse("LinkStore.put", link.id) ?? store.put(link, options),
    remove: (linkId) => refuse("LinkStore.remove", linkId) ?? store.remove(linkId)
  })
}
