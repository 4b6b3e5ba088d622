import { describe, expect, it } from "vitest"
import * as entry from "../src/index.ts"

describe("@psa-ledger/connectwise-client entry", () => {
  it("names the package it belongs to", async () => {
    const manifest = await import("../package.json", { with: { type: "json" } })
    expect(entry.packageName).toBe(manifest.default.name)
  })

  it("exports exactly these runtime names (a change here is a deliberate change of the public API)", () => {
    expect(Object.keys(entry).sort()).toEqual(
      [
        "ConnectWiseAbortedError",
        "ConnectWiseAmbiguousWriteError",
        "Addition",
        "Agreement",
        "CatalogItem",
        "Company",
        "ConnectWiseError",
        "ConnectWiseErrorReason",
        "CurrencyReference",
        "ConnectWiseDecimal",
        "ConnectWiseDecodeError",
        "ConnectWiseForbiddenError",
        "Invoice",
        "InvoiceProductLine",
        "InvoiceReference",
        "ConnectWiseNotFoundError",
        "ConnectWiseRateLimitedError",
        "Reference",
        "ConnectWiseServerError",
        "ConnectWiseTimeoutError",
        "ConnectWiseTransportError",
        "ConnectWiseUnauthorizedError",
        "ConnectWiseValidationError",
        "ValidationIssue",
        "conditions",
        "createConnectWiseClient",
        "packageName",
        "patch",
        "quote",
        "recordSchemas"
      ].sort()
    )
  })
})
