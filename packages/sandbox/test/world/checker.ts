/**
 * An independent reconciliation of a world, for tests: it reads only the records of both systems
 * (and the truth's links where no key connects two records) and recomputes every deviation with
 * exact decimal arithmetic. It shares no code with the generator, which knows its deviations from
 * its own model; if both agree, the truth is right.
 */
import * as BigDecimal from "effect/BigDecimal"
import * as Option from "effect/Option"
import type {
  CwAddition,
  CwAgreement,
  CwCatalogItem,
  CwCompany,
  ExactWorldAccount,
  ExactWorldItem,
  LinkEvidence,
  PlantedDeviation,
  World
} from "../../src/index.ts"
import { CANCELLATION_WINDOW } from "../../src/index.ts"

const DECIMAL = /^-?\d+(\.\d+)?$/

const decimal = (text: string): BigDecimal.BigDecimal => {
  if (!DECIMAL.test(text)) throw new Error(`not a decimal: ${JSON.stringify(text)}`)
  return Option.getOrThrow(BigDecimal.fromString(text))
}

const canonical = (d: BigDecimal.BigDecimal): string => BigDecimal.format(BigDecimal.normalize(d))

const periodOfExactDate = (text: string): string => {
  const m = /^\/Date\((-?\d+)\)\/$/.exec(text)
  if (m === null) throw new Error(`not an Exact date: ${text}`)
  return new Date(Number(m[1])).toISOString().slice(0, 7)
}

const periodBounds = (period: string): { start: number; end: number } => {
  const [y, mo] = period.split("-").map((x) => Number.parseInt(x, 10)) as [number, number]
  return { start: Date.UTC(y, mo - 1, 1), end: Date.UTC(y, mo, 1) - 86_400_000 }
}

const activeIn = (addition: CwAddition, period: string): boolean => {
  const { start, end } = periodBounds(period)
  if (Date.parse(addition.effectiveDate) > end) return false
  return addition.cancelledDate === null || Date.parse(addition.cancelledDate) >= start
}

/** What the checker found, plus every disagreement with the truth's links it noticed on the way. */
export interface CheckerResult {
  readonly linkProblems: ReadonlyArray<string>
  readonly months: ReadonlyArray<{ readonly period: string; readonly deviations: ReadonlyArray<PlantedDeviation> }>
}

/** Reconcile every month of `world` from its records. */
export const checkWorld = (world: World): CheckerResult => {
  const problems: Array<string> = []
  const { exact, connectwise, truth } = world

  // Companies: identifier, then accountNumber, then VAT number, among live customer companies.
  const live = connectwise.companies.filter((c) => !c.deletedFlag && !c.isVendorFlag)
  const index = (key: (c: CwCompany) => string | null) => {
    const map = new Map<string, Array<CwCompany>>()
    for (const c of live) {
      const k = key(c)
      if (k === null) continue
      map.set(k, [...(map.get(k) ?? []), c])
    }
    return map
  }
  const byIdentifier = index((c) => c.identifier)
  const byAccountNumber = index((c) => c.accountNumber)
  const byTax = index((c) => c.taxIdentifier)
  const companyById = new Map(connectwise.companies.map((c) => [c.id, c]))
  const customers = exact.accounts.filter((a) => a.Status === "C")
  const companyOf = new Map<string, CwCompany | null>()
  for (const account of customers) {
    const code = account.Code.trim()
    if (account.Code.length !== 18) problems.push(`account ${code}: Code not padded to 18`)
    const link = truth.links.companies.find((l) => l.accountId === account.ID)
    if (link === undefined) {
      problems.push(`account ${code}: no company link in truth`)
      continue
    }
    const unique = (list: Array<CwCompany> | undefined) => (list?.length === 1 ? list[0] : undefined)
    const keyed: ReadonlyArray<readonly [LinkEvidence, CwCompany | undefined]> = [
      ["identifier", unique(byIdentifier.get(code))],
      ["accountNumber", unique(byAccountNumber.get(code))],
      ["vatNumber", account.VATNumber === null ? undefined : unique(byTax.get(account.VATNumber))]
    ]
    const hit = keyed.find(([, company]) => company !== undefined)
    let found: CwCompany | undefined = hit?.[1]
    let evidence: LinkEvidence | null = hit?.[0] ?? null
    if (found === undefined && link.companyId !== null) {
      // No key connects them: the truth says a human links them. Check the company exists and is live.
      const company = companyById.get(link.companyId)
      if (company === undefined || company.deletedFlag)
        problems.push(`account ${code}: manual link to a missing company`)
      found = company
      evidence = "manual"
    }
    if ((found?.id ?? null) !== link.companyId)
      problems.push(`account ${code}: company ${found?.id} ≠ truth ${link.companyId}`)
    if (evidence !== link.evidence) problems.push(`account ${code}: evidence ${evidence} ≠ truth ${link.evidence}`)
    companyOf.set(account.ID, found ?? null)
  }

  // Items: active catalog identifier = item code, else the same description (a human confirms).
  const activeCatalog = connectwise.catalogItems.filter((c) => !c.inactiveFlag)
  const catalogOf = new Map<string, CwCatalogItem | null>()
  const itemOfCatalog = new Map<number, ExactWorldItem>()
  for (const item of exact.items) {
    const byCode = activeCatalog.filter((c) => c.identifier === item.Code)
    const byDescription = activeCatalog.filter((c) => c.description === item.Description)
    const found = byCode.length === 1 ? byCode[0] : byDescription.length === 1 ? byDescription[0] : undefined
    const evidence = found === undefined ? null : byCode.length === 1 ? "identifier" : "manual"
    const link = truth.links.items.find((l) => l.itemId === item.ID)
    if (link === undefined) problems.push(`item ${item.Code}: no link in truth`)
    else {
      if ((found?.id ?? "create") !== link.catalogItemId)
        problems.push(`item ${item.Code}: catalog ${found?.id} ≠ truth`)
      if (evidence !== link.evidence) problems.push(`item ${item.Code}: evidence ${evidence} ≠ truth ${link.evidence}`)
    }
    catalogOf.set(item.ID, found ?? null)
    if (found !== undefined) itemOfCatalog.set(found.id, item)
  }

  // Agreements: the company's one active agreement of a non-prepaid type holds the recurring additions.
  const recurringTypes = new Set(connectwise.agreementTypes.filter((t) => !t.prePaymentFlag).map((t) => t.id))
  const agreementOf = new Map<string, CwAgreement | null>()
  const accountOfAgreement = new Map<number, ExactWorldAccount>()
  for (const account of customers) {
    const company = companyOf.get(account.ID) ?? null
    const candidates =
      company === null
        ? []
        : connectwise.agreements.filter(
            (a) => a.company.id === company.id && a.agreementStatus === "Active" && recurringTypes.has(a.type.id)
          )
    if (candidates.length > 1)
      problems.push(`account ${account.Code.trim()}: ${candidates.length} recurring agreements`)
    const agreement = candidates[0] ?? null
    const link = truth.links.agreements.find((l) => l.accountId === account.ID)
    if ((agreement?.id ?? "create") !== link?.agreementId) {
      problems.push(`account ${account.Code.trim()}: agreement ${agreement?.id} ≠ truth ${link?.agreementId}`)
    }
    agreementOf.set(account.ID, agreement)
    if (agreement !== null) accountOfAgreement.set(agreement.id, account)
  }
  const additionsOf = new Map<number, Map<number, Array<CwAddition>>>()
  for (const a of connectwise.additions) {
    const byProduct = additionsOf.get(a.agreementId) ?? new Map<number, Array<CwAddition>>()
    byProduct.set(a.product.id, [...(byProduct.get(a.product.id) ?? []), a])
    additionsOf.set(a.agreementId, byProduct)
  }

  // Months.
  const invoicesByPeriod = new Map<string, Array<(typeof exact.salesInvoices)[number]>>()
  for (const invoice of exact.salesInvoices) {
    const period = periodOfExactDate(invoice.InvoiceDate)
    invoicesByPeriod.set(period, [...(invoicesByPeriod.get(period) ?? []), invoice])
  }
  // Per (account, item): the month indexes it was invoiced in, for the cancellation window.
  const invoicedIn = new Map<string, Array<number>>()
  world.meta.periods.forEach((period, m) => {
    for (const invoice of invoicesByPeriod.get(period) ?? []) {
      for (const line of invoice.SalesInvoiceLines) {
        if (line.Item === null) continue
        const key = `${invoice.OrderedBy}|${line.Item}`
        const list = invoicedIn.get(key) ?? []
        if (list.at(-1) !== m) list.push(m)
        invoicedIn.set(key, list)
      }
    }
  })
  const months = world.meta.periods.map((period, m) => {
    const out: Array<PlantedDeviation> = []
    interface PairSum {
      accountId: string
      itemId: string
      quantity: BigDecimal.BigDecimal
      lineIds: Array<string>
      costs: Set<string>
      readable: boolean
    }
    const pairs = new Map<string, PairSum>()
    const invoiced = new Map<string, Array<{ id: string; currency: string }>>()
    const malformed: Array<PlantedDeviation> = []
    for (const invoice of invoicesByPeriod.get(period) ?? []) {
      const accountId = invoice.OrderedBy
      invoiced.set(accountId, [
        ...(invoiced.get(accountId) ?? []),
        { id: invoice.InvoiceID, currency: invoice.Currency }
      ])
      for (const line of invoice.SalesInvoiceLines) {
        if (line.Item === null) {
          malformed.push({
            kind: "malformedLine",
            accountId,
            invoiceId: invoice.InvoiceID,
            lineId: line.ID,
            field: "Item",
            value: null
          })
          continue
        }
        const key = `${accountId}|${line.Item}`
        const pair: PairSum = pairs.get(key) ?? {
          accountId,
          itemId: line.Item,
          quantity: BigDecimal.fromBigInt(0n),
          lineIds: [],
          costs: new Set(),
          readable: true
        }
        pairs.set(key, pair)
        pair.lineIds.push(line.ID)
        pair.costs.add(canonical(decimal(line.CostPriceFC)))
        if (!DECIMAL.test(line.Quantity)) {
          pair.readable = false
          malformed.push({
            kind: "malformedLine",
            accountId,
            invoiceId: invoice.InvoiceID,
            lineId: line.ID,
            field: "Quantity",
            value: line.Quantity
          })
          continue
        }
        pair.quantity = BigDecimal.sum(pair.quantity, decimal(line.Quantity))
      }
    }

    for (const account of customers) {
      const invoices = invoiced.get(account.ID)
      if (invoices === undefined) continue
      const company = companyOf.get(account.ID) ?? null
      const agreement = agreementOf.get(account.ID) ?? null
      if (company === null)
        out.push({ kind: "customerWithoutCompany", accountId: account.ID, accountCode: account.Code.trim() })
      else if (agreement === null) out.push({ kind: "agreementMissing", accountId: account.ID, companyId: company.id })
      else {
        const other = invoices.filter((i) => i.currency !== agreement.currency.currencyCode)
        if (other.length > 0) {
          out.push({
            kind: "currencyMismatch",
            accountId: account.ID,
            companyId: company.id,
            agreementId: agreement.id,
            invoiceIds: invoices.map((i) => i.id).sort(),
            invoiceCurrency: other[0]!.currency,
            agreementCurrency: agreement.currency.currencyCode
          })
        }
      }
    }
    out.push(...malformed)

    const missingProducts = new Set<string>()
    for (const pair of pairs.values()) {
      const company = companyOf.get(pair.accountId) ?? null
      const agreement = agreementOf.get(pair.accountId) ?? null
      const catalog = catalogOf.get(pair.itemId) ?? null
      if (catalog === null) missingProducts.add(pair.itemId)
      if (!pair.readable) continue
      if (pair.costs.size !== 1) throw new Error(`pair ${pair.accountId}/${pair.itemId}: several unit costs`)
      const cost = [...pair.costs][0]!
      const ref = {
        accountId: pair.accountId,
        itemId: pair.itemId,
        companyId: company?.id ?? null,
        agreementId: agreement?.id ?? null,
        catalogItemId: catalog?.id ?? null
      }
      const active =
        agreement === null || catalog === null
          ? []
          : (additionsOf.get(agreement.id)?.get(catalog.id) ?? []).filter((a) => activeIn(a, period))
      const addition = active[0]
      const lineIds = pair.lineIds.slice().sort()
      if (active.length > 1) {
        out.push({
          kind: "duplicateAdditions",
          ...ref,
          agreementId: agreement!.id,
          catalogItemId: catalog!.id,
          additionIds: active.map((a) => a.id).sort((a, b) => a - b),
          invoiceLineIds: lineIds,
          invoiceQuantity: canonical(pair.quantity),
          additionQuantity: canonical(active.reduce((sum, a) => BigDecimal.sum(sum, decimal(a.quantity)), decimal("0")))
        })
        continue
      }
      if (addition === undefined) {
        out.push({
          kind: "additionMissing",
          ...ref,
          invoiceLineIds: lineIds,
          invoiceQuantity: canonical(pair.quantity),
          invoiceUnitCost: cost,
          because:
            company === null
              ? "customerWithoutCompany"
              : agreement === null
                ? "agreementMissing"
                : catalog === null
                  ? "productMissing"
                  : null
        })
        continue
      }
      if (!BigDecimal.equals(pair.quantity, decimal(addition.quantity))) {
        out.push({
          kind: "quantityOff",
          ...ref,
          additionId: addition.id,
          invoiceLineIds: lineIds,
          invoiceQuantity: canonical(pair.quantity),
          additionQuantity: addition.quantity
        })
      }
      if (!BigDecimal.equals(decimal(cost), decimal(addition.unitCost))) {
        out.push({
          kind: "unitCostOff",
          ...ref,
          additionId: addition.id,
          invoiceLineIds: lineIds,
          invoiceUnitCost: cost,
          additionUnitCost: addition.unitCost
        })
      }
    }
    for (const itemId of missingProducts) {
      const item = exact.items.find((i) => i.ID === itemId)!
      out.push({ kind: "productMissing", itemId, itemCode: item.Code })
    }

    // Additions running this month that no invoice line carries.
    for (const [agreementId, byProduct] of additionsOf) {
      const account = accountOfAgreement.get(agreementId)
      if (account === undefined) {
        problems.push(`agreement ${agreementId}: additions on an agreement no customer links to`)
        continue
      }
      for (const [productId, list] of byProduct) {
        for (const addition of list.filter((a) => activeIn(a, period))) {
          const item = itemOfCatalog.get(productId)
          if (item === undefined) {
            problems.push(`addition ${addition.id}: catalog item ${productId} has no Exact item`)
            continue
          }
          if (pairs.has(`${account.ID}|${item.ID}`)) continue
          const last = (invoicedIn.get(`${account.ID}|${item.ID}`) ?? []).filter((k) => k < m).at(-1) ?? null
          const proposal = !invoiced.has(account.ID)
            ? ("customerNotInvoiced" as const)
            : malformed.some((d) => d.kind === "malformedLine" && d.accountId === account.ID && d.field === "Item")
              ? ("lineWithoutItem" as const)
              : last === null || m - last >= CANCELLATION_WINDOW
                ? ("outsideWindow" as const)
                : ("cancel" as const)
          out.push({
            kind: "additionNotInvoiced",
            accountId: account.ID,
            itemId: item.ID,
            companyId: companyOf.get(account.ID)?.id ?? null,
            agreementId,
            catalogItemId: productId,
            additionId: addition.id,
            additionQuantity: addition.quantity,
            additionUnitCost: addition.unitCost,
            lastInvoiced: last === null ? null : world.meta.periods[last]!,
            proposal
          })
        }
      }
    }
    return { period, deviations: out }
  })
  return { linkProblems: problems, months }
}

const DECIMAL_FIELDS = ["invoiceQuantity", "additionQuantity", "invoiceUnitCost", "additionUnitCost"] as const

/** A deviation as a canonical string: decimal fields normalised, keys sorted, so lists compare as multisets. */
export const canonicalDeviation = (d: PlantedDeviation): string => {
  const record: Record<string, unknown> = { ...d }
  for (const field of DECIMAL_FIELDS) {
    const v = record[field]
    if (typeof v === "string") record[field] = canonical(decimal(v))
  }
  return JSON.stringify(Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1))))
}

/** Deviations as a sorted list of canonical strings. */
export const canonicalList = (list: ReadonlyArray<PlantedDeviation>): Array<string> =>
  list.map(canonicalDeviation).sort()
