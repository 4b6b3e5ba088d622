import { StorageConflictError, StorageError } from "@psa-ledger/reconcile-core"
import type { Row } from "./driver.ts"
import { int } from "./sqlRows.ts"

/** The `Conflict` of a stale `expectedVersion`, given the row holding the current version (if any). */
export const conflictOf = (operation: string, record: string, expected: number, current: Row | undefined) =>
  new StorageError({
    operation,
    reason: new StorageConflictError({
      record,
      message: `expected version ${expected}, found ${current === undefined ? 0 : Number(int(current.version))}`
    })
  })
