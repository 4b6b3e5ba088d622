import { StorageError, type StorageErrorReason, StorageUnavailableError } from "@psa-ledger/reconcile-core"

/** A value bound to a statement parameter. */
export type Param = string | number | null | ReadonlyArray<number>

/** A row as the driver returns it. */
export type Row = Readonly<Record<string, unknown>>

/** What statements run against: the connection itself, or an open transaction on it. */
export interface Queryable {
  /** Runs a statement and returns its rows (`RETURNING` included). */
  all(sql: string, params?: ReadonlyArray<Param>): Promise<ReadonlyArray<Row>>
  /** Runs a statement and returns how many rows it changed. */
  run(sql: string, params?: ReadonlyArray<Param>): Promise<number>
}

/**
 * The little the shared SQL stores need from a database. Statements are written once with `$1`
 * placeholders; the SQLite driver rewrites them to `?1`.
 */
export interface Driver extends Queryable {
  readonly dialect: "sqlite" | "postgres"
  /** The table's name as SQL: schema-qualified on PostgreSQL. */
  table(name: string): string
  /** Appended to a `SELECT` inside a transaction to lock the rows read (`FOR UPDATE`; SQLite's lock is the transaction). */
  readonly lockRow: string
  /** `column IN (the ids in parameter $n)`: one parameter however many ids. */
  inIds(column: string, param: number): string
  /** The parameter value that `inIds` expects. */
  ids(values: ReadonlyArray<number>): Param
  /** Runs `fn` in a write transaction (SQLite `BEGIN IMMEDIATE`), committing when it resolves. */
  transaction<A>(fn: (tx: Queryable) => Promise<A>): Promise<A>
  /** Maps a driver failure to a reason, with every configured secret removed from its text. */
  reason(error: unknown): StorageErrorReason
  close(): Promise<void>
}

/** Wraps anything a driver threw as a `StorageError`, keeping one the stores threw themselves. */
export const toStorageError = (driver: Driver, error: unknown, operation: string, linkId?: string): StorageError =>
  error instanceof StorageError
    ? error
    : new StorageError({ operation, ...(linkId === undefined ? {} : { linkId }), reason: driver.reason(error) })

/** Removes secrets from text that may end up in an error, a log or a test report. */
export const redact = (text: string, secrets: ReadonlyArray<string>): string => {
  let out = text
  for (const secret of secrets) if (secret.length >= 3) out = out.split(secret).join("[redacted]")
  // A connection string's password, whatever its spelling in the text.
  return out.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi, "$1[redacted]@")
}

/** A store used after `close()`. */
export const closedReason = (): StorageUnavailableError =>
  new StorageUnavailableError({ message: "the storage is closed" })

/** The message of anything thrown. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** A driver failure's message, with every configured secret removed. */
export const reasonText = (driver: Driver, error: unknown): string => {
  const reason = driver.reason(error)
  return "message" in reason ? reason.message : messageOf(error)
}
