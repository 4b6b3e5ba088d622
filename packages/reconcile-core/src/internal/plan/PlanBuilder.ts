import type { BigDecimal } from "effect"
import {
  AddAddition,
  CancelAddition,
  ChangePlan,
  CreateAgreement,
  CreateProduct,
  Existing,
  type PlanOperation,
  RememberMapping,
  SkippedRow,
  type TargetRef,
  UpdateAdditionQuantity,
  UpdateAdditionUnitCost,
  UpdateAdditionUnitPrice
} from "../../ChangePlan.ts"
import { type KeySource, keyOf } from "../../IdempotencyKeys.ts"
import { trusted } from "../trusted.ts"
import { makeDecimals } from "./decimals.ts"

// Operations run kind by kind: records are created before the additions that use them, and
// mappings are remembered last, once their targets exist.
const rank: Record<PlanOperation["_tag"], number> = {
  CreateProduct: 0,
  CreateAgreement: 1,
  AddAddition: 2,
  UpdateAdditionQuantity: 3,
  UpdateAdditionUnitCost: 4,
  UpdateAdditionUnitPrice: 5,
  CancelAddition: 6,
  RememberMapping: 7
}

/** Makes an operation once its rows are known (it is made once, however many rows it serves). */
export type MakeOperation = (rowKeys: ReadonlyArray<string>) => PlanOperation

/**
 * An operation being collected: its key, how to build it, and the rows it serves so far (a row
 * may be listed more than once; `build` sorts them and keeps each once).
 */
export interface Entry {
  readonly key: string
  /** Builds the operation once its rows are known: an operation many rows share. */
  readonly make: MakeOperation | undefined
  /** Or the operation as its first row built it (one row's own change), serving that row. */
  readonly built: PlanOperation | undefined
  readonly rowKeys: Array<string>
}

/**
 * A `RememberMapping` the plan already has, by what its key is made of (besides the link, which
 * is the plan's): a row remembering the same link joins it without building its key text.
 */
export interface Remembered {
  readonly kind: string
  readonly productKey: string
  readonly start: string
  readonly end: string
  readonly target: TargetRef
  readonly entry: Entry
}

/**
 * Collects a plan's operations (one per idempotency key, with every row it serves) and skipped rows.
 * Many rows share an operation (a customer's mapping, a created agreement): the first row's
 * `make` is kept and later rows only add their key, so a duplicate costs a lookup, not a build.
 */
export interface PlanBuilder {
  /** The reference to an existing record (one instance per id, shared by the plan's rows). */
  readonly existing: (id: number) => Existing
  /** The plan's one instance of a decimal value and scale (see `makeDecimals`). */
  readonly decimal: (value: BigDecimal.BigDecimal) => BigDecimal.BigDecimal
  /** The key of a source many rows share (a created record), hashed once per distinct source text. */
  readonly key: (source: KeySource) => string
  /** The key of a source of one row's own change: hashed without remembering its text. */
  readonly ownKey: (source: KeySource) => string
  /** Adds the row to the operation with this key; the first time, `make` is kept to build it. */
  readonly add: (key: string, rowKey: string, make: MakeOperation) => Entry
  /**
   * Adds a row's own operation, built for that row alone (nothing kept to build it later); a
   * later row with the same key joins it.
   */
  readonly addBuilt: (key: string, rowKey: string, op: PlanOperation) => void
  /** Adds the row to an operation already collected. */
  readonly join: (entry: Entry, rowKey: string) => void
  /** The plan's `RememberMapping`s by source key (see `Remembered`). */
  readonly remembered: Map<string, Array<Remembered>>
  /** Adds an operation that was already built (by an earlier plan) for a row. */
  readonly addOperation: (op: PlanOperation, rowKey: string) => void
  readonly skip: (rowKey: string, reason: string) => void
  /** The plan: operations in kind order, then by first row key, then by key. */
  readonly build: () => ChangePlan
}

interface Sortable {
  readonly op: PlanOperation
  readonly row: string
  readonly key: string
}

// A row plans all its operations before the next row starts, so a row adding itself again finds
// itself last: that check keeps the lists short without a search. A row can still come back later
// (`addOperation` replays an earlier plan's rows), which `sortedOnce` settles.
const addRow = (entry: Entry, rowKey: string): void => {
  const { rowKeys } = entry
  if (rowKeys[rowKeys.length - 1] !== rowKey) rowKeys.push(rowKey)
}

// The rows in text order, each once, in an array of their exact length (a plan keeps it).
const sortedOnce = (rowKeys: Array<string>): Array<string> => {
  if (rowKeys.length === 1) return rowKeys
  // The default order of strings is their UTF-16 code units', as `<` compares them, without a comparator call.
  rowKeys.sort()
  const once: Array<string> = []
  for (const rowKey of rowKeys) if (once[once.length - 1] !== rowKey) once.push(rowKey)
  return once.slice()
}

// A source's key, and the entry of its operation once one was added (so adding a duplicate,
// the common case, costs the one lookup of its source text).
interface Slot {
  readonly key: string
  entry: Entry | undefined
}

export const makePlanBuilder = (linkId: string): PlanBuilder => {
  const slots = new Map<string, Slot>()
  const byKey = new Map<string, Entry>()
  const entries: Array<Entry> = []
  const refs = new Map<number, Existing>()
  const skipped: Array<SkippedRow> = []
  let last: Slot | undefined
  const add = (key: string, rowKey: string, make: MakeOperation): Entry => {
    const slot = last !== undefined && last.key === key ? last : undefined
    let entry = slot?.entry ?? byKey.get(key)
    if (entry === undefined) {
      // Most operations serve one row: a list of exactly that one.
      entry = { key, make, built: undefined, rowKeys: [rowKey] }
      byKey.set(key, entry)
      entries.push(entry)
    } else addRow(entry, rowKey)
    if (slot !== undefined) slot.entry = entry
    return entry
  }
  return {
    decimal: makeDecimals(),
    existing: (id) => {
      let ref = refs.get(id)
      if (ref === undefined) {
        ref = trusted(Existing, { id })
        refs.set(id, ref)
      }
      return ref
    },
    key: (source) => {
      let slot = slots.get(source.text)
      if (slot === undefined) {
        slot = { key: keyOf(source), entry: undefined }
        slots.set(source.text, slot)
      }
      last = slot
      return slot.key
    },
    ownKey: (source) => {
      last = undefined
      return keyOf(source)
    },
    add,
    addBuilt: (key, rowKey, op) => {
      last = undefined
      const entry = byKey.get(key)
      if (entry !== undefined) {
        addRow(entry, rowKey)
        return
      }
      const made: Entry = { key, make: undefined, built: op, rowKeys: [rowKey] }
      byKey.set(key, made)
      entries.push(made)
    },
    join: addRow,
    remembered: new Map(),
    addOperation: (op, rowKey) => {
      add(op.idempotencyKey, rowKey, (rowKeys) => withRowKeys(op, rowKeys))
    },
    skip: (rowKey, reason) => {
      skipped.push(trusted(SkippedRow, { rowKey, reason }))
    },
    build: () => {
      // One bucket per kind (their order is the plan's), each sorted by first row key, then key.
      const buckets: Array<Array<Sortable>> = [[], [], [], [], [], [], [], []]
      for (const entry of entries) {
        const op = operationOf(entry)
        ;(buckets[rank[op._tag]] as Array<Sortable>).push({ op, row: op.rowKeys[0] ?? "", key: op.idempotencyKey })
      }
      const ops: Array<PlanOperation> = []
      for (const bucket of buckets) {
        bucket.sort((a, b) => (a.row < b.row ? -1 : a.row > b.row ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
        for (const { op } of bucket) ops.push(op)
      }
      return trusted(ChangePlan, { linkId, operations: ops, skipped })
    }
  }
}

// An entry's operation with its rows: a built one as it is while it serves only its own row.
const operationOf = ({ make, built, rowKeys }: Entry): PlanOperation => {
  if (make !== undefined) return make(sortedOnce(rowKeys))
  const op = built as PlanOperation
  return rowKeys.length === 1 ? op : withRowKeys(op, sortedOnce(rowKeys))
}

const classes = {
  CreateProduct,
  CreateAgreement,
  AddAddition,
  UpdateAdditionQuantity,
  UpdateAdditionUnitCost,
  UpdateAdditionUnitPrice,
  CancelAddition,
  RememberMapping
} as const

// An operation of an earlier plan serving other rows: the same fields, validated when first built.
const withRowKeys = (op: PlanOperation, rowKeys: ReadonlyArray<string>): PlanOperation =>
  trusted(classes[op._tag] as typeof AddAddition, { ...(op as AddAddition), rowKeys })
