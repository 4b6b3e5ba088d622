import { describe, expect, it } from "vitest"
import * as entry from "../src/index.ts"

describe("@psa-ledger/reconcile-core entry", () => {
  it("names the package it belongs to", async () => {
    const manifest = await import("../package.json", { with: { type: "json" } })
    expect(entry.packageName).toBe(manifest.default.name)
  })
})
