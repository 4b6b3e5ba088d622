import {
  StorageConflictError,
  type StorageErrorReason,
  StorageInvalidInputError,
  StorageUnavailableError
} from "@psa-ledger/reconcile-core"
import pg from "pg"
import { closedReason, type Driver, messageOf, type Queryable, redact } from "./driver.ts"

/**
 * The pool settings a host may tune; the connection itself comes from the connection string.
 *
 * @since 0.1.0
 */
export type PostgresPoolOptions = Omit<pg.PoolConfig, "connectionString" | "password" | "user" | "host" | "database">

/** How the PostgreSQL driver connects. */
export interface PostgresDriverOptions {
  readonly connectionString: string
  readonly schema: string
  readonly pool?: PostgresPoolOptions | undefined
}

/** The password inside a connection string, so it can be scrubbed from any message. */
export const connectionSecrets = (connectionString: string): ReadonlyArray<string> => {
  const secrets = [connectionString]
  try {
    const url = new URL(connectionString)
    if (url.password !== "") secrets.push(url.password, decodeURIComponent(url.password))
    const query = url.searchParams.get("password")
    if (query) secrets.push(query)
  } catch {
    // Not a URL (a libpq key/value string): the whole string is already listed.
  }
  return secrets
}

const CONNECTION_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "ETIMEDOUT", "EHOSTUNREACH", "EPIPE"])

/** Classifies a `pg` failure; the text is redacted of the connection string and its password. */
export const postgresReason = (secrets: ReadonlyArray<string>, error: unknown): StorageErrorReason => {
  if (
    error instanceof StorageUnavailableError ||
    error instanceof StorageConflictError ||
    error instanceof StorageInvalidInputError
  )
    return error
  const code = String((error as { code?: unknown }).code ?? "")
  const text = redact(messageOf(error), secrets)
  if (code === "28P01" || code === "28000") {
    return new StorageUnavailableError({ message: `PostgreSQL refused the login (${code}): ${text}` })
  }
  if (code === "3D000") return new StorageUnavailableError({ message: `PostgreSQL database does not exist: ${text}` })
  if (CONNECTION_CODES.has(code))
    return new StorageUnavailableError({ message: `PostgreSQL is unreachable (${code}): ${text}` })
  if (code.startsWith("08") || code.startsWith("57") || code === "53300") {
    return new StorageUnavailableError({ message: `PostgreSQL connection failed (${code}): ${text}` })
  }
  if (code === "22021" || code === "22P05") {
    return new StorageInvalidInputError({
      record: "(statement)",
      field: "(text)",
      message: `PostgreSQL cannot store it: ${text}`
    })
  }
  if (code === "40001" || code === "40P01") return new StorageConflictError({ record: "(transaction)", message: text })
  return new StorageUnavailableError({ message: `PostgreSQL failed${code === "" ? "" : ` (${code})`}: ${text}` })
}

/** Checks a schema name is a plain identifier, so it can be quoted into statements safely. */
export const checkSchemaName = (schema: string): string => {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
    throw new StorageInvalidInputError({
      record: "PostgresStorageOptions",
      field: "schema",
      message: "must be letters, digits and underscores (at most 63), not starting with a digit"
    })
  }
  return schema
}

/** One `pg` pool; transactions hold one of its clients from `BEGIN` to `COMMIT`. */
export const openPostgresDriver = (options: PostgresDriverOptions): Driver & { readonly pool: pg.Pool } => {
  const secrets = connectionSecrets(options.connectionString)
  const pool = new pg.Pool({
    max: 10,
    connectionTimeoutMillis: 10_000,
    ...options.pool,
    connectionString: options.connectionString
  })
  // An idle client losing its connection emits here; without a listener Node would crash the process.
  pool.on("error", () => undefined)
  const schema = `"${checkSchemaName(options.schema)}"`
  let closed = false
  const over = (client: pg.Pool | pg.PoolClient): Queryable => ({
    all: async (sql, params = []) => (await client.query(sql, params as Array<unknown>)).rows,
    run: async (sql, params = []) => (await client.query(sql, params as Array<unknown>)).rowCount ?? 0
  })
  const shared = over(pool)
  return {
    pool,
    dialect: "postgres",
    table: (name) => `${schema}.${name}`,
    lockRow: " FOR UPDATE",
    inIds: (column, param) => `${column} = ANY($${param}::bigint[])`,
    ids: (values) => values,
    all: (sql, params) => (closed ? Promise.reject(closedReason()) : shared.all(sql, params)),
    run: (sql, params) => (closed ? Promise.reject(closedReason()) : shared.run(sql, params)),
    transaction: async (fn) => {
      if (closed) throw closedReason()
      const client = await pool.connect()
      let broken: unknown
      try {
        await client.query("BEGIN")
        const result = await fn(over(client))
        await client.query("COMMIT")
        return result
      } catch (error) {
        try {
          await client.query("ROLLBACK")
        } catch (rollback) {
          broken = rollback
        }
        throw error
      } finally {
        client.release(broken === undefined ? undefined : true)
      }
    },
    reason: (error) => postgresReason(secrets, error),
    close: async () => {
      if (closed) return
      closed = true
      await pool.end()
    }
  }
}
