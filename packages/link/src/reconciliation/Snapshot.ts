import {
  type Addition,
  type Agreement,
  type CatalogItem,
  type Company,
  type Condition,
  type ConnectWiseClient,
  ConnectWiseError,
  conditions
} from "@psa-ledger/connectwise-client"
import {
  BillCustomer,
  PsaAddition,
  PsaAgreement,
  PsaCompany,
  PsaProduct,
  PsaSnapshot,
  UnreadableRecord
} from "@psa-ledger/reconcile-core"
import { BigDecimal, Effect, Schema } from "effect"
import { fromPromise } from "../internal/bridge.ts"
import { chunkWhile } from "../internal/chunk.ts"
import type { LinkError } from "../LinkError.ts"
import type { OnProgress } from "./InvoiceSource.ts"

/**
 * The longest `conditions` text one call carries: ConnectWise (IIS) refuses URLs much above 8 KB,
 * and the rest of the URL needs room.
 *
 * @since 0.1.0
 */
export const MAX_CONDITIONS_LENGTH = 6000

/**
 * What a month needs of ConnectWise: the invoice's customer codes (and VAT numbers when they
 * identify), product codes, and the ids remembered mappings point at.
 *
 * @since 0.1.0
 */
export interface SnapshotNeeds {
  readonly companyIdentifiers?: Iterable<string>
  readonly companyVatNumbers?: Iterable<string>
  /** Account codes to look up in the companies' `accountNumber` (where MSPs keep the accounting number). */
  readonly companyAccountNumbers?: Iterable<string>
  readonly companyIds?: Iterable<number>
  readonly productIdentifiers?: Iterable<string>
  readonly productIds?: Iterable<number>
  readonly agreementIds?: Iterable<number>
  /** Read every company (for fuzzy suggestions). */
  readonly allCompanies?: boolean
  /** Read every catalog item (for fuzzy suggestions). */
  readonly allProducts?: boolean
  /** Read agreements (and their additions) only for these companies; default: every company read. */
  readonly agreementCompanyIds?: Iterable<number>
  /** Only agreements in force during this period get their additions read. */
  readonly period?: { readonly start: string; readonly end: string }
}

/** Options of {@link loadSnapshot}. @since 0.1.0 */
export interface SnapshotOptions {
  /** Agreements whose additions are read at once (default 4, the client's own limit). */
  readonly concurrency?: number
  readonly onProgress?: OnProgress | undefined
}

/**
 * Splits a value list into `field in (…)` conditions that each stay under the length limit.
 *
 * @since 0.1.0
 */
export const chunkedIn = (
  field: string,
  values: ReadonlyArray<string | number>,
  limit: number = MAX_CONDITIONS_LENGTH
): Array<Condition> => {
  const fits = (list: ReadonlyArray<string | number>) => conditions.in(field, list).length <= limit
  return chunkWhile(values, fits).map((list) => conditions.in(field, list))
}

/** Packs several conditions into as few `or`-joined ones as fit the limit. */
const pack = (parts: ReadonlyArray<Condition>, limit: number = MAX_CONDITIONS_LENGTH): Array<Condition> => {
  const joined = (list: ReadonlyArray<Condition>) =>
    list.length === 1 ? (list[0] as Condition) : conditions.or(...list)
  return chunkWhile(parts, (list) => conditions.or(...list).length <= limit).map(joined)
}

/** Every record of a list endpoint under `conditions` (all of them without); interrupting aborts the read. */
const listWhere = <P extends "/company/companies" | "/procurement/catalog" | "/finance/agreements">(
  client: ConnectWiseClient,
  path: P,
  condition: Condition | undefined
) =>
  fromPromise(`GET ${path}`, (signal) =>
    client.listAll(path, condition === undefined ? { signal } : { conditions: condition, signal })
  )

const ZERO = BigDecimal.fromBigInt(0n)
const day = (value: string | null | undefined): string | undefined =>
  typeof value === "string" && /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : undefined
const isBillCustomer = Schema.is(BillCustomer)

/** A ConnectWise company as the core sees it. @since 0.1.0 */
export const toPsaCompany = (company: Company): PsaCompany =>
  new PsaCompany({
    id: company.id,
    identifier: company.identifier,
    name: company.name,
    ...(company.accountNumber?.trim() ? { accountNumber: company.accountNumber } : {}),
    ...(company.taxIdentifier ? { vatNumber: company.taxIdentifier } : {}),
    deleted: company.deletedFlag === true
  })

/** A ConnectWise catalog item as the core sees it. @since 0.1.0 */
export const toPsaProduct = (item: CatalogItem): PsaProduct =>
  new PsaProduct({
    id: item.id,
    identifier: item.identifier,
    description: item.description,
    cost: item.cost ?? ZERO,
    price: item.price ?? ZERO,
    inactive: item.inactiveFlag === true
  })

/** A ConnectWise agreement as the core sees it. @since 0.1.0 */
export const toPsaAgreement = (agreement: Agreement): PsaAgreement => {
  const startDate = day(agreement.startDate)
  const endDate = agreement.noEndingDateFlag === true ? undefined : day(agreement.endDate)
  return new PsaAgreement({
    id: agreement.id,
    name: agreement.name,
    companyId: agreement.company.id,
    typeId: agreement.type.id,
    status: agreement.agreementStatus ?? (agreement.cancelledFlag === true ? "Cancelled" : "Active"),
    ...(startDate === undefined ? {} : { startDate }),
    ...(endDate === undefined ? {} : { endDate }),
    ...(agreement.currency?.currencyCode ? { currency: agreement.currency.currencyCode } : {}),
    prorate: false,
    ...(agreement.applicationUnits === "Hours" || agreement.applicationUnits === "Incidents" ? { prepaid: true } : {})
  })
}

/** A ConnectWise addition as the core sees it. @since 0.1.0 */
export const toPsaAddition = (agreementId: number, addition: Addition): PsaAddition => {
  const effectiveDate = day(addition.effectiveDate)
  const cancelledDate = day(addition.cancelledDate)
  return new PsaAddition({
    id: addition.id,
    agreementId: addition.agreementId ?? agreementId,
    productId: addition.product.id,
    quantity: addition.quantity ?? ZERO,
    unitCost: addition.unitCost ?? ZERO,
    unitPrice: addition.unitPrice ?? ZERO,
    ...(effectiveDate === undefined ? {} : { effectiveDate }),
    ...(cancelledDate === undefined ? {} : { cancelledDate }),
    billCustomer: isBillCustomer(addition.billCustomer) ? addition.billCustomer : "Billable",
    status: addition.agreementStatus ?? "Active"
  })
}

const numeric = (values: Iterable<number> | undefined) => [...new Set(values ?? [])].sort((a, b) => a - b)
const texts = (values: Iterable<string> | undefined) =>
  [...new Set([...(values ?? [])].map((v) => v.trim()).filter((v) => v !== ""))].sort()
// A numeric code may be stored with or without leading zeros: ask for both forms.
const accountNumbers = (values: Iterable<string> | undefined) =>
  texts(
    [...(values ?? [])].flatMap((v) => (/^\d+$/.test(v.trim()) ? [v.trim(), v.trim().replace(/^0+(?=\d)/, "")] : [v]))
  )

/**
 * Reads the part of ConnectWise a month needs with the fewest calls the API allows:
 *
 * - companies by `identifier in (…)` / `taxIdentifier in (…)` / `id in (…)`, packed into as few
 *   calls as fit a URL (or every company, 1,000 a page, when suggestions need them);
 * - catalog items the same way, by identifier and id;
 * - agreements by `company/id in (…)` (and mapped ids);
 * - additions: one paged call per agreement in force (the API lists them only under their
 *   agreement), `concurrency` at a time.
 *
 * @example
 * ```ts
 * const snapshot = await loadSnapshot(client, { companyIdentifiers: ["C100"], productIdentifiers: ["M365-BP"] })
 * ```
 *
 * @since 0.1.0
 */
export const loadSnapshot = Effect.fn("link.reconciliation.loadSnapshot")(function* (
  client: ConnectWiseClient,
  needs: SnapshotNeeds,
  options: SnapshotOptions = {}
): Effect.fn.Return<PsaSnapshot, LinkError> {
  const { companies, products } = yield* loadCompaniesAndProducts(client, needs, options)
  const agreementCompanies =
    needs.agreementCompanyIds === undefined ? companies.map((c) => c.id) : numeric(needs.agreementCompanyIds)
  const { agreements, additions, unreadable } = yield* loadAgreements(client, agreementCompanies, needs, options)
  return new PsaSnapshot({
    companies,
    products,
    agreements,
    additions,
    ...(unreadable.length === 0 ? {} : { unreadable })
  })
})

/** Phase one of {@link loadSnapshot}: companies and catalog items. @since 0.1.0 */
export const loadCompaniesAndProducts = Effect.fn("link.reconciliation.loadCompaniesAndProducts")(function* (
  client: ConnectWiseClient,
  needs: SnapshotNeeds,
  options: SnapshotOptions = {}
): Effect.fn.Return<{ companies: Array<PsaCompany>; products: Array<PsaProduct> }, LinkError> {
  const progress = options.onProgress
  const companyConditions = needs.allCompanies
    ? [undefined]
    : pack([
        ...chunkedIn("identifier", accountNumbers(needs.companyIdentifiers)),
        ...chunkedIn("taxIdentifier", texts(needs.companyVatNumbers)),
        ...chunkedIn("accountNumber", accountNumbers(needs.companyAccountNumbers)),
        ...chunkedIn("id", numeric(needs.companyIds))
      ])
  const productConditions = needs.allProducts
    ? [undefined]
    : pack([...chunkedIn("identifier", texts(needs.productIdentifiers)), ...chunkedIn("id", numeric(needs.productIds))])
  const companies = new Map<number, PsaCompany>()
  const products = new Map<number, PsaProduct>()
  let done = 0
  const total = companyConditions.length + productConditions.length
  progress?.({ phase: "connectwise companies and products", done, total })
  for (const condition of companyConditions) {
    const list = yield* listWhere(client, "/company/companies", condition)
    for (const company of list) companies.set(company.id, toPsaCompany(company))
    progress?.({ phase: "connectwise companies and products", done: ++done, total })
  }
  for (const condition of productConditions) {
    const list = yield* listWhere(client, "/procurement/catalog", condition)
    for (const item of list) products.set(item.id, toPsaProduct(item))
    progress?.({ phase: "connectwise companies and products", done: ++done, total })
  }
  return { companies: [...companies.values()], products: [...products.values()] }
})

/** Phase two of {@link loadSnapshot}: the companies' agreements and the additions of those in force. @since 0.1.0 */
export const loadAgreements = Effect.fn("link.reconciliation.loadAgreements")(function* (
  client: ConnectWiseClient,
  companyIds: ReadonlyArray<number>,
  needs: Pick<SnapshotNeeds, "agreementIds" | "period">,
  options: SnapshotOptions = {}
): Effect.fn.Return<
  { agreements: Array<PsaAgreement>; additions: Array<PsaAddition>; unreadable: Array<UnreadableRecord> },
  LinkError
> {
  const progress = options.onProgress
  const agreementConditions = pack([
    ...chunkedIn("company/id", numeric(companyIds)),
    ...chunkedIn("id", numeric(needs.agreementIds))
  ])
  const agreements = new Map<number, PsaAgreement>()
  let done = 0
  for (const condition of agreementConditions) {
    const list = yield* listWhere(client, "/finance/agreements", condition)
    for (const agreement of list) agreements.set(agreement.id, toPsaAgreement(agreement))
    progress?.({ phase: "connectwise agreements", done: ++done, total: agreementConditions.length })
  }
  const period = needs.period
  const inForce = [...agreements.values()].filter(
    (a) =>
      a.status === "Active" &&
      (period === undefined ||
        ((a.startDate === undefined || a.startDate <= period.end) &&
          (a.endDate === undefined || a.endDate >= period.start)))
  )
  let read = 0
  progress?.({ phase: "connectwise additions", done: 0, total: inForce.length })
  const unreadable: Array<UnreadableRecord> = []
  const additionsOf = (agreement: PsaAgreement) =>
    fromPromise("GET /finance/agreements/{parentId}/additions", (signal) =>
      client
        .listAll("/finance/agreements/{parentId}/additions", { path: { parentId: agreement.id }, signal })
        .catch((error: unknown): Array<Addition> => {
          // One malformed addition must not fail the month: its agreement's rows say so instead.
          if (!(error instanceof ConnectWiseError) || error.reason._tag !== "DecodeError") throw error
          const { field, recordId } = error.reason
          unreadable.push(
            new UnreadableRecord({
              what: `additions of agreement ${agreement.id}`,
              agreementId: agreement.id,
              ...(recordId === undefined
                ? {}
                : { recordId: typeof recordId === "number" ? Math.trunc(recordId) : recordId }),
              ...(field === undefined ? {} : { field }),
              message: error.reason.message
            })
          )
          return []
        })
    ).pipe(
      Effect.map((list) => {
        progress?.({ phase: "connectwise additions", done: ++read, total: inForce.length })
        return list.map((addition) => toPsaAddition(agreement.id, addition))
      })
    )
  const lists = yield* Effect.forEach(inForce, additionsOf, { concurrency: Math.max(1, options.concurrency ?? 4) })
  return { agreements: [...agreements.values()], additions: lists.flat(), unreadable }
})
