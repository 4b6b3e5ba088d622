import { spawnSync } from "node:child_process"
import { describe, expect, it } from "vitest"

describe("psa-ledger cli", () => {
  it("refuses an unknown command with exit 2 and one line on stderr", () => {
    const result = spawnSync(process.execPath, ["--conditions=@psa-ledger/source", "src/main.ts", "nope"], {
      cwd: new URL("..", import.meta.url).pathname,
      encoding: "utf8"
    })
    expect(result.status).toBe(2)
    expect(result.stdout).toBe("")
    expect(result.stderr).toContain('unknown command "nope"')
  })
})
