/**
 * The sandbox's own scale: building a world of N customers (ten lines each a month), loading it into
 * the HTTP server, and serving it — every 1,000-row page of Exact's bulk sales lines and of
 * ConnectWise's companies, over real HTTP with our clients. Time and memory of each step.
 */
import { createConnectWiseClient } from "@psa-ledger/connectwise-client"
import { createExactClient, memoryTokenStore } from "@psa-ledger/exact-client"
import { createWorld, startSandboxServer } from "@psa-ledger/sandbox"
import { type CaseResult, peakRssMb, timed } from "../measure.ts"

/** Parameters of one run. */
export interface SandboxScaleParams {
  readonly customers: number
  readonly months: number
}

/** One run: build, load, serve. */
export const run = async (params: SandboxScaleParams): Promise<CaseResult> => {
  const built = await timed(() =>
    createWorld({ seed: 7, customers: params.customers, products: 10, months: params.months, linesPerCustomer: 10 })
  )
  const world = built.value
  const rssAfterBuild = peakRssMb()
  const loaded = await timed(() =>
    startSandboxServer({ world, port: 0, exact: { minutelyLimit: 1_000_000, dailyLimit: 10_000_000 } })
  )
  const server = loaded.value
  const rssAfterLoad = peakRssMb()
  const exact = createExactClient({
    ...server.credentials.exact,
    baseUrl: server.baseUrls.exact,
    tokens: memoryTokenStore()
  })
  await exact.auth.exchangeCode(server.authorizationCode())
  const connectwise = createConnectWiseClient({
    baseUrl: server.baseUrls.connectwise,
    ...server.credentials.connectwise
  })
  const served = await timed(async () => {
    const lines = await exact.listAll("salesinvoice/SalesInvoiceLines", {
      bulk: true,
      select: ["ID", "InvoiceID", "Quantity"]
    })
    const companies = await connectwise.listAll("/company/companies")
    return lines.length + companies.length
  })
  await server.close()
  const salesLines = world.exact.salesInvoices.reduce((n, invoice) => n + invoice.SalesInvoiceLines.length, 0)
  return {
    metrics: {
      customers: params.customers,
      months: params.months,
      salesLines,
      buildMs: built.wallMs,
      buildCpuMs: built.cpuMs,
      loadMs: loaded.wallMs,
      serveMs: served.wallMs,
      rowsServed: served.value,
      rowsPerS: served.value / (served.wallMs / 1000),
      rssAfterBuildMb: rssAfterBuild,
      rssAfterLoadMb: rssAfterLoad,
      wallMs: built.wallMs + loaded.wallMs + served.wallMs,
      cpuMs: built.cpuMs + loaded.cpuMs + served.cpuMs,
      peakRssMb: peakRssMb()
    }
  }
}
