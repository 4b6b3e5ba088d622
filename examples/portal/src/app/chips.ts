// How a grid row's customer, product or agreement is linked, in the words of the grid's chips.
import type { Deviation, ReconciliationRow, Resolution, RowDecision } from "./api.ts"
import { formatDecimal, formatScore } from "./format.ts"

export type Side = "customer" | "product" | "agreement"

export type ChipKind = "remembered" | "certain" | "suggestion" | "chosen" | "create" | "none"

export interface Chip {
  readonly kind: ChipKind
  readonly text: string
  readonly targetId?: number | undefined
}

const on: Record<string, string> = {
  identifier: "same code",
  vatNumber: "same VAT number",
  cocNumber: "same CoC number",
  "only-active-agreement": "the only active agreement",
  "carries-product": "the agreement that carries the product",
  "only-agreement-of-type": "the only agreement of the type"
}

export const resolutionOf = (row: ReconciliationRow, side: Side): Resolution =>
  side === "customer" ? row.customerResolution : side === "product" ? row.productResolution : row.agreementResolution

/** ConnectWise names by id of one kind (companies, products or agreements), as the grid page sends them. */
export type Names = Readonly<Record<string, string>>

/** The side's names in a grid page's `names`. */
export const namesKey = { customer: "companies", product: "products", agreement: "agreements" } as const

export const chipOf = (
  resolution: Resolution,
  decision: RowDecision["customer"] | undefined,
  names: Names = {}
): Chip => {
  // The name as ConnectWise shows it; the id only when the month's data did not name it.
  const label = (id: number) => names[String(id)] ?? `#${id}`
  if (decision !== undefined) {
    return decision._tag === "UseTarget"
      ? { kind: "chosen", text: `${label(decision.targetId)} · chosen`, targetId: decision.targetId }
      : { kind: "create", text: "to be created" }
  }
  switch (resolution._tag) {
    case "Mapped":
      return { kind: "remembered", text: `${label(resolution.targetId)} · remembered`, targetId: resolution.targetId }
    case "Matched":
      return {
        kind: "certain",
        text: `${label(resolution.targetId)} · ${on[resolution.on] ?? resolution.on}`,
        targetId: resolution.targetId
      }
    case "Suggested": {
      const best = resolution.candidates[0]
      if (best === undefined) return { kind: "none", text: "no suggestion" }
      const score = formatScore(best.score)
      return {
        kind: "suggestion",
        text: `${label(best.targetId)}? · ${resolution.autoAccepted ? "auto-accepted" : "suggestion"} ${score} (${best.reason})`,
        targetId: resolution.autoAccepted ? best.targetId : undefined
      }
    }
    case "Ambiguous":
      return { kind: "suggestion", text: `${resolution.candidateIds.length} candidates · ${resolution.reason}` }
    default:
      return { kind: "none", text: `none · ${resolution.reason}` }
  }
}

/** A deviation in a few words, and the change that would fix it. */
export const describeDeviation = (d: Deviation): { readonly what: string; readonly change: string } => {
  const n = (v: string | null | undefined) => formatDecimal(v ?? "")
  switch (d._tag) {
    case "QuantityDiffers":
      return { what: `quantity ${n(d.current)} in ConnectWise`, change: `quantity ${n(d.current)} → ${n(d.invoiced)}` }
    case "UnitCostDiffers":
      return {
        what: `unit cost ${n(d.current)} in ConnectWise`,
        change: `unit cost ${n(d.current)} → ${n(d.invoiced)}`
      }
    case "UnitPriceDiffers":
      return {
        what: `unit price ${n(d.current)} in ConnectWise`,
        change: `unit price ${n(d.current)} → ${n(d.invoiced)}`
      }
    case "AdditionMissing":
      return { what: "not on the agreement", change: `add ${n(d.quantity)} × ${n(d.unitCost)}` }
    case "AdditionNotInvoiced":
      return { what: "on the agreement, not invoiced", change: "cancel the addition" }
    default: {
      const reason = (d as { reason?: string }).reason
      return { what: reason ?? d._tag, change: "" }
    }
  }
}

/** The ConnectWise side's quantity and unit cost, as far as the deviations tell. */
export const connectwiseValues = (row: ReconciliationRow): { readonly quantity: string; readonly unitCost: string } => {
  let quantity = ""
  let unitCost = ""
  for (const d of row.deviations) {
    if (d._tag === "QuantityDiffers") quantity = d.current
    if (d._tag === "UnitCostDiffers") unitCost = d.current
    if ("additions" in d && Array.isArray(d.additions)) {
      const first = d.additions[0] as { quantity?: string; unitCost?: string } | undefined
      if (quantity === "" && first?.quantity !== undefined) quantity = first.quantity
      if (unitCost === "" && first?.unitCost !== undefined) unitCost = first.unitCost
    }
  }
  if (row.deviations.length === 0 && row.agreementResolution._tag !== "Unmapped") {
    // In sync: ConnectWise holds what the invoice says.
    quantity = row.quantity ?? ""
    unitCost = row.unitCost ?? ""
  }
  return { quantity, unitCost }
}
