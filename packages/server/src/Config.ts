import { readFile } from "node:fs/promises"
import { readSecretKey } from "@psa-ledger/deployment"
import type { Storage } from "@psa-ledger/storage-adapters"

/**
 * How `psa-ledger-server` starts: from a JSON config file (`--config FILE` or
 * `PSA_LEDGER_CONFIG`) and the environment, which wins. The secret key is never in the file: it
 * comes by the deployment's one rule (`PSA_LEDGER_SECRET_KEY_FILE`, `--secret-key-file` or
 * `PSA_LEDGER_SECRET_KEY`).
 *
 * @since 0.1.0
 */
export interface ServerConfig {
  /** `sqlite:FILE` or a `postgres://` URL (env `PSA_LEDGER_STORAGE`). */
  readonly storage: string
  /** Env `PORT` or `PSA_LEDGER_PORT`; default 8080. */
  readonly port: number
  /** Env `PSA_LEDGER_HOST`; default 127.0.0.1. */
  readonly host: string
  /** How long shutdown waits for running work, ms (env `PSA_LEDGER_GRACE_MS`; default 30 s). */
  readonly graceMs: number
  readonly secretKeyFile?: string | undefined
  /** The PostgreSQL schema (env `PSA_LEDGER_PG_SCHEMA`). */
  readonly schema?: string | undefined
}

/** The problems of a config, each naming the setting. */
export class ConfigProblem extends Error {
  readonly setting: string
  constructor(setting: string, message: string) {
    super(`${setting}: ${message}`)
    this.name = "ConfigProblem"
    this.setting = setting
  }
}

const flag = (args: ReadonlyArray<string>, name: string): string | undefined => {
  const i = args.indexOf(`--${name}`)
  if (i >= 0) return args[i + 1]
  const inline = args.find((a) => a.startsWith(`--${name}=`))
  return inline?.slice(name.length + 3)
}

/**
 * Reads the server's configuration from the arguments, the config file and the environment.
 *
 * @since 0.1.0
 */
export const readServerConfig = async (
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>> = process.env
): Promise<ServerConfig> => {
  if (flag(args, "secret-key") !== undefined) {
    throw new ConfigProblem("--secret-key", "never pass the key itself as a flag; use --secret-key-file")
  }
  const file = flag(args, "config") ?? env.PSA_LEDGER_CONFIG
  let fromFile: Record<string, unknown> = {}
  if (file !== undefined && file !== "") {
    try {
      fromFile = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>
    } catch (error) {
      throw new ConfigProblem(
        "--config",
        `cannot read ${file} as JSON (${(error as NodeJS.ErrnoException).code ?? "parse error"})`
      )
    }
    if ("secretKey" in fromFile) throw new ConfigProblem("secretKey", "the key is never kept in the config file")
  }
  const text = (key: string) => (typeof fromFile[key] === "string" ? (fromFile[key] as string) : undefined)
  const number = (key: string) => (typeof fromFile[key] === "number" ? String(fromFile[key]) : undefined)
  const storage = flag(args, "storage") ?? env.PSA_LEDGER_STORAGE ?? text("storage")
  if (storage === undefined || !/^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(storage)) {
    throw new ConfigProblem("PSA_LEDGER_STORAGE", "set it to sqlite:FILE or a postgres:// URL")
  }
  const portText = flag(args, "port") ?? env.PSA_LEDGER_PORT ?? env.PORT ?? number("port") ?? "8080"
  const port = Number(portText)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ConfigProblem("port", "expected 0 to 65535")
  const graceMs = Number(env.PSA_LEDGER_GRACE_MS ?? number("graceMs") ?? "30000")
  if (!Number.isFinite(graceMs) || graceMs < 0) throw new ConfigProblem("graceMs", "expected milliseconds")
  return {
    storage,
    port,
    host: flag(args, "host") ?? env.PSA_LEDGER_HOST ?? text("host") ?? "127.0.0.1",
    graceMs,
    secretKeyFile: flag(args, "secret-key-file") ?? text("secretKeyFile"),
    schema: env.PSA_LEDGER_PG_SCHEMA ?? text("schema")
  }
}

/**
 * Opens the storage a config names, sealed with the key derived from the deployment's secret key.
 *
 * @since 0.1.0
 */
export const openConfiguredStorage = async (
  config: ServerConfig,
  encryptionKey: Uint8Array | undefined
): Promise<Storage> => {
  if (config.storage.startsWith("sqlite:")) {
    const { sqliteStorage } = await import("@psa-ledger/storage-adapters/sqlite")
    return sqliteStorage({ filename: config.storage.slice("sqlite:".length), encryptionKey })
  }
  const { postgresStorage } = await import("@psa-ledger/storage-adapters/postgres")
  return postgresStorage({
    connectionString: config.storage,
    encryptionKey,
    ...(config.schema === undefined ? {} : { schema: config.schema })
  })
}

/** The key by the deployment's one rule. */
export const secretKeyOf = (config: ServerConfig, env: Readonly<Record<string, string | undefined>> = process.env) =>
  readSecretKey({ file: config.secretKeyFile, env })
