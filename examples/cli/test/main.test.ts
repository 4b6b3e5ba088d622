import { execFileSync } from "node:child_process"
import { describe, expect, it } from "vitest"

describe("psa-ledger cli", () => {
  it("prints usage for an unknown command", () => {
    const out = execFileSync(process.execPath, ["--conditions=@psa-ledger/source", "src/main.ts", "nope"], {
      cwd: new URL("..", import.meta.url).pathname,
      encoding: "utf8"
    })
    expect(out).toContain("usage: psa-ledger")
  })
})
