// Each month's newest load, shared by every process on the storage: a request on any process serves
// the grid another process loaded.
import { encodeForStorage, LinkId, type StorageError, StorageLimits } from "@psa-ledger/reconcile-core"
import { Context, Effect, Option, Schema } from "effect"

const Key = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(StorageLimits.key))
const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/**
 * A loaded month without its document: which load it is, when and by whom, and how many rows it has.
 * A process compares `loadId` with the load it holds to notice a newer one.
 *
 * @since 0.1.0
 */
export const LoadedMonthHead = Schema.Struct({
  linkId: LinkId,
  month: Key,
  /** Unique per load: a new load of the month replaces the record with a new id. */
  loadId: Key,
  loadedAt: Schema.Int,
  loadedBy: Key,
  rows: Count
})

/** @since 0.1.0 */
export type LoadedMonthHead = typeof LoadedMonthHead.Type

/**
 * A loaded month as stored: its head and the whole loaded month as JSON (encoded by its host with
 * the month's Schemas, so decimals are strings). Durable adapters keep the document compressed.
 *
 * @since 0.1.0
 */
export const LoadedMonthRecord = Schema.Struct({ ...LoadedMonthHead.fields, document: Schema.Json })

/** @since 0.1.0 */
export type LoadedMonthRecord = typeof LoadedMonthRecord.Type

/**
 * The newest load of each link's months, shared by every process on the storage.
 *
 * @example
 * ```ts
 * const head = await Effect.runPromise(storage.loadedMonths.head("acme", "2026-11"))
 * if (Option.isSome(head) && head.value.loadId !== cached.loadId) reload()
 * ```
 *
 * @since 0.1.0
 */
export class LoadedMonthStore extends Context.Service<
  LoadedMonthStore,
  {
    /** The month's newest load without its document (one small read). */
    head(linkId: string, month: string): Effect.Effect<Option.Option<LoadedMonthHead>, StorageError>
    /** The month's newest load with its document. */
    get(linkId: string, month: string): Effect.Effect<Option.Option<LoadedMonthRecord>, StorageError>
    /** Replaces the month's load with this one. */
    put(record: LoadedMonthRecord): Effect.Effect<LoadedMonthHead, StorageError>
    /** Forgets the link's loads (of one month, or all); resolves with how many. */
    remove(linkId: string, month?: string): Effect.Effect<number, StorageError>
  }
>()("@psa-ledger/storage-adapters/LoadedMonthStore") {}

/** @internal: validates a loaded month before any adapter writes it. */
export const encodeLoadedMonth = encodeForStorage(LoadedMonthRecord, "LoadedMonthRecord")

const headOf = (record: LoadedMonthRecord): LoadedMonthHead => {
  const { document: _, ...head } = record
  return head
}

/** @internal: the in-memory store (documents copied in and out, as a durable adapter would). */
export const makeMemoryLoadedMonthStore = () => {
  const months = new Map<string, string>()
  const heads = new Map<string, LoadedMonthHead>()
  const k = (linkId: string, month: string) => `${linkId}\u0000${month}`
  const loadedMonths = LoadedMonthStore.of({
    head: (linkId, month) => Effect.sync(() => Option.fromNullishOr(heads.get(k(linkId, month)))),
    get: (linkId, month) =>
      Effect.sync(() => {
        const head = heads.get(k(linkId, month))
        const text = months.get(k(linkId, month))
        return head === undefined || text === undefined
          ? Option.none()
          : Option.some({ ...head, document: JSON.parse(text) as Schema.Json })
      }),
    put: (record) =>
      Effect.gen(function* () {
        const valid = yield* encodeLoadedMonth(record, "LoadedMonthStore.put", record.linkId)
        const head = headOf(valid)
        months.set(k(valid.linkId, valid.month), JSON.stringify(valid.document))
        heads.set(k(valid.linkId, valid.month), head)
        return head
      }),
    remove: (linkId, month) =>
      Effect.sync(() => {
        let removed = 0
        for (const head of [...heads.values()]) {
          if (head.linkId !== linkId || (month !== undefined && head.month !== month)) continue
          heads.delete(k(head.linkId, head.month))
          months.delete(k(head.linkId, head.month))
          removed++
        }
        return removed
      })
  })
  return loadedMonths
}
