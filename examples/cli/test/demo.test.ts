import { afterEach, describe, expect, it, vi } from "vitest"
import { runDemo } from "../src/demo.ts"
import { cli } from "./support.ts"

afterEach(() => {
  vi.restoreAllMocks()
})

describe("npm run demo", () => {
  it("reconciles the sandbox MSP, leaves only what needs a person, and transfers invoices once", async () => {
    const printed: Array<string> = []
    vi.spyOn(console, "log").mockImplementation((...args: Array<unknown>) => {
      printed.push(args.join(" "))
    })
    const result = await runDemo({ seed: 11, customers: 12 })
    expect(result.deviations).toBeGreaterThan(0)
    expect(result.report.counts.failed).toBe(0)
    expect(result.report.counts.done).toBeGreaterThan(0)
    // What an automatic apply must not touch: lines it cannot read, customers or products it cannot
    // link or create on its own (shown as rows waiting for a person, never hidden), and currencies
    // that disagree. No quantity or cost deviation is left once the approved plan was applied.
    const needsPerson = [
      "AdditionMissing",
      "CurrencyMismatch",
      "InvalidLine",
      "Unreadable",
      "NeedsCustomer",
      "NeedsProduct",
      "NeedsAgreement",
      "DuplicateAdditions"
    ]
    expect(new Set(result.left)).toSatisfy((kinds: Set<string>) =>
      [...kinds].every((kind) => needsPerson.includes(kind))
    )
    expect(result.left).not.toContain("QuantityDiffers")
    expect(result.left).not.toContain("UnitCostDiffers")
    expect(result.transferred.created).toBeGreaterThan(0)
    expect(result.transferred.failed).toBe(0)
    expect(result.again.created).toBe(0)
    expect(printed.join("\n")).toContain("never twice")
  })

  it("runs as `psa-ledger demo` from the built bin, and exits 0", async () => {
    const result = await cli(["demo"])
    expect(result.status, result.stderr).toBe(0)
    expect(result.stdout).toContain("never twice")
  })
})
