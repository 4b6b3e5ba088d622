import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"

const run = promisify(execFile)
const recorder = fileURLToPath(new URL("./support/record-packages.mjs", import.meta.url))
const HEAVY = ["croner", "nodemailer", "pg", "pg-boss"] as const

/** The npm packages a fresh Node process resolves when it imports `specifier` from the source. */
const packagesLoadedBy = async (specifier: string): Promise<ReadonlyArray<string>> => {
  const { stdout } = await run(
    process.execPath,
    [
      "--conditions=@psa-ledger/source",
      "--import",
      recorder,
      "--input-type=module",
      "--eval",
      `await import(${JSON.stringify(specifier)})`
    ],
    { cwd: fileURLToPath(new URL("..", import.meta.url)) }
  )
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "[]")
}

const heavyIn = (loaded: ReadonlyArray<string>) => HEAVY.filter((name) => loaded.includes(name))

describe("entry points load only their own optional dependencies", () => {
  it("the root entry loads none of pg, pg-boss, nodemailer or croner", async () => {
    const loaded = await packagesLoadedBy("@psa-ledger/link")
    expect(loaded).toContain("effect")
    expect(heavyIn(loaded)).toEqual([])
  })

  it("/smtp loads nodemailer", async () => {
    expect(heavyIn(await packagesLoadedBy("@psa-ledger/link/smtp"))).toEqual(["nodemailer"])
  })

  it("/schedule loads croner", async () => {
    expect(heavyIn(await packagesLoadedBy("@psa-ledger/link/schedule"))).toEqual(["croner"])
  })

  it("/pg-boss loads pg-boss (and its pg)", async () => {
    expect(heavyIn(await packagesLoadedBy("@psa-ledger/link/pg-boss"))).toEqual(["pg", "pg-boss"])
  })
})
