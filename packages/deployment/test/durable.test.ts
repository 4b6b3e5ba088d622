import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import type { Storage } from "@psa-ledger/storage-adapters"
import { postgresStorage } from "@psa-ledger/storage-adapters/postgres"
import { sqliteStorage } from "@psa-ledger/storage-adapters/sqlite"
import { Effect } from "effect"
import pg from "pg"
import { describe, expect, it } from "vitest"
import { type DeploymentApi, DeploymentError, openDeployment } from "../src/index.ts"
import { dropSchema, dumpSchema, newKey, newSchema, openSandbox, PG_URL, tempDir } from "./support.ts"

const LINKS = 100
const REAL = 3 // links on the sandbox's real credentials, connected to Exact and tested

const reachable = await (async () => {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3_000 })
  client.on("error", () => undefined)
  try {
    await client.connect()
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => undefined)
  }
})()
if (!reachable && process.env.CI !== "true")
  process.stderr.write("[deployment] skipping PostgreSQL: server unreachable\n")

interface Backend {
  readonly name: string
  open(): Promise<{
    readonly storage: (key: Uint8Array | undefined) => Promise<Storage>
    readonly dump: () => Promise<string>
    readonly dispose: () => Promise<void>
  }>
}

const backends: ReadonlyArray<Backend> = [
  {
    name: "one SQLite file",
    open: async () => {
      const temp = tempDir()
      const filename = join(temp.dir, "ledger.db")
      return {
        storage: (encryptionKey) => sqliteStorage({ filename, encryptionKey }),
        // The database file and its write-ahead log, as bytes.
        dump: async () =>
          [filename, `${filename}-wal`]
            .filter((file) => existsSync(file))
            .map((file) => readFileSync(file).toString("latin1"))
            .join("\n"),
        dispose: async () => temp.remove()
      }
    }
  },
  ...(reachable || process.env.CI === "true"
    ? [
        {
          name: "PostgreSQL",
          open: async () => {
            const schema = newSchema()
            return {
              storage: (encryptionKey: Uint8Array | undefined) =>
                postgresStorage({ connectionString: PG_URL, schema, encryptionKey, pool: { max: 4 } }),
              dump: () => dumpSchema(schema),
              dispose: () => dropSchema(schema)
            }
          }
        }
      ]
    : [])
]

const idOf = (i: number) => `msp-${String(i).padStart(3, "0")}`

describe.each(backends)("a deployment of $name", (backend) => {
  it(`keeps ${LINKS} links apart, seals every secret, and survives a key rotation`, async () => {
    const box = openSandbox()
    const opened = await backend.open()
    const key = newKey()
    const secrets: Array<string> = []
    const errors: Array<string> = []
    let deployment: DeploymentApi | undefined
    try {
      deployment = await openDeployment({ storage: opened.storage, secretKey: key, clock: box.clock, fetch: box.fetch })
      const d = deployment
      for (let i = 0; i < LINKS; i++) {
        const base = box.config(`MSP ${i}`)
        const real = i < REAL
        const privateKey = real ? base.connectwise.privateKey! : `cw-private-${i}-9f2c1e`
        const clientSecret = real ? base.exact.clientSecret! : `exact-secret-${i}-77ab0d`
        secrets.push(privateKey, clientSecret)
        await d.links.create(idOf(i), {
          ...base,
          connectwise: { ...base.connectwise, privateKey },
          exact: { ...base.exact, clientSecret }
        })
      }
      await d.settings.update(
        {
          smtp: {
            host: "smtp.msp.example",
            port: 587,
            user: "ledger",
            password: "smtp-pw-5e1d93",
            from: "l@msp.example"
          }
        },
        { expectedVersion: 0 }
      )
      secrets.push("smtp-pw-5e1d93")
      for (let i = 0; i < REAL; i++) {
        const start = await d.exact.connect(idOf(i), { returnTo: "/" })
        await d.exact.complete(await box.consent(start.url))
        const tokens = (await d.storage.tokens(idOf(i)).load())!
        secrets.push(tokens.accessToken, tokens.refreshToken)
      }
      // Each link's API reaches its own records only.
      for (let i = 0; i < LINKS; i++) {
        const link = await d.links.open(idOf(i))
        await link.mappings.set({ kind: "customer", sourceKey: `customer-of-${i}` }, 1000 + i)
      }
      for (let i = 0; i < LINKS; i += 7) {
        const id = idOf(i)
        const link = await d.links.open(id)
        expect((await link.mappings.list()).map((m) => [m.sourceKey, m.targetId])).toEqual([
          [`customer-of-${i}`, 1000 + i]
        ])
        expect(await link.runs.list()).toEqual([])
        expect((await d.links.get(id))?.config.name).toBe(`MSP ${i}`)
        expect(
          (await d.links.audit(id)).every((e) => e.action.startsWith("link.") || e.action === "exact.connect")
        ).toBe(true)
        expect((await d.links.audit(id)).length).toBe(i < REAL ? 2 : 1)
        const sealed = await Effect.runPromise(d.storage.secrets.list(id))
        expect(sealed.map((s) => s.name)).toEqual(["connectwise.privateKey", "exact.clientSecret"])
        expect(await d.storage.tokens(id).load()).toEqual(i < REAL ? expect.anything() : undefined)
      }
      const results = await Promise.all(Array.from({ length: REAL }, (_, i) => d.links.test(idOf(i))))
      expect(results.every((r) => r.ok)).toBe(true)
      const fake = await d.links.test(idOf(REAL))
      expect(fake.connectwise).toMatchObject({ ok: false, reason: "WrongKeys" })
      errors.push(JSON.stringify(fake), JSON.stringify(await d.links.export()), JSON.stringify(await d.links.list()))

      // Rotation: every secret and chain re-sealed at once; the old key no longer opens the storage.
      const next = newKey()
      const rotated = await d.rotateSecretKey(key, next)
      expect(rotated).toEqual({ tokenChains: REAL, secrets: 2 * LINKS + 2 })
      const wrongOld = await d.rotateSecretKey(key, newKey()).catch((e: unknown) => e)
      expect(wrongOld).toBeInstanceOf(DeploymentError)
      errors.push((wrongOld as Error).message)
      for (let i = 0; i < LINKS; i++) expect((await d.links.open(idOf(i))).id).toBe(idOf(i))
      const after = await Promise.all(Array.from({ length: REAL }, (_, i) => d.links.test(idOf(i))))
      expect(after.map((r) => r.ok)).toEqual(Array.from({ length: REAL }, () => true))
      await d.close()
      deployment = undefined

      const stale = await openDeployment({ storage: opened.storage, secretKey: key }).catch((e: unknown) => e)
      expect(stale).toBeInstanceOf(DeploymentError)
      expect((stale as DeploymentError).reason._tag).toBe("WrongSecretKey")
      errors.push((stale as Error).message)
      const reopened = await openDeployment({
        storage: opened.storage,
        secretKey: next,
        clock: box.clock,
        fetch: box.fetch
      })
      expect((await reopened.links.test(idOf(0))).ok).toBe(true)
      const readOnly = await openDeployment({ storage: opened.storage })
      const refused = await readOnly.links.open(idOf(0)).catch((e: unknown) => e)
      errors.push((refused as Error).message)
      await readOnly.close()
      // Scan what is at rest before the last close: the file and WAL, or every table.
      const atRest = await opened.dump()
      await reopened.close()
      expect(atRest.length).toBeGreaterThan(1000)
      for (const secret of secrets) {
        expect(atRest.includes(secret), `a secret is in clear at rest on ${backend.name}`).toBe(false)
        for (const text of errors) expect(text.includes(secret), "a secret is in an error or answer").toBe(false)
      }
      expect(atRest).toContain("MSP 42") // the scan reads real rows
    } finally {
      await deployment?.close()
      await opened.dispose()
    }
  })
})
