import { describe, expect, it } from "vitest"
import * as entry from "../src/index.ts"

describe("@psa-ledger/exact-client entry", () => {
  it("names the package it belongs to", async () => {
    const manifest = await import("../package.json", { with: { type: "json" } })
    expect(entry.packageName).toBe(manifest.default.name)
  })

  it("exports exactly these runtime names (a change here is a deliberate API change)", () => {
    expect(Object.keys(entry).sort()).toEqual(
      [
        "ExactAbortedError",
        "Account",
        "ExactDailyLimitExhaustedError",
        "ERROR_BUDGET",
        "ExactErrorBudgetExhaustedError",
        "ExactDecimal",
        "ExactDecodeError",
        "Division",
        "ExactDate",
        "ExactError",
        "ExactErrorReason",
        "ExactForbiddenError",
        "GLAccount",
        "Guid",
        "Item",
        "Me",
        "ExactNotFoundError",
        "PaymentCondition",
        "PurchaseInvoice",
        "PurchaseInvoiceLine",
        "ExactRateLimitedError",
        "Receivable",
        "SalesEntry",
        "SalesInvoice",
        "SalesInvoiceLine",
        "ExactServerError",
        "Subscription",
        "SubscriptionLine",
        "ExactTimeoutError",
        "ExactTokenChainBrokenError",
        "ExactTransportError",
        "ExactUnauthorizedError",
        "VATCode",
        "ExactValidationError",
        "budgetFreesAt",
        "createExactClient",
        "exactRegionHosts",
        "isGuid",
        "literal",
        "memoryErrorBudget",
        "memoryTokenStore",
        "odata",
        "packageName",
        "parseExactDate",
        "parseExactJson",
        "plainRecord",
        "systemClock",
        "toExactJson"
      ].sort()
    )
  })

  it("every reason is an Error whose tag is its class name without the Exact prefix", () => {
    for (const [name, value] of Object.entries(entry)) {
      if (!name.endsWith("Error") || name === "ExactError") continue
      expect(name.startsWith("Exact")).toBe(true)
      // A reason's required fields, whichever class: the unused ones are ignored.
      const reason = new (value as new (fields: Record<string, unknown>) => Error & { _tag: string })({
        message: "m",
        messages: [],
        status: 500,
        resetAt: 0,
        timeoutMs: 1,
        endpoint: "crm/Accounts",
        errors: 8,
        freesAt: 0
      })
      expect(reason).toBeInstanceOf(Error)
      expect(reason._tag).toBe(name.slice("Exact".length))
    }
  })
})
