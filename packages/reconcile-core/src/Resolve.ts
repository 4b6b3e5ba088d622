import { BigDecimal } from "effect"
import { Period } from "./Calendar.ts"
import { Notice } from "./Deviation.ts"
import type { InvoiceLine } from "./InvoiceLine.ts"
import { distinctDecimals, EMPTY, keepReads, type RowLines, readRowLines, sumOf } from "./internal/lines.ts"
import { identifierKey, indexOf, type SnapshotIndex } from "./internal/SnapshotIndex.ts"
import { type Settings, settingsOf } from "./internal/settings.ts"
import { gridRow } from "./internal/shapes.ts"
import { normaliseKey } from "./internal/text.ts"
import { trusted } from "./internal/trusted.ts"
import type { LinkSettings } from "./LinkSettings.ts"
import { type Mapping, type MappingRef, mappingId } from "./Mapping.ts"
import { isAdditionActive, isAgreementActive, type PsaAgreement, type PsaSnapshot } from "./PsaSnapshot.ts"
import type { ReconciliationRow } from "./ReconciliationRow.ts"
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

const escapeKey = (key: string) =>
  key.includes("%") || key.includes("|") ? key.replace(/%/g, "%25").replace(/\|/g, "%7C") : key

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

/**
 * The safe rule for linking a suggestion without a person: the best candidate meets the
 * threshold and leads the runner-up by the margin. (That it is not another invoice customer's
 * certain match is checked over all rows, in `resolve`.)
 */
const passesThreshold = (candidates: ReadonlyArray<Candidate>, settings: Settings): boolean => {
  const [best, second] = candidates
  return (
    best !== undefined &&
    best.score >= settings.autoAcceptAbove &&
    (second === undefined || best.score - second.score >= settings.autoAcceptMargin - 1e-9)
  )
}

const suggestion = (
  found: ReadonlyArray<{ readonly value: { readonly id: number }; readonly score: number }>,
  what: string,
  settings: Settings
): Suggested => {
  const candidates = found.map(({ value, score }) =>
    trusted(Candidate, {
      targetId: value.id,
      score,
      reason: score === 1 ? `same ${what} after normalisation` : `similar ${what}`
    })
  )
  return trusted(Suggested, { candidates, autoAccepted: passesThreshold(candidates, settings) })
}

const byIdentifier = <T extends { readonly id: number }>(
  found: ReadonlyArray<T> | undefined,
  on: "identifier" | "vatNumber" | "cocNumber",
  value: string
): Resolution | undefined => {
  if (found === undefined || found.length === 0) return undefined
  if (found.length === 1) return trusted(Matched, { targetId: (found[0] as T).id, on })
  return trusted(Ambiguous, {
    candidateIds: found.map((item) => item.id),
    reason: `${found.length} records have ${on} ${JSON.stringify(value)}`
  })
}

interface Context {
  readonly index: SnapshotIndex
  readonly mappings: ReadonlyMap<string, Mapping>
  readonly settings: Settings
  /** The agreement a row matched, one value per agreement and reason (many rows share it). */
  readonly matched: (agreementId: number, on: Matched["on"]) => Matched
}

const matchedOnce = (): Context["matched"] => {
  const made = new Map<Matched["on"], Map<number, Matched>>()
  return (agreementId, on) => {
    let byId = made.get(on)
    if (byId === undefined) {
      byId = new Map()
      made.set(on, byId)
    }
    let matched = byId.get(agreementId)
    if (matched === undefined) {
      matched = trusted(Matched, { targetId: agreementId, on })
      byId.set(agreementId, matched)
    }
    return matched
  }
}

interface Resolved {
  readonly resolution: Resolution
  readonly notices: ReadonlyArray<Notice>
}

const resolveCustomer = (line: InvoiceLine, context: Context): Resolved => {
  const { index, mappings, settings } = context
  const customer = line.customer
  if (customer.key.trim() === "")
    return { resolution: trusted(Unmapped, { reason: "the line has no customer key" }), notices: [] }
  const notices: Array<Notice> = []
  const mapping = mappings.get(mappingId({ kind: "customer", sourceKey: customer.key }))
  if (mapping !== undefined) {
    const company = index.companies.get(mapping.targetId)
    if (company !== undefined && !company.deleted) {
      return { resolution: trusted(Mapped, { targetId: company.id, method: mapping.method }), notices }
    }
    notices.push(
      trusted(Notice, {
        code: "stale-mapping",
        message: `the remembered company ${mapping.targetId} is ${company === undefined ? "gone" : "deleted"}`,
        ids: [mapping.targetId]
      })
    )
  }
  // The account code is certain against the company's identifier or its accountNumber.
  const identifierMatch =
    identifierKey(customer.code) === ""
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
      resolution: trusted(Unmapped, {
        reason: `no company with identifier or account number ${JSON.stringify(customer.code)}, the VAT number or a similar name`
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
    return { resolution: trusted(Unmapped, { reason: "the line has no product key" }), notices: [] }
  const notices: Array<Notice> = []
  const mapping = mappings.get(mappingId({ kind: "product", sourceKey: product.key }))
  if (mapping !== undefined) {
    const target = index.products.get(mapping.targetId)
    if (target !== undefined && !target.inactive) {
      return { resolution: trusted(Mapped, { targetId: target.id, method: mapping.method }), notices }
    }
    notices.push(
      trusted(Notice, {
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
      resolution: trusted(Missing, {
        reason: `no catalog item with identifier ${JSON.stringify(product.code)} or a similar description`
      }),
      notices
    }
  }
  return { resolution: suggestion(found, "description", settings), notices }
}

interface AgreementQuestion {
  readonly customerKey: string
  readonly productKey: string
  readonly companyId: number | undefined
  readonly productId: number | undefined
  /** The linked catalog items of each customer's rows this month, by customer key (read only when several agreements could take the product). */
  readonly productIds: ReadonlyMap<string, ReadonlySet<number>>
  readonly period: Period
}

const noRefs: ReadonlyArray<MappingRef> = []
const noAgreements: ReadonlyArray<PsaAgreement> = []

// Whether the agreement is a home for the product's recurring additions: a prepaid block of hours
// is not, unless it already carries the product.
const isRecurringHome = (
  agreement: PsaAgreement,
  productId: number | undefined,
  period: Period,
  index: SnapshotIndex
): boolean =>
  agreement.prepaid !== true ||
  (productId !== undefined &&
    index.additionsOf(agreement.id, productId).some((addition) => isAdditionActive(addition, period)))

/**
 * The company's one active agreement (of the type) that can carry recurring additions, when there
 * is exactly one: the common case, found without building the lists the other cases explain.
 */
const onlyRecurring = (
  agreements: ReadonlyArray<PsaAgreement>,
  productId: number | undefined,
  period: Period,
  typeId: number | undefined,
  index: SnapshotIndex
): PsaAgreement | undefined => {
  let found: PsaAgreement | undefined
  for (const agreement of agreements) {
    if (!isAgreementActive(agreement, period) || (typeId !== undefined && agreement.typeId !== typeId)) continue
    if (!isRecurringHome(agreement, productId, period, index)) continue
    if (found !== undefined) return undefined
    found = agreement
  }
  return found
}

const resolveAgreement = (question: AgreementQuestion, context: Context): Resolved => {
  const { customerKey, productKey, companyId, productId, period } = question
  const { index, mappings, settings } = context
  if (companyId === undefined)
    return { resolution: trusted(Unmapped, { reason: "the customer is not linked yet" }), notices: [] }
  const notices: Array<Notice> = []
  for (const ref of mappings.size === 0
    ? noRefs
    : [
        { kind: "agreement" as const, sourceKey: customerKey, productKey },
        { kind: "agreement" as const, sourceKey: customerKey }
      ]) {
    const mapping = mappings.get(mappingId(ref))
    if (mapping === undefined) continue
    const agreement = index.agreements.get(mapping.targetId)
    if (agreement !== undefined && isAgreementActive(agreement, period)) {
      return { resolution: trusted(Mapped, { targetId: agreement.id, method: mapping.method }), notices }
    }
    notices.push(
      trusted(Notice, {
        code: "stale-mapping",
        message: `the remembered agreement ${mapping.targetId} is ${agreement === undefined ? "gone" : "not active in the period"}`,
        ids: [mapping.targetId]
      })
    )
  }
  const typeId = settings.agreementTypeId
  const agreements = index.agreementsByCompany.get(companyId) ?? noAgreements
  const only = onlyRecurring(agreements, productId, period, typeId, index)
  if (only !== undefined) {
    return {
      resolution: context.matched(only.id, typeId === undefined ? "only-active-agreement" : "only-agreement-of-type"),
      notices
    }
  }
  const active = agreements.filter(
    (agreement) => isAgreementActive(agreement, period) && (typeId === undefined || agreement.typeId === typeId)
  )
  const ofType = typeId === undefined ? "" : ` of type ${typeId}`
  const carries = (agreement: PsaAgreement, product: number) =>
    index.additionsOf(agreement.id, product).some((addition) => isAdditionActive(addition, period))
  // None or several (exactly one was `onlyRecurring` above).
  const recurring = active.filter((agreement) => isRecurringHome(agreement, productId, period, index))
  if (recurring.length === 0) {
    return {
      resolution: trusted(Missing, {
        reason:
          active.length === 0
            ? `the company has no active agreement${ofType}`
            : `the company has only prepaid agreements${ofType} (${active.map((a) => a.name).join(", ")})`
      }),
      notices
    }
  }
  if (productId !== undefined) {
    const carrying = recurring.filter((agreement) => carries(agreement, productId))
    if (carrying.length === 1) {
      return { resolution: context.matched((carrying[0] as PsaAgreement).id, "carries-product"), notices }
    }
    if (carrying.length > 1) {
      return {
        resolution: trusted(Ambiguous, {
          candidateIds: carrying.map((agreement) => agreement.id),
          reason: `${carrying.length} active agreements${ofType} of the company carry the product`
        }),
        notices
      }
    }
  }
  // Several agreements and none carries the product: the one carrying most of the customer's
  // other invoiced products is where it most likely belongs — a strong suggestion, never certain.
  const others = [...(question.productIds.get(customerKey) ?? [])].filter((id) => id !== productId)
  const ranked = recurring
    .map((agreement) => ({ agreement, carried: others.filter((id) => carries(agreement, id)).length }))
    .sort((a, b) => b.carried - a.carried || a.agreement.id - b.agreement.id)
  const candidates = ranked.map(({ agreement, carried }) =>
    trusted(Candidate, {
      targetId: agreement.id,
      score: others.length === 0 ? 0.5 : 0.5 + (0.45 * carried) / others.length,
      reason:
        carried === 0
          ? `an active agreement of the company (${agreement.name})`
          : `carries ${carried} of the customer's ${others.length} other invoiced products (${agreement.name})`
    })
  )
  return {
    resolution: trusted(Suggested, {
      candidates,
      autoAccepted: others.length > 0 && passesThreshold(candidates, settings)
    }),
    notices
  }
}

/**
 * How one source key (a customer's or a product's) resolved, shared by every row with that key:
 * rows hold it rather than look the key up again, and `withoutContestedAcceptance` revises it.
 */
interface Side {
  resolved: Resolved
}

/** A suggestion whose best target is another source key's certain match is not accepted by itself. */
const withoutContestedAcceptance = (sides: Map<string, Side>): void => {
  const certain = new Map<number, string>()
  for (const [key, { resolved }] of sides) {
    const { resolution } = resolved
    if (resolution._tag === "Mapped" || resolution._tag === "Matched") certain.set(resolution.targetId, key)
  }
  const acceptedBy = new Map<number, Array<string>>()
  for (const [key, { resolved }] of sides) {
    const { resolution } = resolved
    if (resolution._tag !== "Suggested" || !resolution.autoAccepted) continue
    const best = (resolution.candidates[0] as Candidate).targetId
    acceptedBy.set(best, [...(acceptedBy.get(best) ?? []), key])
  }
  for (const [key, side] of sides) {
    const { resolution } = side.resolved
    if (resolution._tag !== "Suggested" || !resolution.autoAccepted) continue
    const best = (resolution.candidates[0] as Candidate).targetId
    const owner = certain.get(best)
    const contested = (owner !== undefined && owner !== key) || (acceptedBy.get(best)?.length ?? 0) > 1
    if (contested)
      side.resolved = { ...side.resolved, resolution: trusted(Suggested, { ...resolution, autoAccepted: false }) }
  }
}

// The side of a line's customer or product: the one of its key, made the first time (a line
// without a key has a side of its own, never shared).
const sideOf = (
  sides: Map<string, Side>,
  key: string,
  resolveIt: (line: InvoiceLine, context: Context) => Resolved,
  line: InvoiceLine,
  context: Context
): Side => {
  let side = sides.get(key)
  if (side === undefined) {
    side = { resolved: resolveIt(line, context) }
    if (key !== "") sides.set(key, side)
  }
  return side
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
): Array<ReconciliationRow> => {
  const resolvedSettings = settingsOf(settings)
  const context: Context = {
    index: indexOf(snapshot),
    mappings: new Map(mappings.map((mapping) => [mappingId(mapping), mapping])),
    settings: resolvedSettings,
    matched: matchedOnce()
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
  // Each row's customer and product side, resolved once per key.
  const customers = new Map<string, Side>()
  const products = new Map<string, Side>()
  const customerSides: Array<Side> = []
  const productSides: Array<Side> = []
  for (const group of groups.values()) {
    const first = group[0] as InvoiceLine
    customerSides.push(sideOf(customers, first.customer.key, resolveCustomer, first, context))
    productSides.push(sideOf(products, first.product.key, resolveProduct, first, context))
  }
  withoutContestedAcceptance(customers)
  withoutContestedAcceptance(products)
  // The linked catalog items of each customer's rows, for placing a product on one of several agreements.
  const productIdsOf = new Map<string, Set<number>>()
  let position = 0
  for (const group of groups.values()) {
    const customerKey = (group[0] as InvoiceLine).customer.key
    const productId = linkedId((productSides[position++] as Side).resolved.resolution)
    if (productId === undefined || customerKey === "") continue
    const set = productIdsOf.get(customerKey) ?? new Set<number>()
    set.add(productId)
    productIdsOf.set(customerKey, set)
  }
  const rows: Array<ReconciliationRow> = []
  const reads: Array<RowLines> = []
  position = 0
  for (const [key, group] of groups) {
    const first = group[0] as InvoiceLine
    const customer = (customerSides[position] as Side).resolved
    const product = (productSides[position++] as Side).resolved
    let start = first.period.start
    let end = first.period.end
    for (const line of group) {
      if (line.period.start < start) start = line.period.start
      if (line.period.end > end) end = line.period.end
    }
    // A row's period is its first line's unless its lines span more (one Period per row otherwise).
    const period =
      start === first.period.start && end === first.period.end ? first.period : trusted(Period, { start, end })
    const agreement = resolveAgreement(
      {
        customerKey: first.customer.key,
        productKey: first.product.key,
        companyId: linkedId(customer.resolution),
        productId: linkedId(product.resolution),
        productIds: productIdsOf,
        period
      },
      context
    )
    const read = readRowLines(group, resolvedSettings)
    reads.push(read)
    const { counted } = read
    const quantity = sumOf(counted)
    // One counted line (almost every row) has its own cost and price.
    const one = counted.length === 1 ? (counted[0] as InvoiceLine) : undefined
    const costs = one === undefined ? distinctDecimals(counted.map((line) => line.unitCost)) : [one.unitCost]
    const prices =
      one === undefined
        ? distinctDecimals(counted.flatMap((line) => (line.unitPrice === undefined ? [] : [line.unitPrice])))
        : one.unitPrice === undefined
          ? []
          : [one.unitPrice]
    const currency = currencyOf(group)
    const notices =
      customer.notices.length === 0 && product.notices.length === 0 && agreement.notices.length === 0
        ? []
        : [...customer.notices, ...product.notices, ...agreement.notices]
    if (hasCredit(counted)) {
      notices.push(
        trusted(Notice, { code: "credit-netted", message: "credit lines were subtracted from the quantity" })
      )
    }
    rows.push(
      gridRow({
        key,
        origin: "invoice",
        period,
        customer: first.customer,
        product: first.product,
        currency,
        lines: group,
        quantity,
        ...(costs.length === 1 ? { unitCost: costs[0] } : {}),
        ...(prices.length === 1 && prices.length > 0 && counted.every((line) => line.unitPrice !== undefined)
          ? { unitPrice: prices[0] }
          : {}),
        customerResolution: customer.resolution,
        productResolution: product.resolution,
        agreementResolution: agreement.resolution,
        deviations: EMPTY,
        notices: notices.length === 0 ? EMPTY : notices
      })
    )
  }
  keepReads(rows, reads, resolvedSettings)
  return rows
}

/** Whether any of the lines is a credit (a negative quantity). */
const hasCredit = (lines: ReadonlyArray<InvoiceLine>): boolean => {
  for (const line of lines) if (BigDecimal.isNegative(line.quantity)) return true
  return false
}

/** The lines' one currency (empty ones left out); empty when they have none or several. */
const currencyOf = (lines: ReadonlyArray<InvoiceLine>): string => {
  let found = ""
  for (const line of lines) {
    if (line.currency === "" || line.currency === found) continue
    if (found !== "") return ""
    found = line.currency
  }
  return found
}
