import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { memoryStorage } from "@psa-ledger/storage-adapters"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { Deployment, DeploymentError, deriveStorageKey, readSecretKey } from "../src/index.ts"
import { newKey, tempDir } from "./support.ts"

const rejection = async (promise: Promise<unknown>): Promise<DeploymentError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(DeploymentError)
  return error as DeploymentError
}

describe("the secret key: one rule for every host", () => {
  it("reads the key from PSA_LEDGER_SECRET_KEY or a key file (64 hex digits or base64), never both", async () => {
    const key = newKey()
    const bytes = Buffer.from(key, "base64")
    expect(Buffer.from((await readSecretKey({ env: { PSA_LEDGER_SECRET_KEY: key } }))!)).toEqual(bytes)
    const temp = tempDir()
    try {
      const file = join(temp.dir, "secret.key")
      writeFileSync(file, `${bytes.toString("hex")}\n`)
      expect(Buffer.from((await readSecretKey({ env: { PSA_LEDGER_SECRET_KEY_FILE: file } }))!)).toEqual(bytes)
      expect(Buffer.from((await readSecretKey({ file, env: {} }))!)).toEqual(bytes)
      const both = await rejection(readSecretKey({ file, env: { PSA_LEDGER_SECRET_KEY: key } }))
      expect(both.reason._tag).toBe("WrongSecretKey")
      const missing = await rejection(readSecretKey({ file: join(temp.dir, "nope.key"), env: {} }))
      expect(missing.message).toContain("ENOENT")
      writeFileSync(file, "not-a-key-at-all")
      const malformed = await rejection(readSecretKey({ file, env: {} }))
      expect(malformed.message).not.toContain("not-a-key-at-all")
      expect(await readSecretKey({ env: {} })).toBeUndefined()
    } finally {
      temp.remove()
    }
  })

  it("derives the storage's encryption key from it: one key to keep, a different key for storage", () => {
    const key = newKey()
    const derived = Buffer.from(deriveStorageKey(key))
    expect(derived.length).toBe(32)
    expect(derived.equals(Buffer.from(key, "base64"))).toBe(false)
    expect(Buffer.from(deriveStorageKey(key)).equals(derived)).toBe(true)
  })

  it("serves Effect hosts as a scoped layer", async () => {
    const storage = memoryStorage()
    const count = await Effect.runPromise(
      Deployment.promise(async (d) => (await d.links.list()).length).pipe(
        Effect.provide(Deployment.layer({ storage, secretKey: newKey() }))
      )
    )
    expect(count).toBe(0)
  })
})
