/**
 * The truth of a world — the answer key of its reconciliation: which Exact record belongs with which
 * ConnectWise record, and month by month every deviation between what Exact invoiced and what the
 * ConnectWise additions say. Written from the model and both systems' records; it draws nothing.
 */

import { additionActive, type ConnectWiseOutput } from "./ConnectWise.ts"
import type { CwAddition, CwAgreement, CwCompany } from "./ConnectWiseRecords.ts"
import type { ExactCustomerMonth, ExactOutput } from "./Exact.ts"
import type { Period } from "./internal/Dates.ts"
import { money, quantity } from "./internal/Money.ts"
import { isActive } from "./internal/Pairs.ts"
import { VAT_CODES } from "./internal/Vat.ts"
import type { Customer, Pair, WorldModel } from "./Model.ts"
import type { DeviationKind, MissingBecause, MonthTruth, PairRef, PlantedDeviation, WorldTruth } from "./Truth.ts"
import { CANCELLATION_WINDOW, deviationKinds } from "./Truth.ts"

/** Write the truth of a world. */
export const writeTruth = (model: WorldModel, exact: ExactOutput, cw: ConnectWiseOutput): WorldTruth => ({
  links: writeLinks(model, exact, cw),
  months: model.periods.map((_, m) => monthTruth(model, exact, cw, m))
})

const writeLinks = (model: WorldModel, exact: ExactOutput, cw: ConnectWiseOutput): WorldTruth["links"] => ({
  companies: model.customers.map((c) => {
    const company = cw.companyOf.get(c)
    return {
      accountId: c.accountId,
      accountCode: c.code,
      companyId: company?.id ?? null,
      evidence: company === undefined ? null : c.evidence
    }
  }),
  items: model.allProducts.map((def, p) => {
    const catalog = cw.catalogOf.get(p)
    return {
      itemId: exact.records.items[p]!.ID,
      itemCode: def.code,
      catalogItemId: catalog?.id ?? "create",
      evidence: catalog === undefined ? null : catalog.identifier === def.code ? "identifier" : "manual"
    }
  }),
  agreements: model.customers.map((c) => ({
    accountId: c.accountId,
    agreementId: cw.agreementOf.get(c)?.id ?? "create"
  })),
  taxCodes: VAT_CODES.filter((v) => v.taxCodeId > 0)
    .map((v) => ({ taxCodeId: v.taxCodeId, vatCode: v.code }))
    .sort((a, b) => a.taxCodeId - b.taxCodeId),
  billingTerms: [
    { billingTermsId: 1, paymentCondition: "14" },
    { billingTermsId: 2, paymentCondition: "30" },
    { billingTermsId: 3, paymentCondition: "00" }
  ]
})

/** Collects a month's deviations by kind; the month lists them kind by kind, in `deviationKinds` order. */
interface MonthContext {
  readonly model: WorldModel
  readonly exact: ExactOutput
  readonly cw: ConnectWiseOutput
  readonly m: number
  readonly period: Period
  readonly push: (d: PlantedDeviation) => void
  readonly active: (pair: Pair) => boolean
  readonly pairRef: (c: Customer, pair: Pair) => PairRef
}

const monthTruth = (model: WorldModel, exact: ExactOutput, cw: ConnectWiseOutput, m: number): MonthTruth => {
  const period = model.periods[m] as Period
  const byKind = new Map<DeviationKind, Array<PlantedDeviation>>(deviationKinds.map((k) => [k, []]))
  const ctx: MonthContext = {
    model,
    exact,
    cw,
    m,
    period,
    push: (d) => byKind.get(d.kind)!.push(d),
    active: (pair) => additionActive(model, cw.additionOf, pair, period),
    pairRef: (c, pair) => ({
      accountId: c.accountId,
      itemId: exact.records.items[pair.product]!.ID,
      companyId: cw.companyOf.get(c)?.id ?? null,
      agreementId: cw.agreementOf.get(c)?.id ?? null,
      catalogItemId: cw.catalogOf.get(pair.product)?.id ?? null
    })
  }
  const month = exact.months[m]!
  const missingProductsInvoiced = new Set<number>()
  for (const c of model.customers) {
    const invoiced = month.byCustomer.get(c.index)
    if (invoiced === undefined) {
      // Nothing invoiced this month; an addition may still be running.
      for (const pair of c.pairs) if (ctx.active(pair)) notInvoiced(ctx, c, pair, "customerNotInvoiced")
      continue
    }
    customerDeviations(ctx, c, invoiced)
    for (const pair of c.pairs) {
      if (!isActive(pair, m)) continue
      if (model.productMissing.has(pair.product)) missingProductsInvoiced.add(pair.product)
      pairDeviations(ctx, c, pair, invoiced)
    }
    for (const pair of c.pairs) {
      if (isActive(pair, m) || !ctx.active(pair)) continue
      const last = lastInvoiced(pair, m)
      notInvoiced(
        ctx,
        c,
        pair,
        invoiced.malformedItemLineId !== null
          ? "lineWithoutItem"
          : last === null || m - last >= CANCELLATION_WINDOW
            ? "outsideWindow"
            : "cancel"
      )
    }
  }
  for (const p of [...missingProductsInvoiced].sort((a, b) => a - b)) {
    const item = exact.records.items[p]!
    ctx.push({ kind: "productMissing", itemId: item.ID, itemCode: item.Code })
  }
  return {
    period: period.period,
    invoicedAccounts: month.byCustomer.size,
    invoiceLines: month.invoiceLines,
    deviations: deviationKinds.flatMap((k) => byKind.get(k)!)
  }
}

/** The last month before `m` the pair was invoiced, or null. */
const lastInvoiced = (pair: Pair, m: number): number | null => {
  const last = Math.min(pair.end, m) - 1
  return last >= pair.start ? last : null
}

/** An addition running in a month the pair is not invoiced. */
const notInvoiced = (
  ctx: MonthContext,
  c: Customer,
  pair: Pair,
  proposal: "cancel" | "lineWithoutItem" | "outsideWindow" | "customerNotInvoiced"
): void => {
  const addition = ctx.cw.additionOf.get(pair)!
  const last = lastInvoiced(pair, ctx.m)
  ctx.push({
    kind: "additionNotInvoiced",
    ...ctx.pairRef(c, pair),
    additionId: addition.id,
    additionQuantity: addition.quantity,
    additionUnitCost: addition.unitCost,
    lastInvoiced: last === null ? null : ctx.model.periods[last]!.period,
    proposal
  })
}

/** The deviations of a whole customer: no company, no agreement, another currency, a line without an item. */
const customerDeviations = (ctx: MonthContext, c: Customer, invoiced: ExactCustomerMonth): void => {
  const company: CwCompany | undefined = ctx.cw.companyOf.get(c)
  const agreement: CwAgreement | undefined = ctx.cw.agreementOf.get(c)
  if (c.noCompany) ctx.push({ kind: "customerWithoutCompany", accountId: c.accountId, accountCode: c.code })
  else if (agreement === undefined)
    ctx.push({ kind: "agreementMissing", accountId: c.accountId, companyId: company!.id })
  else if (c.currency !== agreement.currency.currencyCode) {
    const invoiceIds = [invoiced.invoice.InvoiceID]
    if (invoiced.creditId !== null) invoiceIds.push(invoiced.creditId)
    ctx.push({
      kind: "currencyMismatch",
      accountId: c.accountId,
      companyId: company!.id,
      agreementId: agreement.id,
      invoiceIds: invoiceIds.sort(),
      invoiceCurrency: c.currency,
      agreementCurrency: agreement.currency.currencyCode
    })
  }
  if (invoiced.malformedItemLineId !== null) {
    ctx.push({
      kind: "malformedLine",
      accountId: c.accountId,
      invoiceId: invoiced.invoice.InvoiceID,
      lineId: invoiced.malformedItemLineId,
      field: "Item",
      value: null
    })
  }
}

/** The deviations of one invoiced pair: a malformed quantity, or an addition missing or off. */
const pairDeviations = (ctx: MonthContext, c: Customer, pair: Pair, invoiced: ExactCustomerMonth): void => {
  const { model, m } = ctx
  const lineIds = (invoiced.lineIds.get(pair) ?? []).slice().sort()
  if (pair.inject === "malformedQuantity" && m === model.latest) {
    const line = invoiced.invoice.SalesInvoiceLines.find((l) => l.ID === lineIds[0])!
    ctx.push({
      kind: "malformedLine",
      accountId: c.accountId,
      invoiceId: invoiced.invoice.InvoiceID,
      lineId: line.ID,
      field: "Quantity",
      value: line.Quantity
    })
    return
  }
  const def = model.products[pair.product]!
  const q = pair.qty[m]!
  if (!ctx.active(pair)) {
    ctx.push({
      kind: "additionMissing",
      ...ctx.pairRef(c, pair),
      invoiceLineIds: lineIds,
      invoiceQuantity: quantity(q),
      invoiceUnitCost: money(def.costCents),
      because: missingBecause(ctx, c, pair)
    })
    return
  }
  const addition: CwAddition = ctx.cw.additionOf.get(pair)!
  const duplicate = ctx.cw.duplicateOf.get(pair)
  if (duplicate !== undefined && m === model.latest) {
    // Two additions of the product: which is right is a person's call, so no change is due.
    const ref = ctx.pairRef(c, pair)
    ctx.push({
      kind: "duplicateAdditions",
      ...ref,
      agreementId: addition.agreementId,
      catalogItemId: addition.product.id,
      additionIds: [addition.id, duplicate.id].sort((a, b) => a - b),
      invoiceLineIds: lineIds,
      invoiceQuantity: quantity(q),
      additionQuantity: quantity(model.duplicates.get(pair)!.qty + (pair.additionQty ?? q))
    })
    return
  }
  if (addition.quantity !== quantity(q)) {
    ctx.push({
      kind: "quantityOff",
      ...ctx.pairRef(c, pair),
      additionId: addition.id,
      invoiceLineIds: lineIds,
      invoiceQuantity: quantity(q),
      additionQuantity: addition.quantity
    })
  }
  if (addition.unitCost !== money(def.costCents)) {
    ctx.push({
      kind: "unitCostOff",
      ...ctx.pairRef(c, pair),
      additionId: addition.id,
      invoiceLineIds: lineIds,
      invoiceUnitCost: money(def.costCents),
      additionUnitCost: addition.unitCost
    })
  }
}

/** Why an invoiced pair has no addition, when the cause is elsewhere in the world. */
const missingBecause = (ctx: MonthContext, c: Customer, pair: Pair): MissingBecause | null =>
  c.noCompany
    ? "customerWithoutCompany"
    : !ctx.cw.agreementOf.has(c)
      ? "agreementMissing"
      : ctx.model.productMissing.has(pair.product)
        ? "productMissing"
        : null
