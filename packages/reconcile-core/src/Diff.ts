import { BigDecimal } from "effect"
import {
  AdditionNotInvoiced,
  CurrencyMismatch,
  type Deviation,
  DuplicateAdditions,
  LinesDisagree,
  NeedsAgreement,
  NeedsCustomer,
  NeedsProduct,
  Notice,
  Unreadable
} from "./Deviation.ts"
import { InvoiceProduct } from "./InvoiceLine.ts"
import {
  distinctDecimals,
  EMPTY,
  keepReads,
  NO_LINES,
  type RowLines,
  readRowLines,
  readsFor,
  sumOf,
  ZERO
} from "./internal/lines.ts"
import { indexOf, type SnapshotIndex } from "./internal/SnapshotIndex.ts"
import { type Settings, settingsOf } from "./internal/settings.ts"
import {
  additionMissing,
  diffedRow,
  gridRow,
  quantityDiffers,
  unitCostDiffers,
  unitPriceDiffers
} from "./internal/shapes.ts"
import { trusted } from "./internal/trusted.ts"
import type { LinkSettings } from "./LinkSettings.ts"
import { isAdditionActive, type PsaAddition, type PsaSnapshot } from "./PsaSnapshot.ts"
import type { ReconciliationRow } from "./ReconciliationRow.ts"
import { linkedId, Matched, Missing, type Resolution } from "./Resolution.ts"

/**
 * Whether two unit prices differ at the currency's scale by more than the tolerance.
 *
 * @since 0.1.0
 */
export const pricesDiffer = (
  invoiced: BigDecimal.BigDecimal,
  current: BigDecimal.BigDecimal,
  currency: string,
  settings?: LinkSettings
): boolean => differs(invoiced, current, currency, settingsOf(settings))

const differs = (a: BigDecimal.BigDecimal, b: BigDecimal.BigDecimal, currency: string, settings: Settings) => {
  const scale = settings.scaleOf(currency)
  const gap = BigDecimal.abs(BigDecimal.subtract(roundTo(a, scale), roundTo(b, scale)))
  return BigDecimal.isGreaterThan(gap, settings.toleranceOf(currency) ?? ZERO)
}

// A value with no more places than the currency's is its own rounding (the common case).
const roundTo = (value: BigDecimal.BigDecimal, scale: number) =>
  value.scale <= scale ? value : BigDecimal.round(value, { scale, mode: "half-from-zero" })

/**
 * What `diff` needs to know about the source beyond the rows, to propose only cancellations the
 * source can mean.
 *
 * @since 0.1.0
 */
export interface DiffOptions {
  /**
   * The source kind (default `"sales"`). A sales invoice carries what the customer is billed: an
   * addition is proposed for cancellation only when its product was invoiced to the customer in
   * the cancellation window. A purchase bill or CSV carries one supplier's products: only those.
   */
  readonly source?: "sales" | "purchase" | "csv" | undefined
  /**
   * Sales: the resolved rows of the window's earlier months (see `cancellationWindow`). Without
   * them the window is unknown and only products invoiced to some customer this month are proposed.
   */
  readonly earlierRows?: ReadonlyArray<ReconciliationRow> | undefined
  /** Purchase and CSV: catalog items the supplier carries besides those linked on this bill (remembered mappings). */
  readonly supplierProductIds?: Iterable<number> | undefined
  /**
   * Rows (by key) whose product or agreement the decisions create: compared as missing (the
   * addition is added once it exists), whatever was suggested for them.
   */
  readonly creating?: ReadonlyMap<string, { readonly product: boolean; readonly agreement: boolean }> | undefined
}

/**
 * Compares each resolved row with its agreement's additions and returns the rows with their
 * `deviations` filled in, followed by one `connectwise` row per active addition the invoice no
 * longer carries (when the settings propose cancellations; only products the source can carry).
 *
 * Rows that link to the same (agreement, product) are summed together: the differences go on
 * the first of them and the others get a `combined-rows` notice. Several active additions of one
 * product on one agreement are a `DuplicateAdditions` for a person. Lines are never dropped: an
 * unreadable, negative, duplicate or inconsistent line is an `InvalidLine` on its row, and the row
 * is `Unreadable` (no change proposed). A row that cannot be compared yet says why
 * (`NeedsCustomer`, `NeedsProduct`, `NeedsAgreement`) and what will be compared once linked.
 *
 * @since 0.1.0
 */
export const diff = (
  rows: ReadonlyArray<ReconciliationRow>,
  snapshot: PsaSnapshot,
  settings?: LinkSettings,
  options: DiffOptions = {}
): Array<ReconciliationRow> => {
  const resolvedSettings = settingsOf(settings)
  const index = indexOf(snapshot)
  // Each invoice row's lines read once: by `resolve`, when the rows are what it returned.
  const kept = readsFor(rows, resolvedSettings)
  const invoiceRows: Array<ReconciliationRow> = []
  const read: Array<RowLines> = []
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as ReconciliationRow
    if (row.origin !== "invoice") continue
    invoiceRows.push(row)
    read.push(kept(row, i) ?? readRowLines(row.lines, resolvedSettings))
  }
  const compared = options.creating === undefined ? invoiceRows : invoiceRows.map((row) => asCreated(row, options))
  const context: DiffContext = { index, settings: resolvedSettings, pairs: pairsOf(compared, read) }
  const result = compared.map((row, i) => diffRow(row, read[i] as RowLines, context))
  if (resolvedSettings.proposeCancellations) {
    result.push(...notInvoiced(compared, index, resolvedSettings, cancellable(compared, options)))
  }
  // What was read of each row's lines, for `plan` (a cancellation row has none).
  for (let i = read.length; i < result.length; i++) read.push(NO_LINES)
  if (options.creating !== undefined) {
    // The rows keep their own resolutions; only the comparison saw the created targets.
    const byKey = new Map(invoiceRows.map((row) => [row.key, row]))
    return result.map((row) => {
      const original = byKey.get(row.key)
      return original === undefined || original === row
        ? row
        : gridRow({
            ...row,
            productResolution: original.productResolution,
            agreementResolution: original.agreementResolution
          })
    })
  }
  keepReads(result, read, resolvedSettings)
  return result
}

// A row whose product or agreement the decisions create is compared as if it were missing.
const asCreated = (row: ReconciliationRow, options: DiffOptions): ReconciliationRow => {
  const creating = options.creating?.get(row.key)
  if (creating === undefined || (!creating.product && !creating.agreement)) return row
  return gridRow({
    ...row,
    ...(creating.product ? { productResolution: trusted(Missing, { reason: "created by the decisions" }) } : {}),
    ...(creating.agreement ? { agreementResolution: trusted(Missing, { reason: "created by the decisions" }) } : {})
  })
}

interface DiffContext {
  readonly index: SnapshotIndex
  readonly settings: Settings
  /** The linked rows per agreement and catalog item: they are compared as one. */
  readonly pairs: ReadonlyMap<number, ReadonlyMap<number, ReadonlyArray<ReconciliationRow>>>
}

const pairsOf = (
  rows: ReadonlyArray<ReconciliationRow>,
  read: ReadonlyArray<RowLines>
): Map<number, Map<number, Array<ReconciliationRow>>> => {
  const pairs = new Map<number, Map<number, Array<ReconciliationRow>>>()
  rows.forEach((row, i) => {
    const agreementId = linkedId(row.agreementResolution)
    const productId = linkedId(row.productResolution)
    if (agreementId === undefined || productId === undefined || linkedId(row.customerResolution) === undefined) return
    if ((read[i] as RowLines).problems.length > 0) return
    let byProduct = pairs.get(agreementId)
    if (byProduct === undefined) {
      byProduct = new Map()
      pairs.set(agreementId, byProduct)
    }
    const list = byProduct.get(productId)
    if (list === undefined) byProduct.set(productId, [row])
    else list.push(row)
  })
  return pairs
}

/** The lines' distinct currencies (empty ones left out), in first-seen order. */
const currenciesOf = (lines: ReconciliationRow["lines"]): Array<string> => {
  const currencies: Array<string> = []
  for (const line of lines) {
    if (line.currency !== "" && !currencies.includes(line.currency)) currencies.push(line.currency)
  }
  return currencies
}

const shown = (value: BigDecimal.BigDecimal) => BigDecimal.format(BigDecimal.normalize(value))

/** "invoice 12 at 18.70" */
const invoicedText = (row: ReconciliationRow) =>
  `invoice ${shown(row.quantity)}${row.unitCost === undefined ? "" : ` at ${shown(row.unitCost)}`}`

/** What the row would be compared with on one agreement, in words. */
const comparedOn = (
  row: ReconciliationRow,
  index: SnapshotIndex,
  agreementId: number | undefined,
  productId: number | undefined
) => {
  if (agreementId === undefined || productId === undefined) return `${invoicedText(row)}; compared once linked`
  const additions = index
    .additionsOf(agreementId, productId)
    .filter((addition) => isAdditionActive(addition, row.period))
  if (additions.length === 0) return `${invoicedText(row)}; ConnectWise has no addition on agreement ${agreementId}`
  const current = additions.reduce((sum, addition) => BigDecimal.sum(sum, addition.quantity), ZERO)
  return `${invoicedText(row)}; ConnectWise ${shown(current)} at ${shown((additions[0] as PsaAddition).unitCost)} on agreement ${agreementId}`
}

const candidatesOf = (resolution: Resolution): Array<number> =>
  resolution._tag === "Suggested"
    ? resolution.candidates.map((candidate) => candidate.targetId)
    : resolution._tag === "Ambiguous"
      ? [...resolution.candidateIds]
      : []

const reasonOf = (resolution: Resolution, what: string): string =>
  resolution._tag === "Suggested"
    ? `${what}: suggestions to confirm`
    : resolution._tag === "Ambiguous"
      ? resolution.reason
      : resolution._tag === "Unmapped" || resolution._tag === "Missing"
        ? resolution.reason
        : what

// What a row that waits for a link would be compared with.
const waitingOf = (row: ReconciliationRow) => ({
  invoiced: row.quantity,
  ...(row.unitCost === undefined ? {} : { unitCost: row.unitCost })
})

// One invoice row: what is wrong with its lines, then how it compares with its agreement's additions.
const diffRow = (row: ReconciliationRow, read: RowLines, context: DiffContext): ReconciliationRow => {
  const { index, settings } = context
  const { problems, counted } = read
  const deviations: Array<Deviation> = [...problems]
  const notices =
    row.notices.length === 0
      ? []
      : row.notices.filter((notice) => notice.code !== "several-additions" && notice.code !== "combined-rows")
  const currencies = currenciesOf(row.lines)
  if (currencies.length > 1) deviations.push(trusted(CurrencyMismatch, { invoiced: currencies }))
  // One counted line cannot disagree with itself.
  if (counted.length > 1) {
    const costs = distinctDecimals(counted.map((line) => line.unitCost))
    if (costs.length > 1) deviations.push(trusted(LinesDisagree, { field: "unitCost", values: costs }))
    if (settings.compare !== "unitCost") {
      const prices = distinctDecimals(counted.flatMap((line) => (line.unitPrice === undefined ? [] : [line.unitPrice])))
      if (prices.length > 1) deviations.push(trusted(LinesDisagree, { field: "unitPrice", values: prices }))
    }
  }
  const companyId = linkedId(row.customerResolution)
  const agreementId = linkedId(row.agreementResolution)
  const productId = linkedId(row.productResolution)
  const agreement = agreementId === undefined ? undefined : index.agreements.get(agreementId)
  let comparable = currencies.length <= 1
  if (
    agreement?.currency !== undefined &&
    agreement.currency !== "" &&
    currencies.length === 1 &&
    currencies[0] !== agreement.currency
  ) {
    deviations.push(
      trusted(CurrencyMismatch, { invoiced: currencies, agreementId: agreement.id, agreement: agreement.currency })
    )
    comparable = false
  }
  if (problems.length > 0) {
    // Bad lines block, never shrink: the readable lines' sum is not what the invoice says.
    const lineIds = [...new Set(problems.map((problem) => problem.lineId))]
    const invoices = [
      ...new Set(
        row.lines.filter((line) => lineIds.includes(line.id)).map((line) => line.invoiceNumber || line.invoiceId)
      )
    ]
    deviations.push(
      trusted(Unreadable, {
        lineIds,
        invoices,
        reason: `${problems.length} problem${problems.length === 1 ? "" : "s"} on the lines: no change is proposed until the source is fixed`
      })
    )
    return diffedRow(row, deviations, notices)
  }
  if (counted.length === 0) return diffedRow(row, deviations, notices)
  if (companyId === undefined) {
    deviations.push(
      trusted(NeedsCustomer, {
        ...waitingOf(row),
        reason: reasonOf(row.customerResolution, "the customer is not linked"),
        pending: `${invoicedText(row)}; compared once the customer is linked to a company`,
        candidateIds: candidatesOf(row.customerResolution)
      })
    )
    return diffedRow(row, deviations, notices)
  }
  if (productId === undefined && row.productResolution._tag !== "Missing") {
    deviations.push(
      trusted(NeedsProduct, {
        ...waitingOf(row),
        reason: reasonOf(row.productResolution, "the product is not linked"),
        pending: `${invoicedText(row)}; compared once the product is linked to a catalog item`,
        candidateIds: candidatesOf(row.productResolution)
      })
    )
    return diffedRow(row, deviations, notices)
  }
  if (agreementId === undefined && row.agreementResolution._tag !== "Missing") {
    const candidateIds = candidatesOf(row.agreementResolution)
    deviations.push(
      trusted(NeedsAgreement, {
        ...waitingOf(row),
        companyId,
        reason: reasonOf(row.agreementResolution, "the agreement is not certain"),
        pending: `${comparedOn(row, index, candidateIds[0], productId)} — after you pick the agreement`,
        candidateIds
      })
    )
    return diffedRow(row, deviations, notices)
  }
  const unreadable = agreementId === undefined ? undefined : context.index.unreadableOf(agreementId)
  if (unreadable !== undefined) {
    // ConnectWise's side could not be read: comparing with what was read would be a guess.
    deviations.push(
      trusted(Unreadable, {
        lineIds: [],
        invoices: [],
        reason: `ConnectWise ${unreadable.what}: ${unreadable.recordId === undefined ? "a record" : `record ${unreadable.recordId}`} could not be read${unreadable.field === undefined ? "" : ` (field ${unreadable.field})`}`
      })
    )
    return diffedRow(row, deviations, notices)
  }
  if (agreementId !== undefined && productId !== undefined) {
    const group = context.pairs.get(agreementId)?.get(productId) ?? [row]
    if (group[0] !== row) {
      notices.push(
        trusted(Notice, {
          code: "combined-rows",
          message: `summed with row ${(group[0] as ReconciliationRow).key}, where the differences are shown`
        })
      )
    } else {
      compareWithAdditions(row, group, { agreementId, productId, comparable }, context, deviations, notices)
    }
  } else {
    // The product or agreement does not exist yet: creating it means adding the addition too.
    deviations.push(
      additionMissing({
        ...(agreementId === undefined ? {} : { agreementId }),
        ...(productId === undefined ? {} : { productId }),
        quantity: row.quantity,
        unitCost: row.unitCost ?? ZERO,
        ...(row.unitPrice === undefined ? {} : { unitPrice: row.unitPrice })
      })
    )
  }
  return diffedRow(row, deviations, notices)
}

// The first row of an (agreement, product) group against the pair's active additions: missing,
// duplicated, or a different quantity (summed over the group), unit cost or price.
const compareWithAdditions = (
  row: ReconciliationRow,
  group: ReadonlyArray<ReconciliationRow>,
  pair: { readonly agreementId: number; readonly productId: number; readonly comparable: boolean },
  context: DiffContext,
  deviations: Array<Deviation>,
  notices: Array<Notice>
): void => {
  const { agreementId, productId, comparable } = pair
  const { settings } = context
  const quantity = sumOf(group)
  if (group.length > 1) {
    notices.push(
      trusted(Notice, {
        code: "combined-rows",
        message: `rows ${group.map((member) => member.key).join(", ")} link to the same agreement and product and were summed`
      })
    )
  }
  const additions = activeAdditions(context.index.additionsOf(agreementId, productId), row.period)
  if (additions.length === 0) {
    deviations.push(
      additionMissing({
        agreementId,
        productId,
        quantity,
        unitCost: row.unitCost ?? ZERO,
        ...(row.unitPrice === undefined ? {} : { unitPrice: row.unitPrice })
      })
    )
    return
  }
  if (additions.length > 1) {
    // Which of them is right is a person's call; changing one to absorb the other is a guess.
    deviations.push(
      trusted(DuplicateAdditions, {
        agreementId,
        productId,
        additionIds: additions.map((addition) => addition.id),
        invoiced: quantity,
        current: sumOf(additions)
      })
    )
    return
  }
  const current = sumOf(additions)
  if (!BigDecimal.equals(current, quantity)) {
    deviations.push(quantityDiffers({ agreementId, productId, invoiced: quantity, current, additions }))
  }
  if (comparable && settings.compare !== "unitPrice" && row.unitCost !== undefined) {
    const invoiced = row.unitCost
    const off = differing(additions, "unitCost", invoiced, row.currency, settings)
    if (off.length > 0) {
      const current = (off[0] as PsaAddition).unitCost
      deviations.push(unitCostDiffers({ agreementId, productId, invoiced, current, additions: off }))
    }
  }
  if (comparable && settings.compare !== "unitCost" && row.unitPrice !== undefined) {
    const invoiced = row.unitPrice
    const off = differing(additions, "unitPrice", invoiced, row.currency, settings)
    if (off.length > 0) {
      const current = (off[0] as PsaAddition).unitPrice
      deviations.push(unitPriceDiffers({ agreementId, productId, invoiced, current, additions: off }))
    }
  }
}

// The additions whose unit cost (or price) differs from the invoiced one: a row's one addition (the
// rule) as the list it came in, so the deviation shares the index's frozen list.
const differing = (
  additions: ReadonlyArray<PsaAddition>,
  field: "unitCost" | "unitPrice",
  invoiced: BigDecimal.BigDecimal,
  currency: string,
  settings: Settings
): ReadonlyArray<PsaAddition> => {
  if (additions.length === 1)
    return differs(invoiced, (additions[0] as PsaAddition)[field], currency, settings) ? additions : EMPTY
  return additions.filter((addition) => differs(invoiced, addition[field], currency, settings))
}

// The additions active in the period: the index's own (frozen) list when all are, as they almost always are.
const activeAdditions = (
  additions: ReadonlyArray<PsaAddition>,
  period: ReconciliationRow["period"]
): ReadonlyArray<PsaAddition> => {
  for (const addition of additions) {
    if (!isAdditionActive(addition, period)) return additions.filter((one) => isAdditionActive(one, period))
  }
  return additions
}

/** Whether an addition's product is one the source could have carried for the company. */
type Cancellable = (companyId: number, productId: number) => boolean

const linkedProductsByCompany = (rows: ReadonlyArray<ReconciliationRow>): Map<number, Set<number>> => {
  const byCompany = new Map<number, Set<number>>()
  for (const row of rows) {
    const companyId = linkedId(row.customerResolution)
    const productId = linkedId(row.productResolution)
    if (companyId === undefined || productId === undefined) continue
    const set = byCompany.get(companyId) ?? new Set<number>()
    set.add(productId)
    byCompany.set(companyId, set)
  }
  return byCompany
}

const cancellable = (rows: ReadonlyArray<ReconciliationRow>, options: DiffOptions): Cancellable => {
  const carriedNow = new Set(rows.flatMap((row) => linkedId(row.productResolution) ?? []))
  if ((options.source ?? "sales") !== "sales") {
    const supplier = new Set([...carriedNow, ...(options.supplierProductIds ?? [])])
    return (_companyId, productId) => supplier.has(productId)
  }
  if (options.earlierRows === undefined) return (_companyId, productId) => carriedNow.has(productId)
  const recent = linkedProductsByCompany(options.earlierRows)
  return (companyId, productId) => recent.get(companyId)?.has(productId) === true
}

const notInvoiced = (
  rows: ReadonlyArray<ReconciliationRow>,
  index: SnapshotIndex,
  settings: Settings,
  canCarry: Cancellable
): Array<ReconciliationRow> => {
  const byAgreement = new Map<number, { row: ReconciliationRow; products: Set<number>; unsure: boolean }>()
  // A customer's row whose product is not linked yet may be the very addition we would cancel, on
  // any of the customer's agreements (its agreement often cannot resolve without the product): do
  // not guess for that company at all.
  const unsureCompanies = new Set<number>()
  for (const row of rows) {
    const companyId = linkedId(row.customerResolution)
    if (companyId === undefined) continue
    if (linkedId(row.productResolution) === undefined && row.productResolution._tag !== "Missing") {
      unsureCompanies.add(companyId)
    }
    const agreementId = linkedId(row.agreementResolution)
    if (agreementId === undefined) continue
    let entry = byAgreement.get(agreementId)
    if (entry === undefined) {
      entry = { row, products: new Set(), unsure: false }
      byAgreement.set(agreementId, entry)
    }
    const productId = linkedId(row.productResolution)
    if (productId !== undefined) entry.products.add(productId)
    // A row whose product is not linked yet may be the very addition we would cancel: do not guess.
    else if (row.productResolution._tag !== "Missing" || row.lines.length === 0) entry.unsure = true
  }
  const result: Array<ReconciliationRow> = []
  for (const [agreementId, { row, products, unsure }] of byAgreement) {
    const companyId = index.agreements.get(agreementId)?.companyId
    if (unsure || (companyId !== undefined && unsureCompanies.has(companyId))) continue
    if (index.unreadableOf(agreementId) !== undefined) continue
    for (const addition of index.additionsByAgreement.get(agreementId) ?? []) {
      if (products.has(addition.productId) || !isAdditionActive(addition, row.period)) continue
      const product = index.products.get(addition.productId)
      if (companyId === undefined || !canCarry(companyId, addition.productId)) continue
      if (settings.neverCancel(addition.productId, product?.identifier)) continue
      result.push(
        gridRow({
          key: `addition|${addition.id}`,
          origin: "connectwise",
          period: row.period,
          customer: row.customer,
          product: trusted(InvoiceProduct, {
            key: "",
            code: product?.identifier ?? "",
            description: product?.description ?? `catalog item ${addition.productId}`
          }),
          currency: index.agreements.get(agreementId)?.currency ?? row.currency,
          lines: [],
          quantity: ZERO,
          customerResolution: row.customerResolution,
          productResolution: trusted(Matched, { targetId: addition.productId, on: "identifier" }),
          agreementResolution: row.agreementResolution,
          deviations: [trusted(AdditionNotInvoiced, { addition })],
          notices: []
        })
      )
    }
  }
  return result
}
