// The CLI's flows on a real PostgreSQL deployment, as a script runs them: no `init` (the storage is a
// `postgres://…?schema=` URL, the key from PSA_LEDGER_SECRET_KEY), a link added from JSON reaching the
// sandbox over HTTP, Exact connected through the 127.0.0.1 redirect, then load, plan, apply, runs, log.
// A schema of this suite's own, dropped after; under CI an unreachable PostgreSQL fails the suite.
import { randomBytes } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import pg from "pg"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cli, cliRunning, httpSandbox, PG_URL, pgReachable, printed, sandboxSecrets } from "./support.ts"

const reachable = await pgReachable()

describe.skipIf(!reachable)("psa-ledger on PostgreSQL", () => {
  const schema = `cli_test_${randomBytes(5).toString("hex")}`
  const secretKey = randomBytes(32).toString("base64")
  const storage = new URL(PG_URL)
  storage.searchParams.set("schema", schema)
  const env = { PSA_LEDGER_STORAGE: storage.toString(), PSA_LEDGER_SECRET_KEY: secretKey }
  const dir = mkdtempSync(join(tmpdir(), "psa-cli-pg-"))
  let sandbox: Awaited<ReturnType<typeof httpSandbox>>

  beforeAll(async () => {
    sandbox = await httpSandbox()
  })
  afterAll(async () => {
    await sandbox.close()
    rmSync(dir, { recursive: true, force: true })
    const client = new pg.Client({ connectionString: PG_URL })
    await client.connect()
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    await client.end()
    const all = printed.join("\n")
    for (const secret of [...sandboxSecrets, secretKey, PG_URL]) expect(all).not.toContain(secret)
  })

  it("adds a link from JSON, connects Exact, loads, plans, applies; the run and its log are in PostgreSQL", async () => {
    const added = await sandbox.addLink("acme", dir, env)
    expect(added.status, added.stderr).toBe(0)
    const shown = JSON.parse((await cli(["links", "show", "acme", "--json"], { env })).stdout) as {
      config: { connectwise: { privateKey: unknown }; exact: { clientSecret: unknown } }
    }
    expect(shown.config.connectwise.privateKey).toMatchObject({ set: true })
    expect(shown.config.exact.clientSecret).toMatchObject({ set: true })

    const connect = cliRunning(["exact", "connect", "acme", "--no-browser"], { env })
    const url = (await connect.waitFor(/\/exact\/api\/oauth2\/auth\?/, "stdout")).trim()
    await connect.waitFor(/^Waiting for the redirect on /, "stdout")
    expect((await sandbox.grant(url)).status).toBe(200)
    expect((await connect.done).status).toBe(0)

    const months = JSON.parse((await cli(["months", "acme", "--json"], { env })).stdout) as Array<string>
    const [month = ""] = months
    expect(month).toMatch(/^\d{4}-\d\d$/)
    const load = await cli(["load", "acme", "--month", month, "--json"], { env })
    expect(load.status, load.stderr).toBe(0)
    const grid = JSON.parse(load.stdout) as { rows: Array<{ deviations: Array<string> }> }
    expect(grid.rows.some((row) => row.deviations.includes("UnitCostDiffers"))).toBe(true)

    const planFile = join(dir, "plan.json")
    const plan = await cli(
      ["plan", "acme", "--month", month, "--approve", "updateQuantity,updateUnitCost", "--out", planFile, "--json"],
      { env }
    )
    expect(plan.status, plan.stderr).toBe(0)
    const planned = (JSON.parse(readFileSync(planFile, "utf8")) as { plan: { operations: Array<unknown> } }).plan
    expect(planned.operations.length).toBeGreaterThan(0)
    const apply = await cli(["apply", planFile, "--json"], { env })
    expect(apply.status, apply.stderr).toBe(0)
    const applied = JSON.parse(apply.stdout) as { runId: string; status: string; counts: Record<string, number> }
    expect(applied.status).toBe("succeeded")
    expect(applied.counts.done).toBe(planned.operations.length)
    // What was applied reached the (simulated) ConnectWise: loading again, the quantity and cost deviations are gone.
    const again = JSON.parse((await cli(["load", "acme", "--month", month, "--json"], { env })).stdout) as typeof grid
    expect(
      again.rows.filter((row) => row.deviations.some((d) => d === "UnitCostDiffers" || d === "QuantityDiffers"))
    ).toEqual([])

    const runs = JSON.parse((await cli(["runs", "acme", "--json"], { env })).stdout) as Array<{
      id: string
      job: string
      status: string
    }>
    expect(runs[0]).toMatchObject({ id: applied.runId, job: "reconciliation.apply", status: "succeeded" })
    const [text, entries] = await Promise.all([
      cli(["log", applied.runId], { env }),
      cli(["log", applied.runId, "--json"], { env })
    ])
    expect(text.status).toBe(0)
    expect(text.stdout).toMatch(/succeeded|done/i)
    const log = JSON.parse(entries.stdout) as Array<{ message: string }>
    expect(log.length).toBeGreaterThan(planned.operations.length)
  })
})
