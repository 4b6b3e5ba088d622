import { type ExactClient, isGuid, odata } from "@psa-ledger/exact-client"
import { type InvoiceLine, makeInvoiceLine } from "@psa-ledger/reconcile-core"
import { Effect } from "effect"
import { LinkError, LinkInvalidInputError } from "../LinkError.ts"
import { withIssues } from "./Csv.ts"
import type {
  InvoiceMonth,
  InvoiceSource,
  OnProgress,
  PurchaseCustomerAttribute,
  PurchaseSourceSettings
} from "./InvoiceSource.ts"
import {
  ACCOUNT_FIELDS,
  amount,
  boundsOf,
  customerOf,
  monthsBackFrom,
  monthsOf,
  type Raw,
  reading,
  recordsById,
  text
} from "./internal/exact.ts"
import { type SourceReader, sourceFace } from "./internal/source.ts"

const normalName = (name: string) => name.trim().replace(/\s+/g, " ").toLowerCase()

/** The settings' customer attributes, checked, with each description pattern compiled once. */
const customerAttributes = (
  settings: PurchaseSourceSettings
): {
  readonly attributes: ReadonlyArray<PurchaseCustomerAttribute>
  readonly patterns: ReadonlyMap<PurchaseCustomerAttribute, RegExp>
} => {
  const attributes: ReadonlyArray<PurchaseCustomerAttribute> = Array.isArray(settings.customer)
    ? settings.customer
    : // Array.isArray does not narrow a readonly array out of the union.
      [settings.customer as PurchaseCustomerAttribute]
  if (attributes.length === 0) {
    throw LinkError.of(
      new LinkInvalidInputError({ record: "PurchaseSourceSettings", field: "customer", message: "names no attribute" })
    )
  }
  const patterns = new Map<PurchaseCustomerAttribute, RegExp>()
  for (const attribute of attributes) {
    if (attribute.by !== "description") continue
    try {
      patterns.set(attribute, new RegExp(attribute.pattern))
    } catch (error) {
      throw LinkError.of(
        new LinkInvalidInputError({
          record: "PurchaseSourceSettings",
          field: "customer.pattern",
          message: error instanceof Error ? error.message : "not a regular expression"
        })
      )
    }
  }
  return { attributes, patterns }
}

/** An invoice's lines as Exact expands them. */
const linesOf = (invoice: Raw): Array<Raw> =>
  Array.isArray(invoice.PurchaseInvoiceLines)
    ? (invoice.PurchaseInvoiceLines as Array<unknown>).filter((l): l is Raw => l !== null && typeof l === "object")
    : []

/** The Exact records the customer attributes read, in bulk: projects and their accounts, or every account. */
interface CustomerRecords {
  readonly projects: ReadonlyMap<string, Raw>
  /** By lower-case account id. */
  readonly accounts: ReadonlyMap<string, Raw>
  /** By upper-case account code, for a description pattern. */
  readonly byCode: ReadonlyMap<string, Raw>
  /** By normalised name, for a description pattern. */
  readonly byName: ReadonlyMap<string, ReadonlyArray<Raw>>
}

const readCustomerRecords = Effect.fn("link.reconciliation.purchaseCustomers")(function* (
  exact: ExactClient,
  lines: ReadonlyArray<Raw>,
  uses: (by: PurchaseCustomerAttribute["by"]) => boolean
): Effect.fn.Return<CustomerRecords, LinkError> {
  let projects = new Map<string, Raw>()
  let accounts = new Map<string, Raw>()
  let accountList: Array<Raw> = []
  // A description pattern needs every account (names are matched); the projects' accounts are among them.
  if (uses("description")) {
    accountList = yield* reading("purchase", (signal) =>
      exact.listAll<Raw>("crm/Accounts", { select: ACCOUNT_FIELDS, bulk: true, signal })
    )
  }
  if (uses("project")) {
    const projectIds = new Set(lines.flatMap((line) => text(line.Project) ?? []))
    projects = yield* recordsById("purchase", exact, "project/Projects", projectIds, {
      select: ["ID", "Code", "Description", "Account"],
      bulk: false
    })
    if (uses("description")) {
      for (const account of accountList) {
        const id = text(account.ID)?.toLowerCase()
        if (id !== undefined) accounts.set(id, account)
      }
    } else {
      const accountIds = new Set([...projects.values()].flatMap((project) => text(project.Account) ?? []))
      accounts = yield* recordsById("purchase", exact, "crm/Accounts", accountIds, {
        select: ACCOUNT_FIELDS,
        bulk: true
      })
    }
  }
  const byCode = new Map<string, Raw>()
  const byName = new Map<string, Array<Raw>>()
  for (const account of accountList) {
    const code = text(account.Code)?.trim().toUpperCase()
    if (code) byCode.set(code, account)
    const name = text(account.Name)
    if (name) byName.set(normalName(name), [...(byName.get(normalName(name)) ?? []), account])
  }
  return { projects, accounts, byCode, byName }
})

type FoundCustomer = {
  customer: ReturnType<typeof customerOf> | { key?: string; code?: string; name?: string }
  issue?: string
}

/** The customer one attribute names on a line, or why it names none. */
const customerBy = (
  attribute: PurchaseCustomerAttribute,
  line: Raw,
  records: CustomerRecords,
  patterns: ReadonlyMap<PurchaseCustomerAttribute, RegExp>
): FoundCustomer => {
  const by = attribute.by
  switch (by) {
    case "project": {
      const projectId = text(line.Project)
      if (projectId === undefined) return { customer: {}, issue: "the line has no project" }
      const project = records.projects.get(projectId.toLowerCase())
      const accountId = text(project?.Account)
      if (project === undefined) return { customer: {}, issue: `project ${projectId} was not found in Exact` }
      if (accountId === undefined) return { customer: {}, issue: `project ${text(project.Code)} has no account` }
      return { customer: customerOf(accountId, records.accounts.get(accountId.toLowerCase()), undefined) }
    }
    case "costCenter":
    case "costUnit": {
      const value = text(line[by === "costCenter" ? "CostCenter" : "CostUnit"])?.trim()
      if (!value) return { customer: {}, issue: `the line has no ${by === "costCenter" ? "cost centre" : "cost unit"}` }
      return { customer: { key: `${by}:${value}`, code: value, name: value } }
    }
    case "description": {
      const description = text(line.Description) ?? ""
      const match = patterns.get(attribute)?.exec(description)
      const value = (match?.groups?.customer ?? match?.[1])?.trim()
      if (!value) return { customer: {}, issue: "the description does not match the customer pattern" }
      const account = records.byCode.get(value.toUpperCase()) ?? uniqueOf(records.byName.get(normalName(value)))
      if (account !== undefined) return { customer: customerOf(text(account.ID) ?? "", account, value) }
      return { customer: { key: `name:${normalName(value)}`, code: "", name: value } }
    }
  }
}

/**
 * The month's purchase invoice(s) of one supplier in Exact Online (a distributor's monthly bill) as
 * an invoice source, compared on unit cost (the line's net price). The end customer of each line
 * comes from the configured attribute, or from a list of them tried in order (the first that names a
 * customer wins):
 *
 * - `project`: the account of the line's project (projects and accounts read in bulk);
 * - `costCenter` / `costUnit`: the code on the line, matched to ConnectWise identifiers and remembered;
 * - `description`: a pattern whose `customer` group (or first group) is an account code or name.
 *
 * A line whose customer cannot be read keeps its place with an issue naming the field.
 *
 * @example
 * ```ts
 * const source = exactPurchaseSource(exact, new PurchaseSourceSettings({
 *   kind: "purchase", supplier: distributorId,
 *   customer: [{ by: "project" }, { by: "description", pattern: "\\| (?<customer>.+)$" }]
 * }))
 * ```
 *
 * @since 0.1.0
 */
export const exactPurchaseSource = (
  exact: ExactClient,
  settings: PurchaseSourceSettings,
  options: { readonly now?: () => number } = {}
): InvoiceSource => sourceFace(exactPurchaseReader(exact, settings, options))

/** {@link exactPurchaseSource} as Effects (invalid settings throw when it is built, as there). */
export const exactPurchaseReader = (
  exact: ExactClient,
  settings: PurchaseSourceSettings,
  options: { readonly now?: () => number } = {}
): SourceReader => {
  const now = options.now ?? Date.now
  if (!isGuid(settings.supplier)) {
    throw LinkError.of(
      new LinkInvalidInputError({
        record: "PurchaseSourceSettings",
        field: "supplier",
        message: `${JSON.stringify(settings.supplier)} is not a GUID`
      })
    )
  }
  const { attributes, patterns } = customerAttributes(settings)
  const uses = (by: PurchaseCustomerAttribute["by"]) => attributes.some((attribute) => attribute.by === by)
  const supplier = odata.eq("Supplier", odata.guid(settings.supplier))
  return {
    kind: "purchase",
    // A supplier bills monthly: a look-back window of invoice headers (InvoiceDate only) is one call.
    months: Effect.fn("link.reconciliation.purchaseMonths")(function* () {
      const since = monthsBackFrom(now(), settings.monthsBack ?? 24)
      const invoices = yield* reading("purchase", (signal) =>
        exact.listAll<Raw>("purchase/PurchaseInvoices", {
          select: ["ID", "InvoiceDate"],
          filter: supplier.and(odata.ge("InvoiceDate", since)),
          signal
        })
      )
      return monthsOf(invoices.map((invoice) => invoice.InvoiceDate))
    }),
    lines: Effect.fn("link.reconciliation.purchaseLines")(function* (
      month: InvoiceMonth,
      lineOptions?: { readonly onProgress?: OnProgress | undefined }
    ) {
      const progress = lineOptions?.onProgress
      const bounds = yield* boundsOf(month)
      progress?.({ phase: "exact invoices", done: 0 })
      // No $select: the customer attribute (Project, CostCenter, CostUnit) is read when the division has it.
      const invoices = yield* reading("purchase", (signal) =>
        exact.listAll<Raw>("purchase/PurchaseInvoices", {
          filter: supplier.and(odata.ge("InvoiceDate", bounds.from)).and(odata.lt("InvoiceDate", bounds.until)),
          expand: ["PurchaseInvoiceLines"],
          signal
        })
      )
      const all = invoices.flatMap((invoice) => linesOf(invoice).map((line) => ({ invoice, line })))
      progress?.({ phase: "exact invoices", done: invoices.length, total: invoices.length })
      const itemIds = new Set(all.flatMap(({ line }) => text(line.Item) ?? []))
      const items = yield* recordsById("purchase", exact, "logistics/Items", itemIds, {
        select: ["ID", "Code", "Description"],
        bulk: true
      })
      progress?.({ phase: "exact items", done: itemIds.size, total: itemIds.size })
      const records = yield* readCustomerRecords(
        exact,
        all.map(({ line }) => line),
        uses
      )
      progress?.({ phase: "exact accounts", done: 1, total: 1 })
      // The first attribute that names a customer wins; when none does, every attribute's reason is kept.
      const customerOfLine = (line: Raw): FoundCustomer => {
        const issues: Array<string> = []
        for (const attribute of attributes) {
          const found = customerBy(attribute, line, records, patterns)
          if (found.issue === undefined) return found
          issues.push(found.issue)
        }
        return { customer: {}, issue: issues.join("; ") }
      }
      return all.map(({ invoice, line }): InvoiceLine => {
        const item = text(line.Item)
        const itemRecord = item === undefined ? undefined : items.get(item.toLowerCase())
        const { customer, issue } = customerOfLine(line)
        const made = makeInvoiceLine({
          id: text(line.ID) ?? `${text(invoice.ID)}:${text(line.LineNumber)}`,
          invoiceId: text(invoice.ID) ?? "",
          invoiceNumber: text(invoice.EntryNumber) ?? text(invoice.YourRef) ?? "",
          period: { start: bounds.start, end: bounds.end },
          customer,
          product: {
            key: item,
            code: text(itemRecord?.Code)?.trim(),
            description: text(itemRecord?.Description) ?? text(line.Description)
          },
          quantity: amount(line.Quantity),
          unitCost: amount(line.NetPrice ?? line.UnitPrice),
          currency: text(line.Currency) ?? text(invoice.Currency),
          description: text(line.Description) ?? ""
        })
        return issue === undefined ? made : withIssues(made, [{ field: "customer", value: "", message: issue }])
      })
    })
  }
}

const uniqueOf = (accounts: ReadonlyArray<Raw> | undefined): Raw | undefined =>
  accounts?.length === 1 ? accounts[0] : undefined
