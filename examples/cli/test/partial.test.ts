// Exit 3: an apply where some operations fail and the rest are written, against the sandbox over
// HTTP with one ConnectWise write refused.
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cli, cliRunning, deploymentDir, httpSandbox, printed, sandboxSecrets } from "./support.ts"

describe("psa-ledger apply, partly failed", () => {
  let sandbox: Awaited<ReturnType<typeof httpSandbox>>
  let d: Awaited<ReturnType<typeof deploymentDir>>
  beforeAll(async () => {
    // ConnectWise refuses the first PATCH with a 400 (an answer no client retries); every other write lands.
    sandbox = await httpSandbox({
      faults: [{ system: "connectwise", method: "PATCH", kind: "serverError", status: 400, limit: 1 }]
    })
    d = await deploymentDir()
  })
  afterAll(async () => {
    const all = printed.join("\n")
    for (const secret of [...sandboxSecrets, d.key()]) expect(all).not.toContain(secret)
    d.remove()
    await sandbox.close()
  })

  it("exits 3, reports the failed operation and the written ones, and the run is partial", async () => {
    const added = await sandbox.addLink("acme", d.dir, d.env)
    expect(added.status, added.stderr).toBe(0)
    const connect = cliRunning(["exact", "connect", "acme", "--no-browser"], { env: d.env })
    const url = (await connect.waitFor(/\/exact\/api\/oauth2\/auth\?/, "stdout")).trim()
    await connect.waitFor(/^Waiting for the redirect on /, "stdout")
    expect((await sandbox.grant(url)).status).toBe(200)
    expect((await connect.done).status).toBe(0)

    const [month = ""] = JSON.parse((await cli(["months", "acme", "--json"], { env: d.env })).stdout) as Array<string>
    const planFile = join(d.dir, "plan.json")
    const plan = await cli(
      ["plan", "acme", "--month", month, "--approve", "updateQuantity,updateUnitCost", "--out", planFile],
      { env: d.env }
    )
    expect(plan.status, plan.stderr).toBe(0)
    const planned = (JSON.parse(readFileSync(planFile, "utf8")) as { plan: { operations: Array<unknown> } }).plan
    expect(planned.operations.length).toBeGreaterThan(1)

    const apply = await cli(["apply", planFile, "--json"], { env: d.env })
    expect(apply.status, apply.stderr).toBe(3)
    const applied = JSON.parse(apply.stdout) as { runId: string; status: string; counts: Record<string, number> }
    expect(applied.status).toBe("partial")
    expect(applied.counts.failed).toBe(1)
    expect(applied.counts.done).toBe(planned.operations.length - 1)
    const runs = JSON.parse((await cli(["runs", "acme", "--json"], { env: d.env })).stdout) as Array<{
      id: string
      status: string
    }>
    expect(runs.find((run) => run.id === applied.runId)?.status).toBe("partial")
    expect(apply.stderr).not.toMatch(/\n\s+at /)
  })
})
