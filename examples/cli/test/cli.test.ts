import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { commands } from "../src/cli/commands.ts"
import { cli, cliRunning, deploymentDir, printed, sandboxSecrets } from "./support.ts"

const keys: Array<string> = []
const LINK_FLAGS = [
  "--cw-site",
  "api-eu.myconnectwise.net",
  "--cw-company",
  "acme",
  "--cw-public-key",
  "pub",
  "--cw-client-id",
  "00000000-0000-4000-8000-000000000001",
  "--exact-region",
  "nl",
  "--exact-client-id",
  "00000000-0000-4000-8000-000000000002",
  "--exact-redirect-uri",
  "https://ledger.msp.example/oauth/exact",
  "--exact-division",
  "123"
]

/** A row of `load --json`. */
interface RowJson {
  readonly states: Record<string, string>
  readonly invoice: { readonly quantity: unknown; readonly unitCost: unknown }
  readonly connectwise: { readonly quantity: unknown; readonly unitCost: unknown }
  readonly deviations: ReadonlyArray<string>
}

/** Nothing but the decimal strings `--json` promises. */
const decimalOrNull = (value: unknown) => value === null || (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value))

describe("psa-ledger", () => {
  afterAll(() => {
    // The secret scan: no output of any command run here holds a link secret or a deployment key.
    const all = printed.join("\n")
    for (const secret of [...sandboxSecrets, "typed-private-key", "typed-client-secret", ...keys]) {
      expect(all).not.toContain(secret)
    }
    expect(all).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/) // no stack trace without --verbose
  })

  it("walks the README's month: every command exits 0, the plan is applied as a run", async () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")
    const script = /## A month, from the command line[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? ""
    const lines = script.split("\n").filter((line) => line.startsWith("psa-ledger ") || line.startsWith("export "))
    expect(lines.length).toBeGreaterThanOrEqual(8)
    const dir = mkdtempSync(join(tmpdir(), "psa-cli-readme-"))
    const env: Record<string, string> = {}
    const outputs = new Map<string, string>()
    for (const line of lines) {
      if (line.startsWith("export ")) {
        for (const pair of line.slice("export ".length).split(" ")) {
          const [name = "", value = ""] = pair.split("=")
          env[name] = value // relative to the walk-through's directory, the commands' cwd
        }
        continue
      }
      const args = (line.slice("psa-ledger ".length).match(/"[^"]*"|\S+/g) ?? []).map((a) =>
        a.replace(/^"(.*)"$/, "$1")
      )
      const result = await cli(args, { cwd: dir, env })
      expect(result.stderr, line).not.toContain("psa-ledger:")
      expect(result.status, `${line}\n${result.stderr}`).toBe(0)
      outputs.set(args[0] ?? "", result.stdout)
    }
    keys.push(readFileSync(join(dir, "ledger.key"), "utf8").trim())
    expect(statSync(join(dir, "ledger.key")).mode & 0o777).toBe(0o600)
    expect(outputs.get("load")).toContain("UnitCostDiffers")
    expect(outputs.get("apply")).toMatch(/Run [0-9a-f-]+: succeeded/)
    // The run is in the history, and its log reads as text and as JSON entries.
    const runs = await cli(["runs", "acme", "--sandbox", "--json"], { cwd: dir, env })
    const [run] = JSON.parse(runs.stdout) as Array<{ id: string; job: string; status: string }>
    expect(run).toMatchObject({ job: "reconciliation.apply", status: "succeeded" })
    const [text, json] = await Promise.all([
      cli(["log", run?.id ?? ""], { cwd: dir, env }),
      cli(["log", run?.id ?? "", "--json"], { cwd: dir, env })
    ])
    expect(text.status).toBe(0)
    expect(text.stdout.length).toBeGreaterThan(0)
    expect((JSON.parse(json.stdout) as Array<unknown>).length).toBeGreaterThan(0)
    rmSync(dir, { recursive: true, force: true })
  })

  it("prints --help with an example for every command, and exits 0", async () => {
    // Every command's help from the built bin, a few child processes at a time.
    const pending = [...commands]
    const helper = async () => {
      for (let command = pending.shift(); command !== undefined; command = pending.shift()) {
        const help = await cli([...command.name.split(" "), "--help"])
        expect(help.status, command.name).toBe(0)
        expect(help.stderr, command.name).toBe("")
        expect(help.stdout).toContain(`Usage: psa-ledger ${command.name}`)
        expect(help.stdout).toMatch(/\nExample: psa-ledger /)
        expect(help.stdout).toContain("--storage")
      }
    }
    await Promise.all([helper(), helper(), helper()])
    const [overview, plan, linksAdd] = await Promise.all([
      cli(["--help"]),
      cli(["plan", "--help"]),
      cli(["links", "add", "-h"])
    ])
    expect(overview.status).toBe(0)
    for (const command of commands) expect(overview.stdout).toContain(command.name)
    expect(plan.status).toBe(0)
    expect(plan.stdout).toContain("Example: psa-ledger plan acme --month")
    expect(linksAdd.status).toBe(0)
    expect(linksAdd.stdout).toContain("never a flag")
  })

  it("exits 2 on usage errors, with one line and what to do", async () => {
    const d = await deploymentDir()
    try {
      const results = await Promise.all([
        cli(["load", "acme", "--month", "2026-13"], { env: d.env }),
        cli(["load", "acme", "--bogus"], { env: d.env }),
        cli(["months"], { env: d.env }),
        cli(["links", "list"]), // no storage
        cli(["links", "add", "x", ...LINK_FLAGS], { env: d.env }) // no secrets, no terminal
      ])
      for (const result of results) {
        expect(result.status, result.stderr).toBe(2)
        expect(result.stderr).toMatch(/^psa-ledger: .+\n {2}\S.+\n$/)
      }
      expect(results[3]?.stderr).toContain("PSA_LEDGER_STORAGE")
      expect(results[4]?.stderr).toContain("PSA_LEDGER_CW_PRIVATE_KEY")
    } finally {
      d.remove()
    }
  })

  it("adds a link with secrets from stdin, shows them only as set, and exits 1 on what fails", async () => {
    const d = await deploymentDir()
    keys.push(d.key())
    try {
      const add = await cli(["links", "add", "real", ...LINK_FLAGS, "--secrets-from-stdin"], {
        env: d.env,
        input: "typed-private-key\ntyped-client-secret\n"
      })
      expect(add.status, add.stderr).toBe(0)
      const show = await cli(["links", "show", "real", "--json"], { env: d.env })
      const view = JSON.parse(show.stdout) as {
        config: { connectwise: { privateKey: { set: boolean } }; exact: { clientSecret: { set: boolean } } }
      }
      expect(view.config.connectwise.privateKey.set).toBe(true)
      expect(view.config.exact.clientSecret.set).toBe(true)
      const [missing, wrongKey, again, verbose] = await Promise.all([
        cli(["links", "show", "nope"], { env: d.env }),
        cli(["links", "list"], {
          env: {
            ...d.env,
            PSA_LEDGER_SECRET_KEY_FILE: "",
            PSA_LEDGER_SECRET_KEY: Buffer.alloc(32, 7).toString("base64")
          }
        }),
        cli(["init", "--key-file", d.env.PSA_LEDGER_SECRET_KEY_FILE], { env: d.env }),
        cli(["links", "show", "nope", "--verbose"], { env: d.env })
      ])
      expect(missing.status).toBe(1)
      expect(missing.stderr).toContain("links list")
      expect(wrongKey.status).toBe(1)
      expect(wrongKey.stderr).toContain("WrongSecretKey")
      expect(again.status).toBe(1) // a key file is never overwritten
      expect(again.stderr).toContain("exists already")
      expect(verbose.status).toBe(1)
      const list = await cli(["links", "list", "--json"], { env: d.env })
      expect(JSON.parse(list.stdout)).toEqual([{ id: "real", name: "real", version: 1 }])
      const removed = await cli(["links", "remove", "real"], { env: d.env })
      expect(removed.status).toBe(0)
    } finally {
      d.remove()
    }
  })

  it("loads as JSON with decimal strings and as CSV; plans with --strict (4); previews blocked (4); transfers with blocked invoices (4)", async () => {
    const d = await deploymentDir()
    keys.push(d.key())
    try {
      expect((await cli(["links", "add", "acme", "--sandbox"], { env: d.env })).status).toBe(0)
      const [json, csv, unlinked, strict, preview] = await Promise.all([
        cli(["load", "acme", "--month", "2025-03", "--json", "--sandbox"], { env: d.env }),
        cli(["load", "acme", "--month", "2025-03", "--csv", "--only", "deviations", "--sandbox"], { env: d.env }),
        cli(["load", "acme", "--month", "2025-03", "--only", "unlinked", "--json", "--sandbox"], { env: d.env }),
        cli(["plan", "acme", "--month", "2025-03", "--strict", "--json", "--out", join(d.dir, "p.json"), "--sandbox"], {
          env: d.env
        }),
        cli(["transfer", "acme", "--from", "2025-03-01", "--to", "2025-03-31", "--dry-run", "--json", "--sandbox"], {
          env: d.env
        })
      ])
      expect(json.status).toBe(0)
      const grid = JSON.parse(json.stdout) as { link: string; month: string; rows: Array<RowJson> }
      expect(grid).toMatchObject({ link: "acme", month: "2025-03" })
      expect(grid.rows.length).toBeGreaterThan(20)
      for (const row of grid.rows) {
        expect(decimalOrNull(row.invoice.quantity)).toBe(true)
        expect(decimalOrNull(row.invoice.unitCost)).toBe(true)
        expect(decimalOrNull(row.connectwise.quantity)).toBe(true)
      }
      const costOff = grid.rows.find((row) => row.deviations.includes("UnitCostDiffers"))
      expect(costOff?.connectwise.unitCost).not.toBe(costOff?.invoice.unitCost)
      expect(csv.stdout.split("\r\n")[0]).toBe(
        "customer,product,cust,prod,agrm,inv_qty,cw_qty,inv_cost,cw_cost,deviation"
      )
      const deviating = grid.rows.filter((row) => row.deviations.length > 0).length
      expect(csv.stdout.trimEnd().split("\r\n").length - 1).toBe(deviating)
      const notLinked = (JSON.parse(unlinked.stdout) as typeof grid).rows
      expect(notLinked.length).toBeGreaterThan(0)
      expect(notLinked.every((row) => Object.values(row.states).some((s) => s !== "Matched" && s !== "Mapped"))).toBe(
        true
      )
      expect(strict.status).toBe(4)
      const planned = JSON.parse(strict.stdout) as { unlinked: number; summary: { counts: Record<string, number> } }
      expect(planned.unlinked).toBeGreaterThan(0)
      expect(JSON.parse(readFileSync(join(d.dir, "p.json"), "utf8"))).toMatchObject({
        format: 1,
        link: "acme",
        month: "2025-03"
      })
      expect(preview.status).toBe(4)
      const transferPlan = JSON.parse(preview.stdout) as { blocked: Array<unknown>; operations: Array<unknown> }
      expect(transferPlan.blocked.length).toBeGreaterThan(0)
      const transfer = await cli(
        ["transfer", "acme", "--from", "2025-03-01", "--to", "2025-03-31", "--json", "--sandbox"],
        { env: d.env }
      )
      // Blocked invoices are not failures: the run succeeds, and the exit code says a person is needed.
      expect(transfer.status).toBe(4)
      const transferred = JSON.parse(transfer.stdout) as { status: string; counts: Record<string, number> }
      expect(transferred.status).toBe("succeeded")
      expect(transferred.counts.blocked).toBeGreaterThan(0)
      expect(transferred.counts.failed).toBe(0)
      const payments = await cli(["payments", "acme", "--json", "--sandbox"], { env: d.env })
      expect(payments.status).toBe(0)
      expect(JSON.parse(payments.stdout)).toMatchObject({ status: "succeeded" })
    } finally {
      d.remove()
    }
  })

  it("sets, lists and removes a mapping; connects Exact on the sandbox; applies nothing from a bad file (2)", async () => {
    const d = await deploymentDir()
    try {
      expect((await cli(["links", "add", "acme", "--sandbox"], { env: d.env })).status).toBe(0)
      const set = await cli(
        ["mappings", "set", "acme", "--kind", "customer", "--source", "C-1", "--target", "250", "--sandbox"],
        { env: d.env }
      )
      expect(set.status, set.stderr).toBe(0)
      const list = await cli(["mappings", "list", "acme", "--json", "--sandbox"], { env: d.env })
      expect(JSON.parse(list.stdout)).toEqual(
        expect.arrayContaining([expect.objectContaining({ kind: "customer", sourceKey: "C-1", targetId: 250 })])
      )
      const [removed, connect, bad] = await Promise.all([
        cli(["mappings", "remove", "acme", "--kind", "customer", "--source", "C-1", "--sandbox"], { env: d.env }),
        cli(["exact", "connect", "acme", "--sandbox"], { env: d.env }),
        cli(["apply", join(d.dir, "ledger.key"), "--sandbox"], { env: d.env })
      ])
      expect(removed.status).toBe(0)
      expect(connect.status, connect.stderr).toBe(0)
      expect(connect.stdout).toMatch(/https?:\/\/\S+oauth2\/auth\?/)
      expect(connect.stdout).toContain("Exact Online connected for acme")
      expect(bad.status).toBe(2)
    } finally {
      d.remove()
    }
  })

  it("cancels an apply on Ctrl-C: exit 130, a cancelled run, and what was not written is left for the next apply", async () => {
    const d = await deploymentDir()
    try {
      expect((await cli(["links", "add", "acme", "--sandbox"], { env: d.env })).status).toBe(0)
      const planFile = join(d.dir, "plan.json")
      const planned = await cli(["plan", "acme", "--month", "2025-03", "--out", planFile, "--json", "--sandbox"], {
        env: d.env
      })
      expect(planned.status, planned.stderr).toBe(0)
      const total = (JSON.parse(readFileSync(planFile, "utf8")) as { plan: { operations: Array<unknown> } }).plan
        .operations.length
      expect(total).toBeGreaterThan(3)
      // A slow ConnectWise, so that the interrupt lands while operations are still to come.
      const apply = cliRunning(["apply", planFile, "--sandbox"], {
        env: { ...d.env, PSA_LEDGER_SANDBOX_LATENCY_MS: "800" }
      })
      await apply.waitFor(/^apply: [1-9]\d*\//)
      apply.child.kill("SIGINT")
      const result = await apply.done
      expect(result.status, result.stderr).toBe(130)
      expect(result.stderr).toContain("cancelling")
      expect(result.stdout).toContain("Cancelled: what was not written is left for the next apply.")
      expect(result.stderr).not.toMatch(/\n\s+at /)
      const runs = JSON.parse((await cli(["runs", "acme", "--json", "--sandbox"], { env: d.env })).stdout) as Array<{
        id: string
        job: string
        status: string
        counts: Record<string, number>
      }>
      const run = runs.find((r) => r.job === "reconciliation.apply")
      expect(run?.status).toBe("cancelled")
      // Some operations were written, not all; none is counted as failed.
      expect(run?.counts.done ?? 0).toBeGreaterThan(0)
      expect(run?.counts.done ?? 0).toBeLessThan(total)
      expect(run?.counts.failed ?? 0).toBe(0)
      const log = await cli(["log", run?.id ?? "", "--sandbox"], { env: d.env })
      expect(log.status).toBe(0)
      expect(log.stdout).toMatch(/cancel/i)
      const followed = await cli(["log", run?.id ?? "", "--follow", "--json", "--sandbox"], { env: d.env })
      expect(followed.status).toBe(130)
      const lines = followed.stdout.trimEnd().split("\n")
      expect(lines.length).toBeGreaterThan(0)
      for (const line of lines) expect(JSON.parse(line)).toHaveProperty("message")
    } finally {
      d.remove()
    }
  })
})
