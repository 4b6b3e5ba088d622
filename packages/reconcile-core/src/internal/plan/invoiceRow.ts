import type { Existing, TargetRef } from "../../ChangePlan.ts"
import type { ReconciliationRow } from "../../ReconciliationRow.ts"
import { EMPTY, lineProblems, type RowLines } from "../lines.ts"
import type { Settings } from "../settings.ts"
import { planAdditionChanges } from "./changes.ts"
import { planAgreement, planProduct } from "./creates.ts"
import { approvedAnything, type RowPlanning } from "./RowPlanning.ts"
import { planRememberMapping } from "./remember.ts"
import { targetOf } from "./targets.ts"

/**
 * An invoice row: remember its links, create the product and agreement it needs, then change its
 * additions. A row whose customer is not linked, or with a line that cannot be read, plans nothing
 * (and says so when it was approved).
 */
export const planInvoiceRow = (
  planning: RowPlanning,
  agreementChoices: () => ReadonlyMap<string, ReadonlySet<string>>,
  read: RowLines | undefined
): void => {
  const { row, decision } = planning
  const unreadable = unreadableLines(row, planning.settings, read)
  if (unreadable !== undefined) {
    // Bad lines block: nothing is created, remembered or changed from a row the source garbled.
    if (decision !== undefined && approvedAnything(planning)) planning.skip(unreadable)
    return
  }
  const customer = targetOf(row.customerResolution, decision?.customer, "customer", planning.existing)
  const product = targetOf(row.productResolution, decision?.product, "product", planning.existing)
  const agreement = targetOf(row.agreementResolution, decision?.agreement, "agreement", planning.existing)
  if (customer.ref === undefined) {
    if (decision !== undefined && approvedAnything(planning)) planning.skip("the customer is not linked to a company")
    return
  }
  // A customer is never created from the grid: its target is an existing company.
  const company = customer.ref as Existing
  if (customer.remember !== undefined && row.customer.key !== "") {
    planRememberMapping(planning, "customer", row.customer.key, undefined, company, customer.remember)
  }
  const productRef = planProduct(planning, product)
  const agreementRef = planAgreement(planning, agreement, company.id)
  if (productRef !== undefined && product.remember !== undefined) {
    planRememberMapping(planning, "product", row.product.key, undefined, productRef, product.remember)
  }
  if (agreementRef !== undefined && agreement.remember !== undefined) {
    // One agreement chosen for all the customer's rows is remembered for the customer; otherwise per product.
    const customerWide = (agreementChoices().get(row.customer.key)?.size ?? 0) <= 1
    planRememberMapping(
      planning,
      "agreement",
      row.customer.key,
      customerWide ? undefined : row.product.key,
      agreementRef,
      agreement.remember
    )
  }
  if (productRef === undefined || agreementRef === undefined) {
    if (approvedAnything(planning) && row.deviations.length > 0) {
      planning.skip(productRef === undefined ? "the product is not linked" : "the agreement is not linked")
    }
    return
  }
  planAdditionChanges(planning, additionTargets(agreementRef, productRef))
}

const additionTargets = (agreement: TargetRef, product: TargetRef) => ({
  agreement,
  product,
  dependsOn:
    agreement._tag === "Created"
      ? product._tag === "Created"
        ? [agreement.opKey, product.opKey]
        : [agreement.opKey]
      : product._tag === "Created"
        ? [product.opKey]
        : EMPTY
})

// Whether any of the row's lines has a problem: flagged by diff, or (rows straight from
// `resolve`) found reading the lines. Almost every row has none, and learns it without allocating.
const hasUnreadableLine = (row: ReconciliationRow, settings: Settings, read: RowLines | undefined): boolean => {
  for (const deviation of row.deviations) if (deviation._tag === "InvalidLine") return true
  // Lines read under these settings without a problem have none (each is checked or a repeat, a problem).
  if (read !== undefined && read.problems.length === 0) return false
  for (const line of row.lines) if (lineProblems(line, settings).length > 0) return true
  return false
}

/** Why a row with unreadable lines is left out of the plan, naming each line and field; `undefined` when all are readable. */
const unreadableLines = (
  row: ReconciliationRow,
  settings: Settings,
  read: RowLines | undefined
): string | undefined => {
  if (!hasUnreadableLine(row, settings, read)) return undefined
  const problems = new Map<string, Array<string>>()
  const flagged = row.deviations.filter((deviation) => deviation._tag === "InvalidLine")
  // Rows straight from `resolve` carry no deviations yet: their lines are read here.
  const invalid = flagged.length > 0 ? flagged : row.lines.flatMap((line) => lineProblems(line, settings))
  for (const deviation of invalid) {
    const fields = problems.get(deviation.lineId) ?? []
    fields.push(`${deviation.field} ${deviation.message}`)
    problems.set(deviation.lineId, fields)
  }
  if (problems.size === 0) return undefined
  const described = [...problems].map(([lineId, fields]) => {
    const line = row.lines.find((l) => l.id === lineId)
    const invoice = line === undefined ? "" : ` of invoice ${line.invoiceNumber || line.invoiceId}`
    return `line ${lineId}${invoice} (${fields.join(", ")})`
  })
  return `the row has an unreadable line: ${described.join("; ")}; nothing is planned until the source is fixed`
}
