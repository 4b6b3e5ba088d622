import type { ConnectWiseClient } from "@psa-ledger/connectwise-client"
import {
  type DiffOptions,
  diff,
  type Exclusion,
  type ExclusionStore,
  excludedLines,
  exclusionIndex,
  type InvoiceLine,
  type LinkSettings,
  linkedId,
  type Mapping,
  type MappingStore,
  mappingId,
  PsaSnapshot,
  type ReconciliationRow,
  resolve,
  rowKeyOf
} from "@psa-ledger/reconcile-core"
import { Effect } from "effect"
import { fromPort } from "../internal/bridge.ts"
import type { LinkError } from "../LinkError.ts"
import type { InvoiceMonth, InvoiceSource, OnProgress } from "./InvoiceSource.ts"
import { boundsOf } from "./internal/exact.ts"
import { readerOf, type SourceReader } from "./internal/source.ts"
import { loadAgreements, loadCompaniesAndProducts } from "./Snapshot.ts"

/**
 * What loading a month needs, passed in explicitly.
 *
 * @since 0.1.0
 */
export interface LoadMonthDeps {
  readonly linkId: string
  readonly source: InvoiceSource
  readonly connectwise: ConnectWiseClient
  readonly mappings: MappingStore["Service"]
  /** The link's remembered exclusions; without a store no line is excluded. */
  readonly exclusions?: ExclusionStore["Service"] | undefined
  readonly settings?: LinkSettings | undefined
  /**
   * When to read every company and catalog item for fuzzy suggestions: only when some customer or
   * product links neither by mapping nor by identifier (`when-unmatched`, default), `always`, or `never`.
   */
  readonly suggestions?: "when-unmatched" | "always" | "never" | undefined
  /** Agreements whose additions are read at once (default 4). */
  readonly concurrency?: number | undefined
}

/**
 * A line of the month that a remembered exclusion covers: which line, its grid row, and the
 * exclusion (kind, key, reason, who and when).
 *
 * @since 0.1.0
 */
export interface ExcludedLine {
  readonly lineId: string
  readonly rowKey: string
  readonly exclusion: Exclusion
}

/**
 * A loaded month: the grid rows (resolved and diffed), the ConnectWise snapshot they were compared
 * with, the invoice lines and the mappings used, and the link's exclusions with the lines they cover.
 *
 * @since 0.1.0
 */
export interface LoadedMonth {
  readonly month: InvoiceMonth
  readonly rows: Array<ReconciliationRow>
  readonly snapshot: PsaSnapshot
  readonly lines: Array<InvoiceLine>
  readonly mappings: ReadonlyArray<Mapping>
  /** What the rows were diffed with beyond the settings (the source kind, the window's earlier rows). */
  readonly diffOptions: DiffOptions
  /** The link's exclusions when the month was loaded; planning leaves the rows they cover out. */
  readonly exclusions?: ReadonlyArray<Exclusion> | undefined
  /** The month's lines those exclusions cover, and why (absent when none is). */
  readonly excluded?: ReadonlyArray<ExcludedLine> | undefined
}

const previousMonth = (month: InvoiceMonth): InvoiceMonth => {
  const [year, index] = month.split("-").map(Number) as [number, number]
  const date = new Date(Date.UTC(year, index - 2, 1))
  return date.toISOString().slice(0, 7)
}

const idKey = (text: string) => text.trim().toUpperCase()
const vatKey = (text: string) => text.replace(/[\s.-]/g, "").toUpperCase()

/**
 * Loads a month: the source's lines, the ConnectWise state they need (see `loadSnapshot`: by
 * identifiers and mapped ids, every company only when suggestions are needed, additions per
 * agreement in force), then `resolve` with the link's mappings and `diff`.
 *
 * Progress phases: `invoice lines`, `mappings`, `connectwise companies and products`,
 * `connectwise agreements`, `connectwise additions`, `reconcile`.
 *
 * @example
 * ```ts
 * const { rows } = yield* loadMonth({ linkId, source, connectwise, mappings, settings }, "2026-11", {
 *   onProgress: ({ phase, done, total }) => bar.update(phase, done, total)
 * })
 * rows.filter((row) => row.deviations.length > 0)
 * ```
 *
 * @since 0.1.0
 */
export const loadMonth = Effect.fn("link.reconciliation.loadMonth")(function* (
  deps: LoadMonthDeps,
  month: InvoiceMonth,
  options: { readonly onProgress?: OnProgress | undefined } = {}
): Effect.fn.Return<LoadedMonth, LinkError> {
  const progress = options.onProgress
  const period = yield* boundsOf(month)
  const settings = deps.settings
  // The one place a source is read: a host's promise source is adapted here, with the interrupt as its signal.
  const source = readerOf(deps.source)
  const lines = yield* source.lines(month, { onProgress: progress })
  progress?.({ phase: "mappings", done: 0, total: 1 })
  const mappings = yield* fromPort("MappingStore.list", deps.mappings.list(deps.linkId))
  const exclusions =
    deps.exclusions === undefined ? [] : yield* fromPort("ExclusionStore.list", deps.exclusions.list(deps.linkId))
  progress?.({ phase: "mappings", done: 1, total: 1 })
  const byId = new Map(mappings.map((mapping) => [mappingId(mapping), mapping]))
  const customerKeys = new Set(lines.map((line) => line.customer.key).filter((key) => key !== ""))
  const productKeys = new Set(lines.map((line) => line.product.key).filter((key) => key !== ""))
  const mappedCompany = (key: string) => byId.get(mappingId({ kind: "customer", sourceKey: key }))?.targetId
  const mappedProduct = (key: string) => byId.get(mappingId({ kind: "product", sourceKey: key }))?.targetId
  // The core's defaults: VAT numbers identify, cancellations are proposed (within the window).
  const useVat = (settings?.identifierKeys ?? ["vatNumber"]).includes("vatNumber")
  const proposeCancellations = settings?.proposeCancellations !== false
  const agreementIds = mappings
    .filter((mapping) => mapping.kind === "agreement" && customerKeys.has(mapping.sourceKey))
    .map((mapping) => mapping.targetId)
  const needs = {
    companyIdentifiers: lines.map((line) => line.customer.code),
    companyAccountNumbers: lines.map((line) => line.customer.code),
    ...(useVat ? { companyVatNumbers: lines.flatMap((line) => line.customer.vatNumber ?? []) } : {}),
    companyIds: [...customerKeys].flatMap((key) => mappedCompany(key) ?? []),
    productIdentifiers: lines.map((line) => line.product.code),
    productIds: [...productKeys].flatMap((key) => mappedProduct(key) ?? [])
  }
  const mode = deps.suggestions ?? "when-unmatched"
  const snapshotOptions = { onProgress: progress, concurrency: deps.concurrency ?? 4 }
  let { companies, products } = yield* loadCompaniesAndProducts(
    deps.connectwise,
    { ...needs, allCompanies: mode === "always", allProducts: mode === "always" },
    snapshotOptions
  )
  if (mode === "when-unmatched") {
    // Suggestions rank every company by name; searching only the ones we read would mislead.
    const live = companies.filter((company) => !company.deleted)
    const identifiers = new Set(
      live.flatMap((company) => [
        idKey(company.identifier),
        ...(company.accountNumber ? [idKey(company.accountNumber)] : [])
      ])
    )
    const vats = new Set(live.flatMap((company) => (company.vatNumber ? [vatKey(company.vatNumber)] : [])))
    const liveIds = new Set(live.map((company) => company.id))
    const customerUnmatched = lines.some((line) => {
      const mapped = mappedCompany(line.customer.key)
      if (line.customer.key === "" || (mapped !== undefined && liveIds.has(mapped))) return false
      if (line.customer.code !== "" && identifiers.has(idKey(line.customer.code))) return false
      return !(useVat && line.customer.vatNumber !== undefined && vats.has(vatKey(line.customer.vatNumber)))
    })
    const activeProducts = products.filter((product) => !product.inactive)
    const productIdentifiers = new Set(activeProducts.map((product) => idKey(product.identifier)))
    const activeIds = new Set(activeProducts.map((product) => product.id))
    const productUnmatched = lines.some((line) => {
      const mapped = mappedProduct(line.product.key)
      if (line.product.key === "" || (mapped !== undefined && activeIds.has(mapped))) return false
      return !(line.product.code !== "" && productIdentifiers.has(idKey(line.product.code)))
    })
    if (customerUnmatched || productUnmatched) {
      const all = yield* loadCompaniesAndProducts(
        deps.connectwise,
        { allCompanies: customerUnmatched, allProducts: productUnmatched },
        snapshotOptions
      )
      if (customerUnmatched) companies = all.companies
      if (productUnmatched) products = all.products
    }
  }
  // Agreements of every company a line links to or may link to once a suggestion is confirmed.
  const partial = new PsaSnapshot({ companies, products, agreements: [], additions: [] })
  const companyIds = new Set<number>()
  for (const row of resolve(lines, partial, mappings, settings)) {
    const resolution = row.customerResolution
    const linked = linkedId(resolution)
    if (linked !== undefined) companyIds.add(linked)
    if (resolution._tag === "Suggested")
      for (const candidate of resolution.candidates) companyIds.add(candidate.targetId)
    if (resolution._tag === "Ambiguous") for (const id of resolution.candidateIds) companyIds.add(id)
  }
  const { agreements, additions, unreadable } = yield* loadAgreements(
    deps.connectwise,
    [...companyIds],
    { agreementIds, period },
    snapshotOptions
  )
  // Products of additions the invoice does not carry, so a proposed cancellation names its product.
  if (proposeCancellations) {
    const known = new Set(products.map((product) => product.id))
    const missing = [...new Set(additions.map((addition) => addition.productId))].filter((id) => !known.has(id))
    if (missing.length > 0) {
      const more = yield* loadCompaniesAndProducts(deps.connectwise, { productIds: missing }, snapshotOptions)
      products = [...products, ...more.products]
    }
  }
  const snapshot = new PsaSnapshot({
    companies,
    products,
    agreements,
    additions,
    ...(unreadable.length === 0 ? {} : { unreadable })
  })
  const diffOptions = proposeCancellations
    ? yield* cancellationEvidence(deps, source, month, snapshot, mappings)
    : { source: sourceKind(deps.source) }
  progress?.({ phase: "reconcile", done: 0, total: lines.length })
  const rows = diff(resolve(lines, snapshot, mappings, settings), snapshot, settings, diffOptions)
  progress?.({ phase: "reconcile", done: lines.length, total: lines.length })
  const excluded = excludedLinesOf(lines, exclusions)
  return {
    month,
    rows,
    snapshot,
    lines,
    mappings,
    diffOptions,
    ...(exclusions.length === 0 ? {} : { exclusions }),
    ...(excluded.length === 0 ? {} : { excluded })
  }
})

const excludedLinesOf = (
  lines: ReadonlyArray<InvoiceLine>,
  exclusions: ReadonlyArray<Exclusion>
): Array<ExcludedLine> => {
  if (exclusions.length === 0) return []
  const covered = excludedLines(lines, exclusionIndex(exclusions))
  return lines.flatMap((line) => {
    const exclusion = covered.get(line.id)
    return exclusion === undefined
      ? []
      : [{ lineId: line.id, rowKey: rowKeyOf(line.customer.key, line.product.key), exclusion }]
  })
}

const sourceKind = (source: InvoiceSource): "sales" | "purchase" | "csv" =>
  source.kind === "purchase" || source.kind === "csv" ? source.kind : "sales"

/**
 * What decides which additions a missing line may cancel: for a sales source the customer's
 * invoices of the window's earlier months (read like this one, resolved against the same
 * snapshot); for a supplier's bill or a CSV the catalog items its remembered product mappings name.
 */
const cancellationEvidence = Effect.fn("link.reconciliation.cancellationEvidence")(function* (
  deps: LoadMonthDeps,
  reader: SourceReader,
  month: InvoiceMonth,
  snapshot: PsaSnapshot,
  mappings: ReadonlyArray<Mapping>
): Effect.fn.Return<DiffOptions, LinkError> {
  const source = sourceKind(deps.source)
  if (source !== "sales") {
    const supplierProductIds = mappings
      .filter((mapping) => mapping.kind === "product")
      .map((mapping) => mapping.targetId)
    return { source, supplierProductIds }
  }
  const window = deps.settings?.cancellationWindow ?? 3
  const earlier: Array<InvoiceLine> = []
  let previous = month
  for (let i = 1; i < window; i++) {
    previous = previousMonth(previous)
    earlier.push(...(yield* reader.lines(previous)))
  }
  return { source, earlierRows: resolve(earlier, snapshot, mappings, deps.settings) }
})
