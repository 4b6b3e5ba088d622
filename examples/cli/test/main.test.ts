import { spawnSync } from "node:child_process"
import { describe, expect, it } from "vitest"
import { binArgs, cliDir } from "./support.ts"

describe("psa-ledger cli", () => {
  it("refuses an unknown command with exit 2 and one line on stderr", () => {
    const result = spawnSync(process.execPath, binArgs(["nope"]), {
      cwd: cliDir,
      encoding: "utf8"
    })
    expect(result.status).toBe(2)
    expect(result.stdout).toBe("")
    expect(result.stderr).toContain('unknown command "nope"')
  })
})
