import { type ChildProcess, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"

const dir = mkdtempSync(join(tmpdir(), "psa-server-bin-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const start = (env: Record<string, string>) => {
  const child = spawn(process.execPath, ["--conditions=@psa-ledger/source", "src/bin.ts"], {
    cwd: new URL("..", import.meta.url).pathname,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "ignore", "pipe"]
  })
  let stderr = ""
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  return { child, exited, stderr: () => stderr }
}

const listening = async (run: { stderr: () => string; child: ChildProcess }) => {
  for (let i = 0; i < 6_000; i++) {
    const match = /"url":"([^"]+)"/.exec(run.stderr())
    if (match?.[1] !== undefined) return match[1]
    if (run.child.exitCode !== null) throw new Error(`exited: ${run.stderr()}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error(`never listened: ${run.stderr()}`)
}

describe("psa-ledger-server", () => {
  it("starts from the environment on SQLite, serves the API and stops gracefully on SIGTERM", async () => {
    const key = randomBytes(32).toString("base64")
    const run = start({ PSA_LEDGER_STORAGE: `sqlite:${join(dir, "ledger.db")}`, PSA_LEDGER_SECRET_KEY: key, PORT: "0" })
    const url = await listening(run)
    const doc = await fetch(`${url}/api/v1/openapi.json`)
    expect(doc.status).toBe(200)
    const me = await fetch(`${url}/api/v1/session`)
    expect([me.status, (await me.json()).error.code]).toEqual([401, "Unauthenticated"])
    run.child.kill("SIGTERM")
    expect(await run.exited).toBe(0)
    expect(run.stderr()).toContain('"message":"stopped"')
    expect(run.stderr()).not.toContain(key)
  })

  it("refuses to start without a storage, naming the setting, and never takes the key as a flag", async () => {
    const missing = start({})
    expect(await missing.exited).toBe(1)
    expect(missing.stderr()).toContain("PSA_LEDGER_STORAGE")
  })
})
