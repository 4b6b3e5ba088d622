/**
 * Loading a month of 5,000 invoice lines (500 customers × 10 products) against both simulations:
 * API calls per endpoint next to the lower bound (⌈rows/1,000⌉ per list, plus one call per agreement
 * for additions), and wall time. Writes bench/results/load-month.json.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { createConnectWiseClient } from "@psa-ledger/connectwise-client"
import { createExactClient, memoryTokenStore } from "@psa-ledger/exact-client"
import { LinkSettings, makeMemoryMappingStore } from "@psa-ledger/reconcile-core"
import { ConnectWiseSimulation, createExactSimulation, rawNumber, virtualClock } from "@psa-ledger/sandbox"
import { exactSalesSource } from "../src/reconciliation/ExactSales.ts"
import { SalesSourceSettings } from "../src/reconciliation/index.ts"
import { loadMonth } from "../src/reconciliation/LoadMonth.ts"

const CUSTOMERS = Number(process.env.CUSTOMERS ?? 500)
const PRODUCTS = Number(process.env.PRODUCTS ?? 10)
const DIVISION = 1001
const app = { clientId: "bench", clientSecret: "bench-secret", redirectUri: "https://bench.example/cb" }
const guid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`

const clock = virtualClock(Date.UTC(2026, 1, 2, 8))
const exactSim = createExactSimulation({ clock, apps: [app], dailyLimit: 1_000_000, minutelyLimit: 1_000_000 })
const cwSim = new ConnectWiseSimulation({ clientIds: ["bench-client"] })
const exact = createExactClient({
  ...app,
  tokens: memoryTokenStore(),
  clock,
  division: DIVISION,
  fetch: exactSim.handle
})
await exact.auth.exchangeCode(exactSim.authorize())
const connectwise = createConnectWiseClient({
  baseUrl: cwSim.baseUrl(),
  companyId: cwSim.companyId,
  publicKey: cwSim.publicKey,
  privateKey: cwSim.privateKey,
  clientId: "bench-client",
  fetch: cwSim.handle
})

// The simulation's date type is not exported; an account created through the API carries one.
const probe = await exact.createAccount({ Name: "Probe", Code: "999999" })
const WhenType = (exactSim.records(DIVISION, "Accounts").find((a) => a.ID === probe.ID)?.Created ?? new Date())
  .constructor as new (
  ms: number
) => never
const type = cwSim.store.insert("agreementTypes", { name: "Managed Services" })
const items = Array.from({ length: PRODUCTS }, (_, p) => {
  const code = `SVC-${String(p + 1).padStart(3, "0")}`
  exactSim.insert(DIVISION, "Items", { ID: guid(900_000 + p), Code: code, Description: `Service ${p + 1}` })
  const item = cwSim.store.insert("catalogItems", {
    identifier: code,
    description: `Service ${p + 1}`,
    customerDescription: `Service ${p + 1}`,
    subcategory: { id: 1 },
    type: { id: 1 },
    cost: rawNumber("10.00"),
    price: rawNumber("15.00"),
    inactiveFlag: false
  })
  return { id: guid(900_000 + p), code, cwId: item.id }
})
let lineNo = 0
for (let c = 0; c < CUSTOMERS; c++) {
  const account = guid(100_000 + c)
  const code = `C${String(c + 1).padStart(5, "0")}`
  exactSim.insert(DIVISION, "Accounts", { ID: account, Code: code.padStart(18, " "), Name: `Customer ${c + 1}` })
  const invoice = guid(200_000 + c)
  exactSim.insert(DIVISION, "SalesInvoices", {
    InvoiceID: invoice,
    InvoiceNumber: 26_000_000 + c,
    InvoiceDate: new WhenType(Date.UTC(2026, 0, 1)),
    OrderedBy: account,
    OrderedByName: `Customer ${c + 1}`,
    Currency: "EUR",
    Type: 8020
  })
  const company = cwSim.store.insert("companies", { identifier: code, name: `Customer ${c + 1}`, deletedFlag: false })
  const agreement = cwSim.store.insert("agreements", {
    name: `Managed ${code}`,
    type: { id: type.id },
    company: { id: company.id, identifier: code },
    contact: { id: 1 },
    startDate: "2025-01-01T00:00:00Z",
    agreementStatus: "Active",
    currency: { currencyCode: "EUR" }
  })
  for (const item of items) {
    exactSim.insert(DIVISION, "SalesInvoiceLines", {
      ID: guid(300_000 + ++lineNo),
      InvoiceID: invoice,
      Item: item.id,
      ItemCode: item.code,
      Quantity: 1 + ((c + lineNo) % 20),
      NetPrice: "15.00"
    })
    cwSim.store.insert("additions", {
      agreementId: agreement.id,
      product: { id: item.cwId, identifier: item.code },
      quantity: 1 + ((c + lineNo) % 20),
      unitCost: rawNumber("15.00"),
      unitPrice: rawNumber("15.00"),
      billCustomer: "Billable",
      effectiveDate: "2025-01-01T00:00:00Z",
      agreementStatus: "Active"
    })
  }
}
exactSim.resetCounters()
cwSim.requests.reset()

const started = performance.now()
const cpu = process.cpuUsage()
const { rows, lines } = await loadMonth(
  {
    linkId: "bench",
    source: exactSalesSource(exact, new SalesSourceSettings({ kind: "sales", unitCost: "netPrice" }), {
      now: () => Date.UTC(2026, 1, 2)
    }),
    connectwise,
    mappings: makeMemoryMappingStore(),
    settings: new LinkSettings({ compare: "unitPrice" })
  },
  "2026-01"
)
const wallMs = performance.now() - started
const cpuMs = (process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1000

const page = 1000
const bounds: Record<string, number> = {
  "GET bulk/SalesInvoice/SalesInvoices": Math.ceil(CUSTOMERS / page),
  "GET bulk/CRM/Accounts": Math.ceil(CUSTOMERS / page),
  "GET /company/companies": Math.ceil(CUSTOMERS / page),
  "GET /procurement/catalog": Math.ceil(PRODUCTS / page),
  "GET /finance/agreements": Math.ceil(CUSTOMERS / page),
  "GET /finance/agreements/{parentId}/additions": CUSTOMERS
}
const calls: Record<string, number> = { ...exactSim.requestCounts(), ...cwSim.requests.snapshot() }
const table = [...new Set([...Object.keys(bounds), ...Object.keys(calls)])].map((endpoint) => ({
  endpoint,
  calls: calls[endpoint] ?? 0,
  lowerBound: bounds[endpoint] ?? 0
}))
const total = table.reduce((sum, row) => sum + row.calls, 0)
const bound = table.reduce((sum, row) => sum + row.lowerBound, 0)
console.table(table)
const summary = {
  customers: CUSTOMERS,
  products: PRODUCTS,
  lines: lines.length,
  rows: rows.length,
  calls: total,
  lowerBound: bound,
  overLowerBound: `${(((total - bound) / bound) * 100).toFixed(1)}%`,
  wallMs: Math.round(wallMs),
  cpuMs: Math.round(cpuMs),
  heapMB: Math.round(process.memoryUsage().heapUsed / 1e6)
}
console.log(summary)
mkdirSync(new URL("./results/", import.meta.url), { recursive: true })
writeFileSync(new URL("./results/load-month.json", import.meta.url), `${JSON.stringify({ summary, table }, null, 2)}\n`)
