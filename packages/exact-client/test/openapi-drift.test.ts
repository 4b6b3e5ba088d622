import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"

const packageDir = new URL("..", import.meta.url).pathname
const committedDocument = join(packageDir, "openapi/exact.openapi.json")
const committedTypes = join(packageDir, "src/generated/exact.ts")

describe("the OpenAPI document and its generated types", () => {
  const scratch = mkdtempSync(join(tmpdir(), "exact-openapi-"))

  it("openapi/exact.openapi.json is what openapi/build.mjs writes (run `npm run generate`)", () => {
    const fresh = join(scratch, "exact.openapi.json")
    execFileSync(process.execPath, [join(packageDir, "openapi/build.mjs"), fresh])
    expect(readFileSync(fresh, "utf8")).toBe(readFileSync(committedDocument, "utf8"))
  })

  it("src/generated/exact.ts is what openapi-typescript makes of the document (run `npm run generate`)", () => {
    const cli = join(createRequire(import.meta.url).resolve("openapi-typescript/package.json"), "../bin/cli.js")
    const fresh = join(scratch, "exact.ts")
    execFileSync(process.execPath, [cli, committedDocument, "-o", fresh], { stdio: "pipe" })
    expect(readFileSync(fresh, "utf8")).toBe(readFileSync(committedTypes, "utf8"))
  })

  it("describes every endpoint psa-ledger uses", () => {
    const document = JSON.parse(readFileSync(committedDocument, "utf8")) as { paths: Record<string, object> }
    const paths = Object.keys(document.paths)
    for (const endpoint of [
      "current/Me",
      "system/Divisions",
      "salesinvoice/SalesInvoices",
      "salesinvoice/SalesInvoiceLines",
      "salesinvoice/PrintedSalesInvoices",
      "bulk/SalesInvoice/SalesInvoices",
      "bulk/SalesInvoice/SalesInvoiceLines",
      "sync/SalesInvoice/SalesInvoices",
      "purchase/PurchaseInvoices",
      "purchase/PurchaseInvoiceLines",
      "purchaseentry/PurchaseEntries",
      "purchaseentry/PurchaseEntryLines",
      "project/Projects",
      "crm/Accounts",
      "logistics/Items",
      "vat/VATCodes",
      "financial/GLAccounts",
      "cashflow/PaymentConditions",
      "cashflow/Receivables",
      "subscription/Subscriptions",
      "subscription/SubscriptionLines"
    ]) {
      expect(paths.some((path) => path.endsWith(`/${endpoint}`))).toBe(true)
    }
  })
})
