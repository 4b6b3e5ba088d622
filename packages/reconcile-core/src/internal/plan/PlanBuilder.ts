import {
  AddAddition,
  CancelAddition,
  ChangePlan,
  CreateAgreement,
  CreateProduct,
  type PlanOperation,
  RememberMapping,
  SkippedRow,
  UpdateAdditionQuantity,
  UpdateAdditionUnitCost,
  UpdateAdditionUnitPrice
} from "../../ChangePlan.ts"

// Operations run kind by kind: records are created before the additions that use them, and
// mappings are remembered last, once their targets exist.
const order: ReadonlyArray<PlanOperation["_tag"]> = [
  "CreateProduct",
  "CreateAgreement",
  "AddAddition",
  "UpdateAdditionQuantity",
  "UpdateAdditionUnitCost",
  "UpdateAdditionUnitPrice",
  "CancelAddition",
  "RememberMapping"
]

/** Collects a plan's operations (one per idempotency key, with every row it serves) and skipped rows. */
export interface PlanBuilder {
  /** Adds an operation for a row; a second operation with the same key only adds the row to the first. */
  readonly add: (op: PlanOperation, rowKey: string) => void
  readonly skip: (rowKey: string, reason: string) => void
  /** The plan: operations in kind order, then by first row key, then by key. */
  readonly build: () => ChangePlan
}

export const makePlanBuilder = (linkId: string): PlanBuilder => {
  const operations = new Map<string, PlanOperation>()
  const rowKeysOf = new Map<string, Set<string>>()
  const skipped: Array<SkippedRow> = []
  return {
    add: (op, rowKey) => {
      if (!operations.has(op.idempotencyKey)) operations.set(op.idempotencyKey, op)
      let keys = rowKeysOf.get(op.idempotencyKey)
      if (keys === undefined) {
        keys = new Set()
        rowKeysOf.set(op.idempotencyKey, keys)
      }
      keys.add(rowKey)
    },
    skip: (rowKey, reason) => {
      skipped.push(new SkippedRow({ rowKey, reason }))
    },
    build: () => {
      const ops = [...operations.values()].map((op) => {
        const rowKeys = [...(rowKeysOf.get(op.idempotencyKey) ?? [])].sort()
        return { ...op, rowKeys } as PlanOperation
      })
      ops.sort(
        (a, b) =>
          order.indexOf(a._tag) - order.indexOf(b._tag) ||
          compareText(a.rowKeys[0] ?? "", b.rowKeys[0] ?? "") ||
          compareText(a.idempotencyKey, b.idempotencyKey)
      )
      return new ChangePlan({ linkId, operations: ops.map(rebuild), skipped })
    }
  }
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

// Spreading a class instance loses its prototype; rebuild so the plan holds real instances.
const rebuild = (op: PlanOperation): PlanOperation => {
  switch (op._tag) {
    case "CreateProduct":
      return new CreateProduct(op)
    case "CreateAgreement":
      return new CreateAgreement(op)
    case "AddAddition":
      return new AddAddition(op)
    case "UpdateAdditionQuantity":
      return new UpdateAdditionQuantity(op)
    case "UpdateAdditionUnitCost":
      return new UpdateAdditionUnitCost(op)
    case "UpdateAdditionUnitPrice":
      return new UpdateAdditionUnitPrice(op)
    case "CancelAddition":
      return new CancelAddition(op)
    case "RememberMapping":
      return new RememberMapping(op)
  }
}
