import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite"
import { type StorageErrorReason, StorageUnavailableError } from "@psa-ledger/reconcile-core"
import { closedReason, type Driver, messageOf, type Param, type Queryable, type Row } from "./driver.ts"

/** How the SQLite file is opened. */
export interface SqliteDriverOptions {
  readonly filename: string
  /** How long a writer waits for another process's write lock, in ms. */
  readonly busyTimeoutMs: number
  /** `full` syncs every commit to disk; `normal` survives a process crash but not a power cut. */
  readonly synchronous: "full" | "normal"
}

const SQLITE_NOTADB = 26
const SQLITE_BUSY = 5
const SQLITE_CORRUPT = 11
const SQLITE_CANTOPEN = 14
const SQLITE_READONLY = 8
const SQLITE_FULL = 13

const sqliteReason = (filename: string, error: unknown): StorageErrorReason => {
  if (error instanceof StorageUnavailableError) return error
  const code = (error as { errcode?: unknown }).errcode
  const base = code === undefined ? 0 : Number(code) & 0xff
  const where = filename === ":memory:" ? "the in-memory database" : filename
  switch (base) {
    case SQLITE_NOTADB:
      return new StorageUnavailableError({ message: `${where} is not a SQLite database` })
    case SQLITE_CORRUPT:
      return new StorageUnavailableError({ message: `${where} is damaged (SQLite reports corruption)` })
    case SQLITE_BUSY:
      return new StorageUnavailableError({ message: `${where} stayed locked by another writer past the busy timeout` })
    case SQLITE_CANTOPEN:
      return new StorageUnavailableError({ message: `${where} cannot be opened (missing directory or no permission)` })
    case SQLITE_READONLY:
      return new StorageUnavailableError({ message: `${where} is read-only` })
    case SQLITE_FULL:
      return new StorageUnavailableError({ message: `the disk holding ${where} is full` })
    default:
      return new StorageUnavailableError({ message: `SQLite failed on ${where}: ${messageOf(error)}` })
  }
}

const bind = (params: ReadonlyArray<Param>): Array<SQLInputValue> =>
  params.map((p) => (Array.isArray(p) ? JSON.stringify(p) : (p as SQLInputValue)))

/**
 * One `node:sqlite` connection. Its calls are synchronous; a transaction's body is not (the stores
 * are shared with PostgreSQL), so while one runs every other statement of this process waits its
 * turn in a queue instead of slipping into the open transaction.
 */
export const openSqliteDriver = (options: SqliteDriverOptions): Driver => {
  let db: DatabaseSync
  try {
    db = new DatabaseSync(options.filename, { timeout: options.busyTimeoutMs })
  } catch (error) {
    throw sqliteReason(options.filename, error)
  }
  try {
    // Reading the journal mode is the first touch of the file: a non-database fails here.
    if (options.filename !== ":memory:") db.exec("PRAGMA journal_mode = WAL")
    db.exec(`PRAGMA synchronous = ${options.synchronous === "full" ? "FULL" : "NORMAL"}`)
  } catch (error) {
    db.close()
    throw sqliteReason(options.filename, error)
  }
  let closed = false
  const statements = new Map<string, StatementSync>()
  const prepare = (sql: string): StatementSync => {
    let statement = statements.get(sql)
    if (statement === undefined) {
      statement = db.prepare(sql.replace(/\$(\d+)/g, "?$1"))
      statements.set(sql, statement)
    }
    return statement
  }
  const direct: Queryable = {
    all: async (sql, params = []) => prepare(sql).all(...bind(params)) as ReadonlyArray<Row>,
    run: async (sql, params = []) => Number(prepare(sql).run(...bind(params)).changes)
  }
  let queued = 0
  let tail: Promise<unknown> = Promise.resolve()
  const exclusive = <A>(fn: () => Promise<A>): Promise<A> => {
    if (closed) return Promise.reject(closedReason())
    queued++
    const run = tail.then(() => (closed ? Promise.reject(closedReason()) : fn()))
    tail = run.then(
      () => queued--,
      () => queued--
    )
    return run
  }
  // Outside a transaction a statement runs at once; the queue only matters while one is open.
  const statement =
    <A>(op: (sql: string, params?: ReadonlyArray<Param>) => Promise<A>) =>
    (sql: string, params?: ReadonlyArray<Param>): Promise<A> => {
      if (closed) return Promise.reject(closedReason())
      return queued === 0 ? op(sql, params) : exclusive(() => op(sql, params))
    }
  return {
    dialect: "sqlite",
    table: (name) => name,
    lockRow: "",
    inIds: (column, param) => `${column} IN (SELECT value FROM json_each($${param}))`,
    ids: (values) => JSON.stringify(values),
    all: statement(direct.all),
    run: statement(direct.run),
    transaction: (fn) =>
      exclusive(async () => {
        db.exec("BEGIN IMMEDIATE")
        try {
          const result = await fn(direct)
          db.exec("COMMIT")
          return result
        } catch (error) {
          if (db.isTransaction) db.exec("ROLLBACK")
          throw error
        }
      }),
    reason: (error) => sqliteReason(options.filename, error),
    close: async () => {
      if (closed) return
      await exclusive(async () => undefined).catch(() => undefined)
      closed = true
      statements.clear()
      db.close()
    }
  }
}
