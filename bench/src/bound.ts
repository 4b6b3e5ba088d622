/**
 * The lower bound of a month's API calls (DESIGN §5), computed from the world alone — what the month
 * needs, not what our code happened to read: for each list, one call per full page of 1,000 rows
 * (ConnectWise, and Exact's bulk endpoints), and one additions call per agreement in force of the
 * invoiced customers' companies (the API lists additions only under their agreement).
 */
import type { World } from "@psa-ledger/sandbox"

const PAGE = 1_000
const pages = (rows: number) => Math.max(1, Math.ceil(rows / PAGE))

/** The bound per list, per system. */
export interface CallBound {
  readonly exact: Readonly<Record<string, number>>
  readonly connectwise: Readonly<Record<string, number>>
}

/** The "YYYY-MM" of an Exact date (`/Date(ms)/`, as the API writes it). */
const monthOf = (date: string): string => {
  const ms = /\/Date\((-?\d+)\)\//.exec(date)?.[1]
  return ms === undefined ? date.slice(0, 7) : new Date(Number(ms)).toISOString().slice(0, 7)
}

/** What loading `month` ("YYYY-MM") of `world` needs at least. */
export const monthBound = (world: World, month: string): CallBound => {
  const invoices = world.exact.salesInvoices.filter((invoice) => monthOf(invoice.InvoiceDate) === month)
  const accounts = new Set(invoices.map((invoice) => invoice.OrderedBy.toLowerCase()))
  const companyOf = new Map(world.truth.links.companies.map((link) => [link.accountId.toLowerCase(), link.companyId]))
  const companies = new Set([...accounts].flatMap((account) => companyOf.get(account) ?? []))
  const catalogOf = new Map(world.truth.links.items.map((link) => [link.itemId.toLowerCase(), link.catalogItemId]))
  const items = new Set<number>()
  for (const invoice of invoices)
    for (const line of invoice.SalesInvoiceLines) {
      const id = line.Item === null ? undefined : catalogOf.get(line.Item.toLowerCase())
      if (typeof id === "number") items.add(id)
    }
  const start = `${month}-01`
  const end = `${month}-31`
  const agreements = world.connectwise.agreements.filter((agreement) => companies.has(agreement.company.id))
  const inForce = agreements.filter(
    (a) =>
      a.agreementStatus === "Active" &&
      a.startDate.slice(0, 10) <= end &&
      (a.noEndingDateFlag || a.endDate === null || a.endDate.slice(0, 10) >= start)
  )
  const inForceIds = new Set(inForce.map((agreement) => agreement.id))
  const additionsOf = new Map<number, number>()
  for (const addition of world.connectwise.additions) {
    if (!inForceIds.has(addition.agreementId)) continue
    additionsOf.set(addition.agreementId, (additionsOf.get(addition.agreementId) ?? 0) + 1)
    // A cancellation names its product: the products of additions are part of the catalog read.
    items.add(addition.product.id)
  }
  let additionCalls = 0
  for (const agreement of inForce) additionCalls += pages(additionsOf.get(agreement.id) ?? 0)
  return {
    exact: {
      "GET bulk/SalesInvoice/SalesInvoices": pages(invoices.length),
      "GET bulk/CRM/Accounts": pages(accounts.size)
    },
    connectwise: {
      "GET /company/companies": pages(companies.size),
      "GET /procurement/catalog": pages(items.size),
      "GET /finance/agreements": pages(agreements.length),
      "GET /finance/agreements/{parentId}/additions": additionCalls
    }
  }
}
