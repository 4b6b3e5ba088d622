// The deployment's `scheduling` setting decides who runs the schedules, never both: a worker started
// on a deployment whose server runs them (`in-process`, the default) refuses to start.
import { spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { openDeployment } from "@psa-ledger/deployment"
import { postgresStorage } from "@psa-ledger/storage-adapters/postgres"
import { dropSchemas, prefix, reachable, url } from "./support/pg.ts"

const base = prefix("mode")

describe.skipIf(!reachable)("psa-ledger-worker and the scheduling setting", () => {
  afterAll(() => dropSchemas(base))

  it("refuses to start while the deployment's server runs the schedules, naming the setting to change", async () => {
    const secretKey = randomBytes(32).toString("base64")
    const schema = `${base}_store`
    const deployment = await openDeployment({
      storage: (encryptionKey) => postgresStorage({ connectionString: url, schema, encryptionKey }),
      secretKey
    })
    try {
      expect(await deployment.scheduling()).toBe("in-process")
    } finally {
      await deployment.close()
    }
    const main = new URL("../src/main.ts", import.meta.url).pathname
    const target = `${url}${url.includes("?") ? "&" : "?"}schema=${schema}`
    const run = spawnSync(
      process.execPath,
      ["--conditions=@psa-ledger/source", "--no-warnings", main, "--storage", target, "--queue-schema", `${base}_q`],
      { encoding: "utf8", env: { ...process.env, PSA_LEDGER_SECRET_KEY: secretKey, PSA_LEDGER_STORAGE: "" } }
    )
    expect(run.status).toBe(1)
    const line = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}") as Record<string, unknown>
    expect(line).toMatchObject({ level: "error", message: "the worker stopped on an error" })
    expect(String(line.error)).toContain('scheduling is "in-process"')
    expect(String(line.error)).toContain('"workers"')
    expect(run.stdout).not.toContain(secretKey)
  })
})
