import { createHmac, hkdfSync } from "node:crypto"
import { readFile } from "node:fs/promises"
import { DeploymentWrongSecretKeyError, fail } from "./DeploymentError.ts"

/**
 * A deployment's secret key: 32 bytes, as raw bytes, 64 hex digits or base64 (e.g. the output of
 * `openssl rand -base64 32`). Surrounding whitespace (a key file's trailing newline) is ignored.
 *
 * @since 0.1.0
 */
export type SecretKeyInput = Uint8Array | string

/** The environment variable holding the key itself. */
export const SECRET_KEY_ENV = "PSA_LEDGER_SECRET_KEY"
/** The environment variable naming a file that holds the key. */
export const SECRET_KEY_FILE_ENV = "PSA_LEDGER_SECRET_KEY_FILE"

/** Parses a key; the error never echoes it. */
export const parseSecretKey = (input: SecretKeyInput, operation = "openDeployment"): Buffer => {
  let bytes: Buffer | undefined
  if (typeof input === "string") {
    const text = input.trim()
    if (/^[0-9a-fA-F]{64}$/.test(text)) bytes = Buffer.from(text, "hex")
    else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) bytes = Buffer.from(text, "base64")
  } else {
    bytes = Buffer.from(input)
  }
  if (bytes?.length !== 32) {
    throw fail(
      operation,
      new DeploymentWrongSecretKeyError({
        message: "the secret key must be 32 bytes: 64 hex digits or base64 (e.g. `openssl rand -base64 32`)"
      })
    )
  }
  return bytes
}

/**
 * The storage's encryption key, derived from the deployment's secret key, so that a deployment has
 * one key to keep: pass it as `encryptionKey` when opening the storage yourself.
 *
 * @example
 * ```ts
 * import { deriveStorageKey } from "@psa-ledger/deployment"
 * import { sqliteStorage } from "@psa-ledger/storage-adapters/sqlite"
 *
 * const storage = await sqliteStorage({ filename: "ledger.db", encryptionKey: deriveStorageKey(secretKey) })
 * ```
 *
 * @since 0.1.0
 */
export const deriveStorageKey = (secretKey: SecretKeyInput): Uint8Array =>
  new Uint8Array(
    hkdfSync("sha256", parseSecretKey(secretKey, "deriveStorageKey"), "psa-ledger", "deployment/storage", 32)
  )

/** A short, keyed fingerprint of a key (for "which key is this"), never the key. */
export const keyFingerprint = (secretKey: SecretKeyInput): string =>
  createHmac("sha256", parseSecretKey(secretKey)).update("psa-ledger/deployment/key-id").digest("hex").slice(0, 16)

/**
 * Where a host's secret key comes from, by one rule for every host (CLI, server, worker): the file
 * named by `--secret-key-file` (pass it as `file`) or by `PSA_LEDGER_SECRET_KEY_FILE`, or the key in
 * `PSA_LEDGER_SECRET_KEY`. Never a command-line flag holding the key itself (it would show in `ps`
 * and shell history). Both a file and the variable set is refused as ambiguous. Resolves
 * `undefined` when none is given: the deployment then opens read-only.
 *
 * @example
 * ```ts
 * import { openDeployment, readSecretKey } from "@psa-ledger/deployment"
 *
 * const secretKey = await readSecretKey({ file: args["secret-key-file"] }) // env: PSA_LEDGER_SECRET_KEY(_FILE)
 * const deployment = await openDeployment({ storage, secretKey })
 * ```
 *
 * @since 0.1.0
 */
export const readSecretKey = async (
  options: { readonly file?: string | undefined; readonly env?: Readonly<Record<string, string | undefined>> } = {}
): Promise<Uint8Array | undefined> => {
  const env = options.env ?? process.env
  const file = options.file ?? env[SECRET_KEY_FILE_ENV]
  const inline = env[SECRET_KEY_ENV]
  const operation = "readSecretKey"
  if (file !== undefined && file !== "" && inline !== undefined && inline !== "") {
    throw fail(
      operation,
      new DeploymentWrongSecretKeyError({
        message: `both a key file and ${SECRET_KEY_ENV} are set: give the key one way only`
      })
    )
  }
  if (file !== undefined && file !== "") {
    let text: string
    try {
      text = await readFile(file, "utf8")
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "unreadable"
      throw fail(
        operation,
        new DeploymentWrongSecretKeyError({ message: `the key file ${file} cannot be read (${code})` })
      )
    }
    return new Uint8Array(parseSecretKey(text, operation))
  }
  if (inline !== undefined && inline !== "") return new Uint8Array(parseSecretKey(inline, operation))
  return undefined
}
