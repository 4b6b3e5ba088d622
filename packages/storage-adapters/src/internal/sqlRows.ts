import { StorageConflictError, StorageCorruptError, StorageError } from "@psa-ledger/reconcile-core"
import { Cause, Effect, Exit } from "effect"
import { type Driver, toStorageError } from "./driver.ts"

/** Runs a driver call as an Effect, mapping what it throws to a `StorageError` for `operation`. */
export const executor =
  (driver: Driver) =>
  <A>(operation: string, linkId: string | undefined, f: () => Promise<A>): Effect.Effect<A, StorageError> =>
    Effect.tryPromise({ try: f, catch: (error) => toStorageError(driver, error, operation, linkId) })

/** The `Conflict` refusal of a store. */
export const conflict = (operation: string, linkId: string, record: string, message: string): StorageError =>
  new StorageError({ operation, linkId, reason: new StorageConflictError({ record, message }) })

/** A column's integer: PostgreSQL returns BIGINT as text; anything that is not an integer is left for the decoder to refuse. */
export const int = (value: unknown): unknown =>
  typeof value === "bigint"
    ? Number(value)
    : typeof value === "string" && /^-?\d{1,15}$/.test(value)
      ? Number(value)
      : value

/** Whether a column holds a value (not SQL `NULL`). */
export const present = (value: unknown): boolean => value !== null && value !== undefined

/** A JSON column's value, or `Corrupt` naming the record and field when it is not JSON. */
export const json = (
  text: unknown,
  record: string,
  field: string,
  operation: string,
  linkId: string
): Effect.Effect<unknown, StorageError> =>
  Effect.try({
    try: () => {
      if (typeof text !== "string") throw new Error("not text")
      return JSON.parse(text) as unknown
    },
    catch: () =>
      new StorageError({
        operation,
        linkId,
        reason: new StorageCorruptError({ record, field, message: "the stored value is not valid JSON" })
      })
  })

/** A nullable JSON column as `{ [field]: value }`, or `{}` when it is `NULL`. */
export const optionalJson = (text: unknown, record: string, field: string, operation: string, linkId: string) =>
  present(text)
    ? Effect.map(json(text, record, field, operation, linkId), (value) => ({ [field]: value }))
    : Effect.succeed({})

/** A nullable column as `{ [field]: value }`, or `{}` when it is `NULL`. */
export const optional = (field: string, value: unknown) => (present(value) ? { [field]: value } : {})

/** A page size: the caller's `limit` (or `fallback`), truncated to 0…`most`. */
export const pageLimit = (limit: number | undefined, fallback: number, most = Number.MAX_SAFE_INTEGER) =>
  Math.max(0, Math.min(Math.trunc(limit ?? fallback), most))

/** `items` in slices of at most `size`, so a statement's parameter count stays bounded. */
export const chunks = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** `($1, $2, …), ($n+1, …)` for `rows` rows of `width` parameters. */
export const valuesList = (rows: number, width: number): string => {
  const groups: Array<string> = []
  for (let r = 0; r < rows; r++) {
    const params: Array<string> = []
    for (let c = 1; c <= width; c++) params.push(`$${r * width + c}`)
    groups.push(`(${params.join(", ")})`)
  }
  return groups.join(", ")
}

/** Runs a decode or validation inside a transaction's body, rejecting with its `StorageError`. */
export const toPromise = async <A>(effect: Effect.Effect<A, StorageError>): Promise<A> => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) return exit.value
  throw Cause.squash(exit.cause)
}
