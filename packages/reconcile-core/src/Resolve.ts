import { BigDecimal } from "effect"
import { Period } from "./Calendar.ts"
import { Notice } from "./Deviation.ts"
import { GridRow } from "./GridRow.ts"
import type { InvoiceLine } from "./InvoiceLine.ts"
import { distinctDecimals, lineProblems, ZERO } from "./internal/lines.ts"
import { identifierKey, indexOf, type SnapshotIndex } from "./internal/SnapshotIndex.ts"
import { normaliseKey } from "./internal/text.ts"
import { type LinkSettings, type Settings, settingsOf } from "./LinkSettings.ts"
import { type Mapping, mappingId } from "./Mapping.ts"
import { isAdditionActive, isAgreementActive, type PsaSnapshot } from "./PsaSnapshot.ts"
import {
  Ambiguous,
  Candidate,
  linkedId,
  Mapped,
  Matched,
  Missing,
  type Resolution,
  Suggested,
  Unmapped
} from "./Resolution.ts"

const escapeKey = (key: string) => key.replace(/%/g, "%25").replace(/\|/g, "%7C")

/**
 * The grid row key of a (customer key, product key) pair: stable across months, so decisions
 * and remembered state can refer to it.
 *
 * @since 0.1.0
 */
export const rowKeyOf = (customerKey: string, productKey: string): string =>
  `${escapeKey(customerKey)}|${escapeKey(productKey)}`

const MIN_SCORE = 0.5
const MAX_CANDIDATES = 5

const suggestion = (
  found: ReadonlyArray<{ readonly value: { readonly id: number }; readonly score: number }>,
  what: string,
  settings: Settings
): Suggested => {
  const candidates = found.map(
    ({ value, score }) =>
      new Candidate({
        targetId: value.id,
        score,
        reason: score === 1 ? `same ${what} after normalisation` : `similar ${what}`
      })
  )
  const [best, second] = candidates
  const autoAccepted =
    settings.autoAcceptAbove !== undefined &&
    best !== undefined &&
    best.score >= settings.autoAcceptAbove &&
    (second === undefined || second.score < best.score)
  return new Suggested({ candidates, autoAccepted })
}

const byIdentifier = <T extends { readonly id: number }>(
  found: ReadonlyArray<T> | undefined,
  on: "identifier" | "vatNumber" | "cocNumber",
  value: string
): Resolution | undefined => {
  if (found === undefined || found.length === 0) return undefined
  if (found.length === 1) return new Matched({ targetId: (found[0] as T).id, on })
  return new Ambiguous({
    candidateIds: found.map((item) => item.id),
    reason: `${found.length} records have ${on} ${JSON.stringify(value)}`
  })
}

interface Context {
  readonly index: SnapshotIndex
  readonly mappings: ReadonlyMap<string, Mapping>
  readonly settings: Settings
}

interface Resolved {
  readonly resolution: Resolution
  readonly notices: ReadonlyArray<Notice>
}

const resolveCustomer = (line: InvoiceLine, context: Context): Resolved => {
  const { index, mappings, settings } = context
  const customer = line.customer
  if (customer.key.trim() === "")
    return { resolution: new Unmapped({ reason: "the line has no customer key" }), notices: [] }
  const notices: Array<Notice> = []
  const mapping = mappings.get(mappingId({ kind: "customer", sourceKey: customer.key }))
  if (mapping !== undefined) {
    const company = index.companies.get(mapping.targetId)
    if (company !== undefined && !company.deleted) {
      return { resolution: new Mapped({ targetId: company.id, method: mapping.method }), notices }
    }
    notices.push(
      new Notice({
        code: "stale-mapping",
        message: `the remembered company ${mapping.targetId} is ${company === undefined ? "gone" : "deleted"}`,
        ids: [mapping.targetId]
      })
    )
  }
  const identifierMatch =
    customer.code.trim() === ""
      ? undefined
      : byIdentifier(index.companiesByIdentifier.get(identifierKey(customer.code)), "identifier", customer.code.trim())
  if (identifierMatch !== undefined) return { resolution: identifierMatch, notices }
  for (const key of settings.identifierKeys) {
    const value = customer[key]
    if (value === undefined || normaliseKey(value) === "") continue
    const found = (key === "vatNumber" ? index.companiesByVat : index.companiesByCoc).get(normaliseKey(value))
    const match = byIdentifier(found, key, value)
    if (match !== undefined) return { resolution: match, notices }
  }
  const found =
    customer.name.trim() === ""
      ? []
      : index.companyNameIndex().search(customer.name, { minScore: MIN_SCORE, limit: MAX_CANDIDATES })
  if (found.length === 0) {
    return {
      resolution: new Unmapped({
        reason: `no company with identifier ${JSON.stringify(customer.code)} or a similar name`
      }),
      notices
    }
  }
  return { resolution: suggestion(found, "name", settings), notices }
}

const resolveProduct = (line: InvoiceLine, context: Context): Resolved => {
  const { index, mappings, settings } = context
  const product = line.product
  if (product.key.trim() === "")
    return { resolution: new Unmapped({ reason: "the line has no product key" }), notices: [] }
  const notices: Array<Notice> = []
  const mapping = mappings.get(mappingId({ kind: "product", sourceKey: product.key }))
  if (mapping !== undefined) {
    const target = index.products.get(mapping.targetId)
    if (target !== undefined && !target.inactive) {
      return { resolution: new Mapped({ targetId: target.id, method: mapping.method }), notices }
    }
    notices.push(
      new Notice({
        code: "stale-mapping",
        message: `the remembered catalog item ${mapping.targetId} is ${target === undefined ? "gone" : "inactive"}`,
        ids: [mapping.targetId]
      })
    )
  }
  const identifierMatch =
    product.code.trim() === ""
      ? undefined
      : byIdentifier(index.productsByIdentifier.get(identifierKey(product.code)), "identifier", product.code.trim())
  if (identifierMatch !== undefined) return { resolution: identifierMatch, notices }
  const found =
    product.description.trim() === ""
      ? []
      : index.productNameIndex().search(product.description, { minScore: MIN_SCORE, limit: MAX_CANDIDATES })
  if (found.length === 0) {
    return {
      resolution: new Missing({
        reason: `no catalog item with identifier ${JSON.stringify(product.code)} or a similar description`
      }),
      notices
    }
  }
  return { resolution: suggestion(found, "description", settings), notices }
}

const resolveAgreement = (
  customerKey: string,
  productKey: string,
  companyId: number | undefined,
  productId: number | undefined,
  period: Period,
  context: Context
): Resolved => {
  const { index, mappings, settings } = context
  if (companyId === undefined)
    return { resolution: new Unmapped({ reason: "the customer is not linked yet" }), notices: [] }
  const notices: Array<Notice> = []
  for (const ref of [
    { kind: "agreement" as const, sourceKey: customerKey, productKey },
    { kind: "agreement" as const, sourceKey: customerKey }
  ]) {
    const mapping = mappings.get(mappingId(ref))
    if (mapping === undefined) continue
    const agreement = index.agreements.get(mapping.targetId)
    if (agreement !== undefined && isAgreementActive(agreement, period)) {
      return { resolution: new Mapped({ targetId: agreement.id, method: mapping.method }), notices }
    }
    notices.push(
      new Notice({
        code: "stale-mapping",
        message: `the remembered agreement ${mapping.targetId} is ${agreement === undefined ? "gone" : "not active in the period"}`,
        ids: [mapping.targetId]
      })
    )
  }
  const active = (index.agreementsByCompany.get(companyId) ?? []).filter((agreement) =>
    isAgreementActive(agreement, period)
  )
  if (productId !== undefined) {
    const carrying = active.filter((agreement) =>
      index.additionsOf(agreement.id, productId).some((addition) => isAdditionActive(addition, period))
    )
    if (carrying.length === 1) {
      return {
        resolution: new Matched({ targetId: (carrying[0] as { id: number }).id, on: "carries-product" }),
        notices
      }
    }
    if (carrying.length > 1) {
      return {
        resolution: new Ambiguous({
          candidateIds: carrying.map((agreement) => agreement.id),
          reason: `${carrying.length} active agreements of the company carry the product`
        }),
        notices
      }
    }
  }
  if (settings.agreementTypeId !== undefined) {
    const typeId = settings.agreementTypeId
    const ofType = active.filter((agreement) => agreement.typeId === typeId)
    if (ofType.length === 1) {
      return {
        resolution: new Matched({ targetId: (ofType[0] as { id: number }).id, on: "only-agreement-of-type" }),
        notices
      }
    }
    if (ofType.length > 1) {
      return {
        resolution: new Ambiguous({
          candidateIds: ofType.map((agreement) => agreement.id),
          reason: `${ofType.length} active agreements of type ${typeId}`
        }),
        notices
      }
    }
    return { resolution: new Missing({ reason: `the company has no active agreement of type ${typeId}` }), notices }
  }
  if (active.length === 0)
    return { resolution: new Missing({ reason: "the company has no active agreement" }), notices }
  // Without a configured type any choice would be a guess: offer them, accept none.
  return {
    resolution: new Suggested({
      candidates: active.map(
        (agreement) =>
          new Candidate({
            targetId: agreement.id,
            score: 0.5,
            reason: `an active agreement of the company (${agreement.name}); set agreementTypeId to pick automatically`
          })
      ),
      autoAccepted: false
    }),
    notices
  }
}

/**
 * Groups invoice lines per (customer, product) and links each group's customer, product and
 * agreement to ConnectWise: remembered mapping → exact identifier (code, then the configured
 * extra keys) → ranked fuzzy suggestions. Deleted companies and inactive products are never
 * targets. Linear in lines plus snapshot: the snapshot is indexed once.
 *
 * Confirming a suggestion changes what can be resolved after it (the agreement needs the
 * company): resolve again with `pendingMappings(rows, decisions)` added to `mappings`.
 *
 * @example
 * ```ts
 * import { diff, plan, resolve } from "@psa-ledger/reconcile-core"
 *
 * const rows = diff(resolve(lines, snapshot, mappings, settings), snapshot, settings)
 * const changes = plan(rows, decisions, settings)
 * ```
 *
 * @since 0.1.0
 */
export const resolve = (
  lines: ReadonlyArray<InvoiceLine>,
  snapshot: PsaSnapshot,
  mappings: ReadonlyArray<Mapping>,
  settings?: LinkSettings
): Array<GridRow> => {
  const resolvedSettings = settingsOf(settings)
  const context: Context = {
    index: indexOf(snapshot),
    mappings: new Map(mappings.map((mapping) => [mappingId(mapping), mapping])),
    settings: resolvedSettings
  }
  const groups = new Map<string, Array<InvoiceLine>>()
  for (const line of lines) {
    const key =
      line.customer.key.trim() === "" || line.product.key.trim() === ""
        ? `line|${escapeKey(line.id)}`
        : rowKeyOf(line.customer.key, line.product.key)
    const group = groups.get(key)
    if (group === undefined) groups.set(key, [line])
    else group.push(line)
  }
  const customers = new Map<string, Resolved>()
  const products = new Map<string, Resolved>()
  const rows: Array<GridRow> = []
  for (const [key, group] of groups) {
    const first = group[0] as InvoiceLine
    let customer = customers.get(first.customer.key)
    if (customer === undefined) {
      customer = resolveCustomer(first, context)
      if (first.customer.key !== "") customers.set(first.customer.key, customer)
    }
    let product = products.get(first.product.key)
    if (product === undefined) {
      product = resolveProduct(first, context)
      if (first.product.key !== "") products.set(first.product.key, product)
    }
    let start = first.period.start
    let end = first.period.end
    for (const line of group) {
      if (line.period.start < start) start = line.period.start
      if (line.period.end > end) end = line.period.end
    }
    const period = new Period({ start, end })
    const agreement = resolveAgreement(
      first.customer.key,
      first.product.key,
      linkedId(customer.resolution),
      linkedId(product.resolution),
      period,
      context
    )
    const counted = group.filter((line) => lineProblems(line, resolvedSettings).length === 0)
    const quantity = counted.reduce((sum, line) => BigDecimal.sum(sum, line.quantity), ZERO)
    const costs = distinctDecimals(counted.map((line) => line.unitCost))
    const prices = distinctDecimals(counted.flatMap((line) => (line.unitPrice === undefined ? [] : [line.unitPrice])))
    const currencies = new Set(group.map((line) => line.currency).filter((currency) => currency !== ""))
    const notices = [...customer.notices, ...product.notices, ...agreement.notices]
    if (counted.some((line) => BigDecimal.isNegative(line.quantity))) {
      notices.push(new Notice({ code: "credit-netted", message: "credit lines were subtracted from the quantity" }))
    }
    rows.push(
      new GridRow({
        key,
        origin: "invoice",
        period,
        customer: first.customer,
        product: first.product,
        currency: currencies.size === 1 ? ([...currencies][0] as string) : "",
        lines: group,
        quantity,
        ...(costs.length === 1 ? { unitCost: costs[0] } : {}),
        ...(prices.length === 1 && prices.length > 0 && counted.every((line) => line.unitPrice !== undefined)
          ? { unitPrice: prices[0] }
          : {}),
        customerResolution: customer.resolution,
        productResolution: product.resolution,
        agreementResolution: agreement.resolution,
        deviations: [],
        notices
      })
    )
  }
  return rows
}
