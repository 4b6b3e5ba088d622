/**
 * The naive baseline of P1: how an integration written without regard for the APIs' shape loads a
 * month. Exact Online through its regular endpoints (60 rows a page: invoices, their lines, the
 * accounts), then ConnectWise one look-up per invoice line (the line's addition, by product, under the
 * customer's agreement), after finding each customer's company and agreement once.
 *
 * Above a size the ConnectWise look-ups are counted from that access pattern instead of sent: the
 * pattern depends only on the lines (2 calls per customer, 1 per line), and sending tens of thousands
 * of look-ups would only burn the machine. At the size where they are sent, the count the sandbox saw
 * is checked against the counted pattern.
 */
import { type ConnectWiseClient, conditions } from "@psa-ledger/connectwise-client"
import { createExactClient, memoryTokenStore } from "@psa-ledger/exact-client"
import type { ExactConnection } from "@psa-ledger/link"
import type { Sandbox } from "@psa-ledger/sandbox"

type Raw = Record<string, unknown>

/** What the naive load did: its ConnectWise calls sent, and counted from its access pattern. */
export interface NaiveLoad {
  readonly lines: number
  readonly customers: number
  readonly connectwiseCallsSent: number
  readonly connectwiseCallsCounted: number
}

const monthFilter = (month: string) => {
  const [year, mon] = month.split("-").map(Number) as [number, number]
  const next = new Date(Date.UTC(year, mon, 1)).toISOString().slice(0, 10)
  return `InvoiceDate ge datetime'${month}-01' and InvoiceDate lt datetime'${next}'`
}

/** Loads `month` the naive way; `send` says whether the ConnectWise look-ups go out. */
export const naiveLoad = async (
  sandbox: Sandbox,
  exactConnection: ExactConnection,
  connectwise: ConnectWiseClient,
  month: string,
  send: boolean
): Promise<NaiveLoad> => {
  const exact = createExactClient({ ...exactConnection, tokens: memoryTokenStore() })
  await exact.auth.exchangeCode(sandbox.authorizationCode())
  const exactList = (endpoint: string, options: { select: Array<string>; filter?: string }) =>
    exact.listAll<Raw>(endpoint, { bulk: false, ...options })
  const invoices = await exactList("salesinvoice/SalesInvoices", {
    select: ["InvoiceID", "OrderedBy"],
    filter: monthFilter(month)
  })
  // The bench's worlds hold one month, so every line of the division is the month's.
  const lines = await exactList("salesinvoice/SalesInvoiceLines", { select: ["ID", "InvoiceID", "ItemCode"] })
  const accounts = await exactList("crm/Accounts", { select: ["ID", "Code"] })
  const codeOf = new Map(accounts.map((a) => [String(a.ID).toLowerCase(), String(a.Code ?? "").trim()]))
  const customerOf = new Map(
    invoices.map((i) => [String(i.InvoiceID).toLowerCase(), codeOf.get(String(i.OrderedBy).toLowerCase()) ?? ""])
  )
  const byCustomer = new Map<string, Array<Raw>>()
  for (const line of lines) {
    const customer = customerOf.get(String(line.InvoiceID).toLowerCase()) ?? ""
    byCustomer.set(customer, [...(byCustomer.get(customer) ?? []), line])
  }
  const counted = byCustomer.size * 2 + lines.length
  let sent = 0
  if (send) {
    for (const [code, customerLines] of byCustomer) {
      sent++
      const [company] = await connectwise.listAll("/company/companies", {
        conditions: conditions.eq("identifier", code)
      })
      sent++
      // Not found by identifier: the naive integration tries the account number, and gives up.
      const [agreement] =
        company === undefined
          ? await connectwise
              .listAll("/company/companies", { conditions: conditions.eq("accountNumber", code) })
              .then(() => [])
          : await connectwise.listAll("/finance/agreements", { conditions: conditions.eq("company/id", company.id) })
      for (const line of customerLines) {
        sent++
        const product = conditions.eq("product/identifier", String(line.ItemCode ?? ""))
        if (agreement === undefined) {
          await connectwise.listAll("/procurement/catalog", {
            conditions: conditions.eq("identifier", String(line.ItemCode ?? ""))
          })
        } else {
          await connectwise.listAll("/finance/agreements/{parentId}/additions", {
            path: { parentId: agreement.id },
            conditions: product
          })
        }
      }
    }
  }
  return {
    lines: lines.length,
    customers: byCustomer.size,
    connectwiseCallsSent: sent,
    connectwiseCallsCounted: counted
  }
}
