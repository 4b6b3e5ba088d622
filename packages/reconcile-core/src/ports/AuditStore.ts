import { Context, Effect, Layer, Schema } from "effect"
import { Instant, Key, Label } from "../internal/storageFields.ts"
import { makeForStorage } from "../internal/storageIssues.ts"
import { checkOwner } from "./DeploymentOwner.ts"
import type { StorageError } from "./StorageError.ts"

/**
 * One recorded configuration change: who made it, when, what kind of change, and which fields it
 * touched — never their values, so a secret's change is recorded without the secret.
 *
 * @since 0.1.0
 */
export class AuditEntry extends Schema.Class<AuditEntry>("AuditEntry")({
  at: Instant,
  actor: Label,
  /** e.g. `link.create`, `link.update`, `secret.set`, `exact.connect`, `key.rotate`. */
  action: Key,
  /** The dotted paths of the fields changed, e.g. `connectwise.privateKey`, `mail.to`. */
  fields: Schema.Array(Key)
}) {}

/**
 * The audit trail of a deployment, per owner (a link id, or `"@deployment"`): append-only, listed
 * newest first.
 *
 * @example
 * ```ts
 * import { AuditStore } from "@psa-ledger/reconcile-core"
 *
 * const recent = AuditStore.use((audit) => audit.list("acme-eu", { limit: 20 }))
 * ```
 *
 * @since 0.1.0
 */
export class AuditStore extends Context.Service<
  AuditStore,
  {
    append(owner: string, entry: AuditEntry): Effect.Effect<void, StorageError>
    /** Newest first; `limit` (default 100) caps the page. */
    list(
      owner: string,
      options?: { readonly limit?: number | undefined }
    ): Effect.Effect<ReadonlyArray<AuditEntry>, StorageError>
  }
>()("@psa-ledger/reconcile-core/AuditStore") {
  /** A store held in memory, for tests and single-process scripts. */
  static readonly layerMemory: Layer.Layer<AuditStore> = Layer.sync(AuditStore, () => makeMemoryAuditStore())
}

const makeEntry = makeForStorage(AuditEntry, "AuditEntry")

/**
 * The in-memory `AuditStore`.
 *
 * @since 0.1.0
 */
export const makeMemoryAuditStore = (): AuditStore["Service"] => {
  const trails = new Map<string, Array<AuditEntry>>()
  return AuditStore.of({
    append: (owner, entry) =>
      Effect.gen(function* () {
        yield* checkOwner("AuditStore.append", owner)
        const checked = yield* makeEntry({ ...entry }, "AuditStore.append", owner)
        const trail = trails.get(owner) ?? []
        trail.push(checked)
        trails.set(owner, trail)
      }),
    list: (owner, options) =>
      Effect.map(checkOwner("AuditStore.list", owner), () =>
        [...(trails.get(owner) ?? [])].reverse().slice(0, Math.max(0, Math.trunc(options?.limit ?? 100)))
      )
  })
}
