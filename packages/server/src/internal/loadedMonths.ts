// A loaded month is shared by every server process on the deployment's storage: the process that
// loads it stores it (encoded with its Schemas, so decimals stay strings; the adapter compresses
// it), and any process serves it, reading it once and keeping it while it is the month's newest
// load. Each request asks the storage for the month's load id (one small read), so a newer load by
// another process is noticed at once.
import type { LoadedMonth } from "@psa-ledger/link"
import {
  decodeFromStorage,
  Exclusion,
  InvoiceLine,
  Mapping,
  PsaSnapshot,
  ReconciliationRow
} from "@psa-ledger/reconcile-core"
import { Option, Schema } from "effect"
import type { ServerContext } from "./context.ts"
import { store } from "./session.ts"

/**
 * A `LoadedMonth` as JSON. `diffOptions.creating` is never set by a load, so it is not kept. Its
 * exclusions and excluded lines are kept, so a month served by another process is the one loaded.
 */
const LoadedMonthJson = Schema.toCodecJson(
  Schema.Struct({
    month: Schema.String,
    rows: Schema.Array(ReconciliationRow),
    snapshot: PsaSnapshot,
    lines: Schema.Array(InvoiceLine),
    mappings: Schema.Array(Mapping),
    diffOptions: Schema.Struct({
      source: Schema.optionalKey(Schema.Literals(["sales", "purchase", "csv"])),
      earlierRows: Schema.optionalKey(Schema.Array(ReconciliationRow)),
      supplierProductIds: Schema.optionalKey(Schema.Array(Schema.Int))
    }),
    // The exclusions at the load and the lines they covered (absent in loads stored before them).
    exclusions: Schema.optionalKey(Schema.Array(Exclusion)),
    excluded: Schema.optionalKey(
      Schema.Array(Schema.Struct({ lineId: Schema.String, rowKey: Schema.String, exclusion: Exclusion }))
    )
  })
)

const decode = decodeFromStorage(LoadedMonthJson, "LoadedMonth")

/** The loaded month as the JSON document stored. */
export const encodeLoadedMonth = (grid: LoadedMonth): Schema.Json => {
  const { source, earlierRows, supplierProductIds } = grid.diffOptions
  const { exclusions, excluded } = grid
  return Schema.encodeSync(LoadedMonthJson)({
    month: grid.month,
    rows: grid.rows,
    snapshot: grid.snapshot,
    lines: grid.lines,
    mappings: grid.mappings,
    diffOptions: {
      ...(source === undefined ? {} : { source }),
      ...(earlierRows === undefined ? {} : { earlierRows }),
      ...(supplierProductIds === undefined ? {} : { supplierProductIds: [...supplierProductIds] })
    },
    ...(exclusions === undefined ? {} : { exclusions }),
    ...(excluded === undefined ? {} : { excluded })
  }) as Schema.Json
}

/** A stored document back as a `LoadedMonth`; one this release cannot read is a `Corrupt` storage error. */
export const decodeLoadedMonth = async (document: unknown, linkId: string): Promise<LoadedMonth> => {
  const m = await store(decode(document, "LoadedMonthStore.get", linkId))
  const { source, earlierRows, supplierProductIds } = m.diffOptions
  return {
    month: m.month,
    rows: [...m.rows],
    snapshot: m.snapshot,
    lines: [...m.lines],
    mappings: m.mappings,
    diffOptions: {
      ...(source === undefined ? {} : { source }),
      ...(earlierRows === undefined ? {} : { earlierRows }),
      ...(supplierProductIds === undefined ? {} : { supplierProductIds })
    },
    ...(m.exclusions === undefined ? {} : { exclusions: m.exclusions }),
    ...(m.excluded === undefined ? {} : { excluded: m.excluded })
  }
}

const keyOf = (linkId: string, month: string) => `${linkId} ${month}`

/** Stores a month this process loaded as the month's newest load, and keeps it here. */
export const saveLoadedMonth = async (
  ctx: ServerContext,
  linkId: string,
  grid: LoadedMonth,
  by: string
): Promise<void> => {
  const loadId = crypto.randomUUID()
  await store(
    ctx.storage.loadedMonths.put({
      linkId,
      month: grid.month,
      loadId,
      loadedAt: ctx.now(),
      loadedBy: by,
      rows: grid.rows.length,
      document: encodeLoadedMonth(grid)
    })
  )
  ctx.loaded.set(keyOf(linkId, grid.month), { loadId, grid: Promise.resolve(grid) })
}

/** The month's newest load (`undefined`: never loaded), from this process's copy while it is current. */
export const loadedMonthOf = async (
  ctx: ServerContext,
  linkId: string,
  month: string
): Promise<LoadedMonth | undefined> => {
  const head = await store(ctx.storage.loadedMonths.head(linkId, month))
  const key = keyOf(linkId, month)
  if (Option.isNone(head)) {
    ctx.loaded.delete(key)
    return undefined
  }
  const cached = ctx.loaded.get(key)
  if (cached?.loadId === head.value.loadId) return cached.grid
  // One read per load however many requests ask at once; keyed by the load actually read.
  const entry: { loadId: string; grid: Promise<LoadedMonth | undefined> } = {
    loadId: head.value.loadId,
    grid: store(ctx.storage.loadedMonths.get(linkId, month)).then(async (found) => {
      if (Option.isNone(found)) return undefined
      entry.loadId = found.value.loadId
      return decodeLoadedMonth(found.value.document, linkId)
    })
  }
  ctx.loaded.set(key, entry)
  try {
    return await entry.grid
  } catch (error) {
    if (ctx.loaded.get(key) === entry) ctx.loaded.delete(key)
    throw error
  }
}
