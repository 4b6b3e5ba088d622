// Opening the deployment a command works on: the storage from --storage or PSA_LEDGER_STORAGE, the
// secret key by the deployment's one rule, and with --sandbox a simulated ConnectWise and Exact Online.
import { type DeploymentApi, openDeployment, readSecretKey } from "@psa-ledger/deployment"
import { createSandbox, createWorld, type Sandbox } from "@psa-ledger/sandbox"
import type { Storage } from "@psa-ledger/storage-adapters"
import { CliError, Exit } from "./errors.ts"

/** Where the deployment lives, parsed from `sqlite:FILE` or a `postgres://` URL. */
export type StorageTarget =
  | { readonly _tag: "sqlite"; readonly filename: string }
  | { readonly _tag: "postgres"; readonly connectionString: string; readonly schema?: string | undefined }

/** The storage option of every command, or PSA_LEDGER_STORAGE. Never echoes a URL (it may hold a password). */
export const storageTarget = (flag: string | undefined): StorageTarget => {
  const text = flag ?? process.env.PSA_LEDGER_STORAGE
  if (text === undefined || text === "") {
    throw new CliError("no storage given", {
      exitCode: Exit.usage,
      hint: "pass --storage sqlite:ledger.db (or postgres://…), or set PSA_LEDGER_STORAGE"
    })
  }
  if (text.startsWith("sqlite:")) {
    const filename = text.slice("sqlite:".length)
    if (filename === "") throw new CliError("--storage sqlite: needs a file name", { exitCode: Exit.usage })
    return { _tag: "sqlite", filename }
  }
  if (text.startsWith("postgres://") || text.startsWith("postgresql://")) {
    const url = new URL(text)
    const schema = url.searchParams.get("schema") ?? undefined
    url.searchParams.delete("schema")
    return { _tag: "postgres", connectionString: url.toString(), schema }
  }
  throw new CliError("--storage must be sqlite:FILE or a postgres:// URL", { exitCode: Exit.usage })
}

/** Opens the storage with the encryption key the deployment derives. */
export const openStorage =
  (target: StorageTarget) =>
  async (encryptionKey: Uint8Array | undefined): Promise<Storage> => {
    if (target._tag === "sqlite") {
      const { sqliteStorage } = await import("@psa-ledger/storage-adapters/sqlite")
      return sqliteStorage({ filename: target.filename, encryptionKey })
    }
    const { postgresStorage } = await import("@psa-ledger/storage-adapters/postgres")
    return postgresStorage({ connectionString: target.connectionString, schema: target.schema, encryptionKey })
  }

/** The origin the in-process sandbox answers on: link configurations made with --sandbox point here. */
export const SANDBOX_ORIGIN = "http://sandbox.psa-ledger.test"

/**
 * The sandbox world of `--sandbox`: built from a fixed seed in this process, so every command sees
 * the same MSP. What a command writes into the simulated systems lasts for that command; the ledger,
 * runs and mappings are kept in the storage as usual. `PSA_LEDGER_SANDBOX_LATENCY_MS` makes each
 * simulated ConnectWise answer that much slower, to watch progress (or press Ctrl-C) as on a real site.
 */
export const makeSandbox = (): Sandbox => {
  const latency = Number(process.env.PSA_LEDGER_SANDBOX_LATENCY_MS ?? "0")
  return createSandbox({
    world: createWorld({ seed: 7, customers: 25, products: 6, months: 3 }),
    exact: { minutelyLimit: 100_000, dailyLimit: 1_000_000 },
    ...(Number.isFinite(latency) && latency > 0 ? { latencyMs: { connectwise: latency } } : {})
  })
}

/**
 * `PSA_LEDGER_LEASE_MS`: how long a dead process holds a link (its run lease and journal claims)
 * before another run takes over; unset, the deployment's default (a minute).
 */
export const leaseMsFromEnv = (): number | undefined => {
  const text = process.env.PSA_LEDGER_LEASE_MS
  if (text === undefined || text.trim() === "") return undefined
  const value = Number(text)
  if (!/^\d+$/.test(text.trim()) || value < 1_000 || value > 86_400_000) {
    throw new CliError(`PSA_LEDGER_LEASE_MS must be a whole number of milliseconds from 1000 to 86400000`, {
      exitCode: Exit.usage,
      hint: "unset it for the default lease of a minute"
    })
  }
  return value
}

/** The options every command takes. */
export interface CommonOptions {
  readonly storage?: string | undefined
  readonly secretKeyFile?: string | undefined
  readonly sandbox?: boolean | undefined
}

/** An opened deployment (and the sandbox behind it, with --sandbox). */
export interface Opened {
  readonly deployment: DeploymentApi
  readonly sandbox: Sandbox | undefined
}

/** Opens the command's deployment; the caller closes it. */
export const open = async (options: CommonOptions): Promise<Opened> => {
  const target = storageTarget(options.storage)
  const secretKey = await readSecretKey({ file: options.secretKeyFile })
  const sandbox = options.sandbox === true ? makeSandbox() : undefined
  const leaseMs = leaseMsFromEnv()
  const deployment = await openDeployment({
    storage: openStorage(target),
    secretKey,
    actor: process.env.USER ?? "psa-ledger",
    ...(leaseMs === undefined ? {} : { leaseMs }),
    ...(sandbox === undefined ? {} : { fetch: (request: Request) => sandbox.handle(request) })
  })
  return { deployment, sandbox }
}

/**
 * With --sandbox, a link's Exact consent is given again on this process's simulation (its tokens
 * from an earlier command mean nothing to a freshly built world); the user's choice on the consent
 * page is the configured division.
 */
export const sandboxConsent = async (opened: Opened, linkId: string): Promise<void> => {
  const sandbox = opened.sandbox
  if (sandbox === undefined) return
  const { url } = await opened.deployment.exact.connect(linkId, { returnTo: "/" })
  const { code, state } = await sandbox.grantConsent(url)
  await opened.deployment.exact.complete({ code, state })
}

/** The sandbox's consent page answered "grant" for the configured division: the redirect it sends. */
export const sandboxGrant = async (sandbox: Sandbox, url: string): Promise<URL> =>
  (await sandbox.grantConsent(url)).redirect

/** A link configuration reaching the sandbox, with its (sandbox) secrets. */
export const sandboxLinkConfig = (sandbox: Sandbox, name: string) => sandbox.linkConfig(SANDBOX_ORIGIN, { name })
