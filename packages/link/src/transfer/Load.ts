import {
  type Condition,
  ConnectWiseError,
  conditions,
  type Invoice,
  type InvoiceProductLine
} from "@psa-ledger/connectwise-client"
import { Account, Item, odata, PaymentCondition, SalesInvoice, VATCode } from "@psa-ledger/exact-client"
import {
  Blocked,
  ExactAccount,
  ExactItem,
  ExactPaymentCondition,
  ExactSalesInvoiceRef,
  ExactVatCode,
  PsaBillingTerms,
  PsaCompany,
  PsaProduct,
  parseDecimal,
  parseLocalDate,
  TransferCompany,
  TransferInvoice,
  TransferInvoiceLine,
  TransferSnapshot
} from "@psa-ledger/reconcile-core"
import { BigDecimal, Effect } from "effect"
import { fromPort, fromPromise } from "../internal/bridge.ts"
import { chunks, EXACT_TERMS_PER_FILTER } from "../internal/chunk.ts"
import { LinkError, LinkInvalidInputError } from "../LinkError.ts"
import { exactAccountCode } from "./internal.ts"
import { entryReadsOf, loadDivisionCurrency, loadEntries, loadGlAccounts } from "./LoadEntries.ts"
import type {
  ExactInvoiceFound,
  TransferDeps,
  TransferInputs,
  TransferProgress,
  TransferRange
} from "./TransferTypes.ts"

/** Ids per ConnectWise `in (...)` condition: keeps the URL well under common 8 KB limits. */
const CW_IDS_PER_QUERY = 200
/** Alternatives per Exact `$filter`: Exact's URLs stay short enough for its front end. */
/**
 * The code of an invoice blocked because ConnectWise gives no total (invoice mode): the same code
 * entry mode gives it, `TotalsDiffer`, since nothing can be checked.
 */
const TOTALS_MISSING = "TotalsDiffer"
/** At most this many malformed records are set aside per list before the load gives up. */
const MAX_MALFORMED = 100

interface Malformed {
  readonly id: number
  readonly message: string
}

/** The malformed record a ConnectWise Decode error names, when the failure is one. */
const malformedOf = (error: LinkError): Malformed | undefined => {
  const cause = error.reason._tag === "ConnectWise" ? error.reason.cause : undefined
  const reason = cause instanceof ConnectWiseError ? cause.reason : undefined
  return reason?._tag === "DecodeError" && typeof reason.recordId === "number"
    ? { id: reason.recordId, message: reason.message }
    : undefined
}

/**
 * Lists through a callback that excludes the ids it is given; a record ConnectWise sends that does
 * not match our document (a Decode error naming the record) is set aside and the list asked again
 * without it, so one malformed record blocks itself, not the run.
 */
const listSettingAside = <A>(
  operation: string,
  list: (exclude: ReadonlyArray<number>, signal: AbortSignal) => Promise<Array<A>>
): Effect.Effect<{ readonly records: Array<A>; readonly malformed: Array<Malformed> }, LinkError> => {
  const attempt = (
    malformed: Array<Malformed>
  ): Effect.Effect<{ readonly records: Array<A>; readonly malformed: Array<Malformed> }, LinkError> =>
    fromPromise(operation, (signal) =>
      list(
        malformed.map((m) => m.id),
        signal
      )
    ).pipe(
      Effect.map((records) => ({ records, malformed })),
      Effect.catch((error) => {
        const bad = malformedOf(error)
        return bad !== undefined && malformed.length < MAX_MALFORMED && !malformed.some((m) => m.id === bad.id)
          ? attempt([...malformed, bad])
          : Effect.fail(error)
      })
    )
  return attempt([])
}

const excluding = (base: Condition, exclude: ReadonlyArray<number>): Condition =>
  exclude.length === 0 ? base : conditions.and(base, conditions.not(conditions.in("id", exclude)))

const dateOf = (text: string | null | undefined): string | undefined =>
  typeof text === "string" ? parseLocalDate(text.slice(0, 10)) : undefined

const decimalOf = (value: BigDecimal.BigDecimal | null | undefined): BigDecimal.BigDecimal | undefined =>
  value ?? undefined

const checkRange = (range: TransferRange): Effect.Effect<{ from: Date; to: Date } | undefined, LinkError> => {
  if ("unposted" in range && range.unposted === true) return Effect.succeed(undefined)
  const from = dateOf(range.from)
  const to = dateOf(range.to)
  if (from === undefined || to === undefined || from >= to) {
    return Effect.fail(
      LinkError.of(
        new LinkInvalidInputError({
          record: "TransferRange",
          field: "from/to",
          message: `a range needs from < to as YYYY-MM-DD dates (to is exclusive); got ${JSON.stringify(range)}`
        })
      )
    )
  }
  return Effect.succeed({ from: new Date(`${from}T00:00:00Z`), to: new Date(`${to}T00:00:00Z`) })
}

/** Rows a bulk page holds. */
const EXACT_BULK_PAGE = 1_000

/**
 * The accounts the invoices involve, read as every account of the division in 1,000-row pages when
 * that takes fewer calls than `filteredCalls` filtered reads; `undefined` when it does not (then the
 * caller filters). The first page asks Exact to count the accounts, so the choice costs at most that
 * one call; a division that answers without a count is read filtered. Of all accounts only those
 * the filters would have found (code, ID or VAT number) are kept, so the snapshot — and the customer
 * each invoice resolves to — is the same either way.
 */
const readAllAccountsIfCheaper = async (
  exact: TransferDeps["exact"],
  select: ReadonlyArray<string>,
  filteredCalls: number,
  codes: ReadonlySet<string>,
  ids: ReadonlySet<string>,
  vatNumbers: ReadonlySet<string>,
  signal: AbortSignal
): Promise<Array<Account> | undefined> => {
  // One filtered call cannot be beaten.
  if (filteredCalls <= 1) return undefined
  const wantedCodes = new Set(
    [...codes].map((code) =>
      code
        .trim()
        .replace(/^0+(?=\d)/, "")
        .toUpperCase()
    )
  )
  const wantedIds = new Set([...ids].map((id) => id.toLowerCase()))
  const wantedVat = new Set([...vatNumbers].map((vat) => vat.trim().toUpperCase()))
  const wanted = (account: Account) =>
    wantedCodes.has(
      (account.Code ?? "")
        .trim()
        .replace(/^0+(?=\d)/, "")
        .toUpperCase()
    ) ||
    wantedIds.has(account.ID.toLowerCase()) ||
    (account.VATNumber !== null &&
      account.VATNumber !== undefined &&
      wantedVat.has(account.VATNumber.trim().toUpperCase()))
  let cheaper: boolean | undefined
  const found: Array<Account> = []
  try {
    for await (const account of exact.paginate<Account>("crm/Accounts", {
      bulk: true,
      select,
      schema: Account,
      signal,
      // Pages of everything against the filtered reads still to make after this first page.
      onCount: (count) => {
        cheaper = count !== undefined && Math.ceil(count / EXACT_BULK_PAGE) - 1 <= filteredCalls
      }
    })) {
      if (cheaper !== true) break
      if (wanted(account)) found.push(account)
    }
  } catch {
    // A division that refuses the unfiltered read (or its count) is read filtered, as before.
    return undefined
  }
  return cheaper === true ? found : undefined
}

/**
 * Loads everything a transfer needs with the fewest calls the APIs allow: the ConnectWise invoices
 * of the range (or the unposted ones), their product lines in one paged query per 200 invoices,
 * the companies and catalog items involved (by id), billing terms and tax codes; on the Exact side
 * the accounts by code (18-character padded) or mapped id, the items by code or mapped id, the VAT
 * codes, payment conditions and the sales invoices whose `YourRef` is one of the invoice numbers
 * (bulk endpoints, `$filter`ed); and the ledger records of the invoices. An invoice whose record or
 * lines are malformed comes back in `blocked` with the reason.
 *
 * @since 0.1.0
 */
/** The ConnectWise invoices of the range, or (no range) those ConnectWise has not posted yet. */
const loadCwInvoices = Effect.fn("link.transfer.loadCwInvoices")(function* (
  deps: TransferDeps,
  dates: { from: Date; to: Date } | undefined
) {
  const cw = deps.connectwise
  if (dates !== undefined) {
    const base = conditions.and(conditions.gte("date", dates.from), conditions.lt("date", dates.to))
    return yield* listSettingAside("load ConnectWise invoices", (exclude, signal) =>
      cw.listAll("/finance/invoices", { conditions: excluding(base, exclude), signal })
    )
  }
  const unposted = yield* fromPromise("load ConnectWise unposted invoices", (signal) =>
    cw.listAll("/finance/accounting/unpostedinvoices", { fields: "id,billingLogId,invoiceNumber", signal })
  )
  // `billingLogId` is the invoice's id (ConnectWise keeps invoices in its billing log).
  const ids = [
    ...new Set(unposted.flatMap((u) => (typeof (u.billingLogId ?? u.id) === "number" ? [u.billingLogId ?? u.id] : [])))
  ] as Array<number>
  const records: Array<Invoice> = []
  const malformed: Array<Malformed> = []
  for (const part of chunks(ids, CW_IDS_PER_QUERY)) {
    const found = yield* listSettingAside("load ConnectWise invoices", (exclude, signal) =>
      cw.listAll("/finance/invoices", { conditions: excluding(conditions.in("id", part), exclude), signal })
    )
    records.push(...found.records)
    malformed.push(...found.malformed)
  }
  return { records, malformed }
})

/** The invoices' product lines, and the reasons malformed lines block their invoices. */
const loadCwLines = Effect.fn("link.transfer.loadCwLines")(function* (
  deps: TransferDeps,
  invoiceIds: ReadonlyArray<number>
) {
  const cw = deps.connectwise
  const lines: Array<InvoiceProductLine> = []
  const badLines: Array<Malformed> = []
  for (const part of chunks(invoiceIds, CW_IDS_PER_QUERY)) {
    const found = yield* listSettingAside("load ConnectWise invoice lines", (exclude, signal) =>
      cw.listAll("/procurement/products", { conditions: excluding(conditions.in("invoice/id", part), exclude), signal })
    )
    lines.push(...found.records)
    badLines.push(...found.malformed)
  }
  // A malformed line blocks its invoice: ask only which invoice it is on (ids, no money).
  const badLinesByInvoice = new Map<number, Array<string>>()
  for (const part of chunks(badLines, CW_IDS_PER_QUERY)) {
    const { data } = yield* fromPromise("find the invoices of malformed lines", (signal) =>
      cw.api.GET("/procurement/products", {
        signal,
        params: {
          query: {
            conditions: conditions.in(
              "id",
              part.map((m) => m.id)
            ),
            fields: "id,invoice/id",
            pageSize: 1000
          }
        }
      })
    )
    for (const row of (data ?? []) as ReadonlyArray<{ id?: number; invoice?: { id?: number } }>) {
      const bad = part.find((m) => m.id === row.id)
      const invoiceId = row.invoice?.id
      if (bad === undefined || invoiceId === undefined) continue
      const list = badLinesByInvoice.get(invoiceId) ?? []
      list.push(`line ${bad.id} is malformed: ${bad.message}`)
      badLinesByInvoice.set(invoiceId, list)
    }
  }
  return { lines, badLinesByInvoice }
})

/** The companies, catalog items, billing terms and tax codes the invoices involve. */
const loadCwReferences = Effect.fn("link.transfer.loadCwReferences")(function* (
  deps: TransferDeps,
  invoiceRecords: ReadonlyArray<Invoice>,
  lines: ReadonlyArray<InvoiceProductLine>
) {
  const cw = deps.connectwise
  const companyIds = [...new Set(invoiceRecords.map((invoice) => invoice.company.id))]
  const catalogIds = [...new Set(lines.map((line) => line.catalogItem.id))]
  const companies = []
  const badCompanies: Array<Malformed> = []
  for (const part of chunks(companyIds, CW_IDS_PER_QUERY)) {
    const found = yield* listSettingAside("load ConnectWise companies", (exclude, signal) =>
      cw.listAll("/company/companies", { conditions: excluding(conditions.in("id", part), exclude), signal })
    )
    companies.push(...found.records)
    badCompanies.push(...found.malformed)
  }
  const catalog = []
  for (const part of chunks(catalogIds, CW_IDS_PER_QUERY)) {
    const found = yield* listSettingAside("load ConnectWise catalog items", (exclude, signal) =>
      cw.listAll("/procurement/catalog", { conditions: excluding(conditions.in("id", part), exclude), signal })
    )
    catalog.push(...found.records)
  }
  const needsReferenceData = invoiceRecords.length > 0
  const billingTerms = needsReferenceData
    ? yield* fromPromise("load ConnectWise billing terms", (signal) => cw.listAll("/finance/billingTerms", { signal }))
    : []
  const taxCodes = needsReferenceData
    ? yield* fromPromise("load ConnectWise tax codes", (signal) => cw.listAll("/finance/taxCodes", { signal }))
    : []
  return { companyIds, catalogIds, companies, badCompanies, catalog, billingTerms, taxCodes, needsReferenceData }
})

type CwReferences = Effect.Success<ReturnType<typeof loadCwReferences>>

/** The Exact side, filtered to what the invoices involve. */
const loadExactSide = Effect.fn("link.transfer.loadExactSide")(function* (
  deps: TransferDeps,
  invoiceRecords: ReadonlyArray<Invoice>,
  refs: CwReferences,
  mappings: TransferInputs["mappings"]
) {
  const exact = deps.exact
  const { companyIds, catalogIds, companies, catalog, needsReferenceData } = refs
  const companyIdSet = new Set(companyIds)
  const catalogIdSet = new Set(catalogIds)
  const accountIds = new Set<string>()
  const accountCodes = new Set<string>()
  const itemIds = new Set<string>()
  const itemCodes = new Set<string>()
  const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
  for (const mapping of mappings) {
    if (mapping.kind === "customer" && companyIdSet.has(mapping.targetId)) {
      if (guid.test(mapping.sourceKey)) accountIds.add(mapping.sourceKey)
      else accountCodes.add(mapping.sourceKey.trim())
    }
    if (mapping.kind === "product" && catalogIdSet.has(mapping.targetId)) {
      if (guid.test(mapping.sourceKey)) itemIds.add(mapping.sourceKey)
      else itemCodes.add(mapping.sourceKey.trim())
    }
  }
  const vatNumbers = new Set<string>()
  for (const company of companies) {
    if (company.identifier.trim() !== "") accountCodes.add(company.identifier.trim())
    // MSPs keep the accounting customer number in accountNumber: the Exact code to look for first.
    const accountNumber = company.accountNumber?.trim()
    if (accountNumber !== undefined && accountNumber !== "") accountCodes.add(accountNumber.replace(/^0+(?=\d)/, ""))
    if (company.taxIdentifier && company.taxIdentifier.trim() !== "") vatNumbers.add(company.taxIdentifier.trim())
  }
  for (const item of catalog) if (item.identifier.trim() !== "") itemCodes.add(item.identifier.trim())
  const defaultItemCode = deps.settings.transfer?.defaultItemCode
  if (defaultItemCode !== undefined && needsReferenceData) itemCodes.add(defaultItemCode.trim())

  const bulkByTerms = <A>(
    operation: string,
    endpoint: string,
    select: ReadonlyArray<string>,
    schema: Parameters<typeof exact.listAll<A>>[1] extends infer O
      ? O extends { schema?: infer S }
        ? S
        : never
      : never,
    terms: ReadonlyArray<ReturnType<typeof odata.eq>>
  ): Effect.Effect<Array<A>, LinkError> =>
    Effect.forEach(chunks(terms, EXACT_TERMS_PER_FILTER), (part) =>
      fromPromise(operation, (signal) =>
        exact.listAll<A>(endpoint, {
          bulk: true,
          select,
          filter: odata.or(...part),
          ...(schema ? { schema } : {}),
          signal
        })
      )
    ).pipe(Effect.map((found) => found.flat()))
  const accountFields = ["ID", "Code", "Name", "VATNumber", "ChamberOfCommerce"]
  const accountTerms = [
    ...[...accountCodes].map((code) => odata.eq("Code", exactAccountCode(code))),
    ...[...accountIds].map((id) => odata.eq("ID", odata.guid(id))),
    ...[...vatNumbers].map((vat) => odata.eq("VATNumber", vat))
  ]
  const allAccounts = yield* fromPromise("load Exact accounts", (signal) =>
    readAllAccountsIfCheaper(
      exact,
      accountFields,
      Math.ceil(accountTerms.length / EXACT_TERMS_PER_FILTER),
      accountCodes,
      accountIds,
      vatNumbers,
      signal
    )
  )
  const accounts =
    allAccounts ?? (yield* bulkByTerms("load Exact accounts", "crm/Accounts", accountFields, Account, accountTerms))
  const items = yield* bulkByTerms(
    "load Exact items",
    "logistics/Items",
    ["ID", "Code", "Description", "GLRevenue"],
    Item,
    [
      ...[...itemCodes].map((code) => odata.eq("Code", code)),
      ...[...itemIds].map((id) => odata.eq("ID", odata.guid(id)))
    ]
  )
  // Entry mode finds its earlier bookings among the journal's entries (one bulk read below), not
  // among sales invoices by YourRef.
  const entryMode = (deps.settings.transfer?.mode ?? "entry") === "entry"
  const numbers = entryMode ? [] : [...new Set(invoiceRecords.map((invoice) => invoice.invoiceNumber.trim()))]
  const salesInvoices = yield* bulkByTerms(
    "load Exact sales invoices by YourRef",
    "salesinvoice/SalesInvoices",
    ["InvoiceID", "YourRef", "InvoiceNumber", "Status", "Type", "AmountFC", "Currency"],
    SalesInvoice,
    numbers.map((number) => odata.eq("YourRef", number))
  )
  const vatCodes = needsReferenceData
    ? yield* fromPromise("load Exact VAT codes", (signal) =>
        exact.listAll("vat/VATCodes", { select: ["ID", "Code", "Percentage", "IsBlocked"], schema: VATCode, signal })
      )
    : []
  const conditionsList = needsReferenceData
    ? yield* fromPromise("load Exact payment conditions", (signal) =>
        exact.listAll("cashflow/PaymentConditions", {
          select: ["ID", "Code", "PaymentDays"],
          schema: PaymentCondition,
          signal
        })
      )
    : []
  const entry = entryReadsOf(deps, invoiceRecords)
  const glAccounts = entry === undefined || !needsReferenceData ? [] : yield* loadGlAccounts(deps, items)
  const salesEntries = entry === undefined || !needsReferenceData ? [] : yield* loadEntries(deps, entry)
  const divisionCurrency = entry === undefined || !needsReferenceData ? undefined : yield* loadDivisionCurrency(deps)
  return { accounts, items, salesInvoices, vatCodes, conditionsList, glAccounts, salesEntries, divisionCurrency }
})

type ExactSide = Effect.Success<ReturnType<typeof loadExactSide>>

export const loadTransferInputs = Effect.fn("link.transfer.load")(function* (
  deps: TransferDeps,
  range: TransferRange,
  options: { readonly onProgress?: ((event: TransferProgress) => void) | undefined } = {}
) {
  const dates = yield* checkRange(range)
  const progress = (done: number) => options.onProgress?.({ phase: "load", done, total: 4 })
  progress(0)
  const { records: invoiceRecords, malformed: badInvoices } = yield* loadCwInvoices(deps, dates)
  progress(1)
  const invoiceIds = invoiceRecords.map((invoice) => invoice.id)
  const { lines, badLinesByInvoice } = yield* loadCwLines(deps, invoiceIds)
  const refs = yield* loadCwReferences(deps, invoiceRecords, lines)
  progress(2)
  // 3. Mappings and ledger.
  const [mappings, ledger] = yield* Effect.all(
    [
      fromPort("read mappings", deps.mappings.list(deps.linkId)),
      fromPort("read the transfer ledger", deps.ledger.findMany(deps.linkId, invoiceIds))
    ],
    { concurrency: "unbounded" }
  )

  const exactSide = yield* loadExactSide(deps, invoiceRecords, refs, mappings)
  progress(3)
  const { invoices, blocked } = transferInvoicesOf(deps, invoiceRecords, badInvoices, lines, badLinesByInvoice, refs)
  const exactInvoices = exactInvoicesOf(exactSide.salesInvoices)
  const snapshot = snapshotOf(deps, refs, exactSide, exactInvoices)
  progress(4)
  return { invoices, snapshot, mappings, ledger, blocked, exactInvoices } satisfies TransferInputs
})

/** What the mapping of one invoice needs besides the invoice. */
interface InvoiceContext {
  readonly entryMode: boolean
  readonly badLinesByInvoice: ReadonlyMap<number, ReadonlyArray<string>>
  readonly badCompanyById: ReadonlyMap<number, Malformed>
  readonly companyById: ReadonlyMap<number, CwReferences["companies"][number]>
  readonly linesByInvoice: ReadonlyMap<number, ReadonlyArray<InvoiceProductLine>>
  readonly taxIdentifier: (
    ref: { readonly id: number; readonly name?: string | null } | null | undefined
  ) => string | undefined
}

/** The ConnectWise records in core's shapes: each invoice transferable, or blocked with its reasons. */
const transferInvoicesOf = (
  deps: TransferDeps,
  invoiceRecords: ReadonlyArray<Invoice>,
  badInvoices: ReadonlyArray<Malformed>,
  lines: ReadonlyArray<InvoiceProductLine>,
  badLinesByInvoice: ReadonlyMap<number, ReadonlyArray<string>>,
  refs: CwReferences
): { invoices: Array<TransferInvoice>; blocked: Array<Blocked> } => {
  const { companies, badCompanies, taxCodes } = refs
  const taxById = new Map(taxCodes.map((tax) => [tax.id, tax.identifier]))
  const taxIdentifier = (ref: { readonly id: number; readonly name?: string | null } | null | undefined) =>
    ref === null || ref === undefined ? undefined : (taxById.get(ref.id) ?? ref.name ?? undefined)
  const companyById = new Map(companies.map((company) => [company.id, company]))
  const badCompanyById = new Map(badCompanies.map((bad) => [bad.id, bad]))
  const linesByInvoice = new Map<number, Array<InvoiceProductLine>>()
  for (const line of lines) {
    const invoiceId = line.invoice?.id
    if (invoiceId === undefined) continue
    const list = linesByInvoice.get(invoiceId) ?? []
    list.push(line)
    linesByInvoice.set(invoiceId, list)
  }

  const blocked: Array<Blocked> = []
  const invoices: Array<TransferInvoice> = []
  for (const bad of badInvoices) {
    blocked.push(
      new Blocked({
        connectwiseInvoiceId: bad.id,
        number: `#${bad.id}`,
        reasons: [`the invoice is malformed: ${bad.message}`]
      })
    )
  }
  const context: InvoiceContext = {
    entryMode: (deps.settings.transfer?.mode ?? "entry") === "entry",
    badLinesByInvoice,
    badCompanyById,
    companyById,
    linesByInvoice,
    taxIdentifier
  }
  for (const record of invoiceRecords) {
    const mapped = transferInvoiceOf(record, context)
    if (mapped instanceof Blocked) blocked.push(mapped)
    else invoices.push(mapped)
  }
  return { invoices, blocked }
}

/** One ConnectWise invoice in core's shape, or why it is blocked. */
const transferInvoiceOf = (record: Invoice, context: InvoiceContext): TransferInvoice | Blocked => {
  const { entryMode, badLinesByInvoice, badCompanyById, companyById, linesByInvoice, taxIdentifier } = context
  const reasons: Array<string> = [...(badLinesByInvoice.get(record.id) ?? [])]
  const badCompany = badCompanyById.get(record.company.id)
  if (badCompany !== undefined) reasons.push(`company ${record.company.id} is malformed: ${badCompany.message}`)
  const date = dateOf(record.date)
  if (date === undefined) reasons.push(`date ${JSON.stringify(record.date ?? null)} is not a date`)
  const dueDate = record.dueDate === null || record.dueDate === undefined ? undefined : dateOf(record.dueDate)
  if (record.dueDate && dueDate === undefined) reasons.push(`dueDate ${JSON.stringify(record.dueDate)} is not a date`)
  const currency =
    record.currency?.currencyCode ?? companyById.get(record.company.id)?.currency?.currencyCode ?? undefined
  if (currency === undefined || currency === null) reasons.push("the invoice has no currency")
  const invoiceLines: Array<TransferInvoiceLine> = []
  let sum = BigDecimal.fromBigInt(0n)
  for (const line of [...(linesByInvoice.get(record.id) ?? [])].sort((a, b) => a.id - b.id)) {
    if (line.cancelledFlag === true || line.billableOption === "DoNotBill") continue
    const quantity = decimalOf(line.quantity)
    const price = line.billableOption === "NoCharge" ? BigDecimal.fromBigInt(0n) : decimalOf(line.price)
    if (quantity === undefined) reasons.push(`line ${line.id} has no quantity`)
    if (price === undefined) reasons.push(`line ${line.id} has no price`)
    const discount = decimalOf(line.discount)
    if (discount !== undefined && !BigDecimal.isZero(discount)) {
      reasons.push(
        `line ${line.id} has a discount of ${BigDecimal.format(discount)}, which the transfer does not carry`
      )
    }
    if (quantity === undefined || price === undefined) continue
    sum = BigDecimal.sum(sum, BigDecimal.multiply(quantity, price))
    const taxCode = taxIdentifier(line.taxCode)
    invoiceLines.push(
      new TransferInvoiceLine({
        id: String(line.id),
        productId: line.catalogItem.id,
        description:
          line.description ?? line.customerDescription ?? line.catalogItem.identifier ?? `item ${line.catalogItem.id}`,
        quantity,
        unitPrice: price,
        ...(taxCode === undefined ? {} : { taxCode }),
        ...(typeof line.taxableFlag === "boolean" ? { taxable: line.taxableFlag } : {})
      })
    )
  }
  // The lines we read must add up to the invoice, or it has lines we cannot see (time, expenses).
  const subtotal = decimalOf(record.subtotal)
  if (subtotal !== undefined && reasons.length === 0) {
    const scaled = (value: BigDecimal.BigDecimal) => BigDecimal.format(BigDecimal.scale(value, 2))
    if (scaled(BigDecimal.round(sum, { scale: 2 })) !== scaled(BigDecimal.round(subtotal, { scale: 2 }))) {
      reasons.push(
        `its product lines add up to ${BigDecimal.format(sum)} but the subtotal is ${BigDecimal.format(subtotal)} (time or expense lines are not transferred)`
      )
    }
  }
  // Invoice mode checks the amounts it sends against ConnectWise's total and tax (see the README):
  // without a total there is nothing to check, so the invoice is blocked, never booked unchecked.
  // A missing tax is exact from the header: total − subtotal (the lines' sum, checked above).
  const total = decimalOf(record.total)
  let tax = decimalOf(record.salesTax)
  if (!entryMode && reasons.length === 0 && date !== undefined && currency) {
    if (total === undefined) {
      return new Blocked({
        connectwiseInvoiceId: record.id,
        number: record.invoiceNumber,
        reasons: ["ConnectWise gives no total for the invoice: the amounts to book cannot be checked"],
        codes: [TOTALS_MISSING]
      })
    }
    tax ??= BigDecimal.subtract(total, subtotal ?? sum)
  }
  if (reasons.length > 0 || date === undefined || currency === undefined || currency === null) {
    return new Blocked({
      connectwiseInvoiceId: record.id,
      number: record.invoiceNumber,
      reasons: [...new Set(reasons)]
    })
  }
  const taxCode = taxIdentifier(record.taxCode)
  const description = record.reference ?? undefined
  try {
    return new TransferInvoice({
      id: record.id,
      number: record.invoiceNumber.trim(),
      type: record.type,
      companyId: record.company.id,
      date,
      ...(dueDate === undefined ? {} : { dueDate }),
      ...(record.billingTerms ? { billingTermsId: record.billingTerms.id } : {}),
      currency,
      ...(taxCode === undefined ? {} : { taxCode }),
      ...(description === undefined || description === "" ? {} : { description }),
      lines: invoiceLines,
      ...(record.subtotal ? { subtotal: record.subtotal } : {}),
      ...(tax === undefined ? {} : { tax }),
      ...(total === undefined ? {} : { total }),
      ...(record.customerPO && record.customerPO.trim() !== "" ? { customerPO: record.customerPO.trim() } : {}),
      ...(record.status?.name ? { status: record.status.name } : {})
    })
  } catch (error) {
    return new Blocked({
      connectwiseInvoiceId: record.id,
      number: record.invoiceNumber,
      reasons: [`the invoice is malformed: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`]
    })
  }
}

/** Exact's sales invoices found by YourRef (invoice mode), by YourRef. */
const exactInvoicesOf = (salesInvoices: ExactSide["salesInvoices"]): Map<string, ExactInvoiceFound> => {
  const exactInvoices = new Map<string, ExactInvoiceFound>()
  for (const invoice of salesInvoices) {
    const yourRef = invoice.YourRef?.trim()
    if (yourRef === undefined || yourRef === "") continue
    exactInvoices.set(yourRef, {
      id: invoice.InvoiceID,
      yourRef,
      status: invoice.Status ?? 20,
      type: invoice.Type ?? undefined,
      invoiceNumber: invoice.InvoiceNumber ?? undefined,
      amount: invoice.AmountFC ?? undefined,
      currency: invoice.Currency ?? undefined
    })
  }

  return exactInvoices
}

/** What the planner sees of both sides. */
const snapshotOf = (
  deps: TransferDeps,
  refs: CwReferences,
  exactSide: ExactSide,
  exactInvoices: ReadonlyMap<string, ExactInvoiceFound>
): TransferSnapshot => {
  const { companies, catalog, billingTerms } = refs
  const { accounts, items, vatCodes, conditionsList, glAccounts, salesEntries, divisionCurrency } = exactSide
  return new TransferSnapshot({
    linkId: deps.linkId,
    companies: companies.map(
      (company) =>
        new PsaCompany({
          id: company.id,
          identifier: company.identifier,
          name: company.name,
          ...(company.taxIdentifier ? { vatNumber: company.taxIdentifier } : {}),
          deleted: company.deletedFlag === true
        })
    ),
    products: catalog.map(
      (item) =>
        new PsaProduct({
          id: item.id,
          identifier: item.identifier,
          description: item.description,
          cost: item.cost ?? BigDecimal.fromBigInt(0n),
          price: item.price ?? BigDecimal.fromBigInt(0n),
          inactive: item.inactiveFlag === true
        })
    ),
    billingTerms: billingTerms.flatMap((term) =>
      typeof term.id === "number" && typeof term.dueDays === "number"
        ? [new PsaBillingTerms({ id: term.id, name: term.name, dueDays: term.dueDays })]
        : []
    ),
    accounts: accounts.map(
      (account) =>
        new ExactAccount({
          id: account.ID,
          code: account.Code ?? "",
          name: account.Name ?? "",
          ...(account.VATNumber ? { vatNumber: account.VATNumber } : {}),
          ...(account.ChamberOfCommerce ? { cocNumber: account.ChamberOfCommerce } : {})
        })
    ),
    items: items.map(
      (item) =>
        new ExactItem({
          id: item.ID,
          code: item.Code ?? "",
          description: item.Description ?? "",
          ...(item.GLRevenue ? { glRevenue: item.GLRevenue } : {})
        })
    ),
    glAccounts,
    salesEntries,
    ...(divisionCurrency === undefined ? {} : { divisionCurrency }),
    companyDetails: companies.map(
      (company) =>
        new TransferCompany({
          id: company.id,
          ...(company.accountNumber ? { accountNumber: company.accountNumber } : {}),
          ...(company.invoiceToEmailAddress ? { email: company.invoiceToEmailAddress } : {})
        })
    ),
    vatCodes: vatCodes.flatMap((vat) => {
      if (vat.Code === null || vat.Code === undefined) return []
      const percentage =
        vat.Percentage === null || vat.Percentage === undefined ? undefined : parseDecimal(vat.Percentage)
      return [
        new ExactVatCode({
          code: vat.Code,
          ...(percentage === undefined ? {} : { percentage }),
          blocked: vat.IsBlocked === true
        })
      ]
    }),
    paymentConditions: conditionsList.flatMap((condition) =>
      condition.Code === null || condition.Code === undefined || typeof condition.PaymentDays !== "number"
        ? []
        : [new ExactPaymentCondition({ code: condition.Code, days: condition.PaymentDays })]
    ),
    salesInvoices: [...exactInvoices.values()].map(
      (invoice) =>
        new ExactSalesInvoiceRef({
          id: invoice.id,
          yourRef: invoice.yourRef,
          ...(invoice.invoiceNumber === undefined ? {} : { invoiceNumber: String(invoice.invoiceNumber) }),
          status: invoice.status
        })
    )
  })
}
