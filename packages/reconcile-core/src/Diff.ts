import { BigDecimal } from "effect"
import {
  AdditionMissing,
  AdditionNotInvoiced,
  CurrencyMismatch,
  type Deviation,
  LinesDisagree,
  Notice,
  QuantityDiffers,
  UnitCostDiffers,
  UnitPriceDiffers
} from "./Deviation.ts"
import { GridRow } from "./GridRow.ts"
import { InvoiceProduct } from "./InvoiceLine.ts"
import { distinctDecimals, lineProblems, ZERO } from "./internal/lines.ts"
import { indexOf, type SnapshotIndex } from "./internal/SnapshotIndex.ts"
import { type LinkSettings, type Settings, settingsOf } from "./LinkSettings.ts"
import { isAdditionActive, type PsaAddition, type PsaSnapshot } from "./PsaSnapshot.ts"
import { linkedId, Matched } from "./Resolution.ts"

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
  const round = (value: BigDecimal.BigDecimal) => BigDecimal.round(value, { scale, mode: "half-from-zero" })
  const gap = BigDecimal.abs(BigDecimal.subtract(round(a), round(b)))
  return BigDecimal.isGreaterThan(gap, settings.toleranceOf(currency) ?? ZERO)
}

/**
 * Compares each resolved row with its agreement's additions and returns the rows with their
 * `deviations` filled in, followed by one `connectwise` row per active addition the invoice no
 * longer carries (when the settings propose cancellations).
 *
 * Rows that link to the same (agreement, product) are summed together: the differences go on
 * the first of them and the others get a `combined-rows` notice. Several additions of one
 * product on one agreement are compared as their sum and noted. Lines are never dropped: an
 * unreadable, negative or keyless line is an `InvalidLine` deviation on its row.
 *
 * @since 0.1.0
 */
export const diff = (rows: ReadonlyArray<GridRow>, snapshot: PsaSnapshot, settings?: LinkSettings): Array<GridRow> => {
  const resolvedSettings = settingsOf(settings)
  const index = indexOf(snapshot)
  const invoiceRows = rows.filter((row) => row.origin === "invoice")
  const context: DiffContext = { index, settings: resolvedSettings, pairs: pairsOf(invoiceRows) }
  const result = invoiceRows.map((row) => diffRow(row, context))
  if (resolvedSettings.proposeCancellations) result.push(...notInvoiced(invoiceRows, index, resolvedSettings))
  return result
}

interface DiffContext {
  readonly index: SnapshotIndex
  readonly settings: Settings
  /** The linked rows per (agreement, product): they are compared as one. */
  readonly pairs: ReadonlyMap<string, ReadonlyArray<GridRow>>
}

const pairsOf = (rows: ReadonlyArray<GridRow>): Map<string, Array<GridRow>> => {
  const pairs = new Map<string, Array<GridRow>>()
  for (const row of rows) {
    const agreementId = linkedId(row.agreementResolution)
    const productId = linkedId(row.productResolution)
    if (agreementId === undefined || productId === undefined || linkedId(row.customerResolution) === undefined) continue
    const pair = `${agreementId}:${productId}`
    const list = pairs.get(pair)
    if (list === undefined) pairs.set(pair, [row])
    else list.push(row)
  }
  return pairs
}

// One invoice row: what is wrong with its lines, then how it compares with its agreement's additions.
const diffRow = (row: GridRow, context: DiffContext): GridRow => {
  const { index, settings } = context
  const deviations: Array<Deviation> = []
  const notices = row.notices.filter((notice) => notice.code !== "several-additions" && notice.code !== "combined-rows")
  for (const line of row.lines) deviations.push(...lineProblems(line, settings))
  const currencies = [...new Set(row.lines.map((line) => line.currency).filter((currency) => currency !== ""))]
  if (currencies.length > 1) deviations.push(new CurrencyMismatch({ invoiced: currencies }))
  const counted = row.lines.filter((line) => lineProblems(line, settings).length === 0)
  const costs = distinctDecimals(counted.map((line) => line.unitCost))
  if (costs.length > 1) deviations.push(new LinesDisagree({ field: "unitCost", values: costs }))
  if (settings.compare !== "unitCost") {
    const prices = distinctDecimals(counted.flatMap((line) => (line.unitPrice === undefined ? [] : [line.unitPrice])))
    if (prices.length > 1) deviations.push(new LinesDisagree({ field: "unitPrice", values: prices }))
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
      new CurrencyMismatch({ invoiced: currencies, agreementId: agreement.id, agreement: agreement.currency })
    )
    comparable = false
  }
  if (counted.length > 0 && companyId !== undefined && agreementId !== undefined && productId !== undefined) {
    const group = context.pairs.get(`${agreementId}:${productId}`) ?? [row]
    if (group[0] !== row) {
      notices.push(
        new Notice({
          code: "combined-rows",
          message: `summed with row ${(group[0] as GridRow).key}, where the differences are shown`
        })
      )
    } else {
      compareWithAdditions(row, group, { agreementId, productId, comparable }, context, deviations, notices)
    }
  } else if (
    counted.length > 0 &&
    companyId !== undefined &&
    (productId !== undefined || row.productResolution._tag === "Missing") &&
    (agreementId !== undefined || row.agreementResolution._tag === "Missing")
  ) {
    // The product or agreement does not exist yet: creating it means adding the addition too.
    deviations.push(
      new AdditionMissing({
        ...(agreementId === undefined ? {} : { agreementId }),
        ...(productId === undefined ? {} : { productId }),
        quantity: row.quantity,
        unitCost: row.unitCost ?? ZERO,
        ...(row.unitPrice === undefined ? {} : { unitPrice: row.unitPrice })
      })
    )
  }
  return new GridRow({ ...row, deviations, notices })
}

// The first row of an (agreement, product) group against the pair's active additions: missing, or
// a different quantity (summed over the group and over several additions), unit cost or price.
const compareWithAdditions = (
  row: GridRow,
  group: ReadonlyArray<GridRow>,
  pair: { readonly agreementId: number; readonly productId: number; readonly comparable: boolean },
  context: DiffContext,
  deviations: Array<Deviation>,
  notices: Array<Notice>
): void => {
  const { agreementId, productId, comparable } = pair
  const { settings } = context
  const quantity = group.reduce((sum, member) => BigDecimal.sum(sum, member.quantity), ZERO)
  if (group.length > 1) {
    notices.push(
      new Notice({
        code: "combined-rows",
        message: `rows ${group.map((member) => member.key).join(", ")} link to the same agreement and product and were summed`
      })
    )
  }
  const additions = context.index
    .additionsOf(agreementId, productId)
    .filter((addition) => isAdditionActive(addition, row.period))
  if (additions.length === 0) {
    deviations.push(
      new AdditionMissing({
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
    notices.push(
      new Notice({
        code: "several-additions",
        message: `${additions.length} additions of the product on agreement ${agreementId} were compared as their sum`,
        ids: additions.map((addition) => addition.id)
      })
    )
  }
  const current = additions.reduce((sum, addition) => BigDecimal.sum(sum, addition.quantity), ZERO)
  if (!BigDecimal.equals(current, quantity)) {
    deviations.push(new QuantityDiffers({ agreementId, productId, invoiced: quantity, current, additions }))
  }
  if (comparable && settings.compare !== "unitPrice" && row.unitCost !== undefined) {
    const invoiced = row.unitCost
    const off = additions.filter((addition) => differs(invoiced, addition.unitCost, row.currency, settings))
    if (off.length > 0) {
      const current = (off[0] as PsaAddition).unitCost
      deviations.push(new UnitCostDiffers({ agreementId, productId, invoiced, current, additions: off }))
    }
  }
  if (comparable && settings.compare !== "unitCost" && row.unitPrice !== undefined) {
    const invoiced = row.unitPrice
    const off = additions.filter((addition) => differs(invoiced, addition.unitPrice, row.currency, settings))
    if (off.length > 0) {
      const current = (off[0] as PsaAddition).unitPrice
      deviations.push(new UnitPriceDiffers({ agreementId, productId, invoiced, current, additions: off }))
    }
  }
}

const notInvoiced = (rows: ReadonlyArray<GridRow>, index: SnapshotIndex, _settings: Settings): Array<GridRow> => {
  const byAgreement = new Map<number, { row: GridRow; products: Set<number>; unsure: boolean }>()
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
  const result: Array<GridRow> = []
  for (const [agreementId, { row, products, unsure }] of byAgreement) {
    const companyId = index.agreements.get(agreementId)?.companyId
    if (unsure || (companyId !== undefined && unsureCompanies.has(companyId))) continue
    for (const addition of index.additionsByAgreement.get(agreementId) ?? []) {
      if (products.has(addition.productId) || !isAdditionActive(addition, row.period)) continue
      const product = index.products.get(addition.productId)
      result.push(
        new GridRow({
          key: `addition|${addition.id}`,
          origin: "connectwise",
          period: row.period,
          customer: row.customer,
          product: new InvoiceProduct({
            key: "",
            code: product?.identifier ?? "",
            description: product?.description ?? `catalog item ${addition.productId}`
          }),
          currency: index.agreements.get(agreementId)?.currency ?? row.currency,
          lines: [],
          quantity: ZERO,
          customerResolution: row.customerResolution,
          productResolution: new Matched({ targetId: addition.productId, on: "identifier" }),
          agreementResolution: row.agreementResolution,
          deviations: [new AdditionNotInvoiced({ addition })],
          notices: []
        })
      )
    }
  }
  return result
}
