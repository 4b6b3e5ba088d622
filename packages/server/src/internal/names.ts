import type { LoadedMonth } from "@psa-ledger/link"
import type { ReconciliationRow, Resolution } from "@psa-ledger/reconcile-core"
import { Schema } from "effect"

/** ConnectWise names by id, per kind: what a grid page's chips show instead of bare ids. */
export const TargetNames = Schema.Struct({
  companies: Schema.Record(Schema.String, Schema.String),
  products: Schema.Record(Schema.String, Schema.String),
  agreements: Schema.Record(Schema.String, Schema.String)
}).annotate({ identifier: "TargetNames" })
export type TargetNames = typeof TargetNames.Type

interface NameIndex {
  readonly companies: ReadonlyMap<number, string>
  readonly products: ReadonlyMap<number, string>
  readonly agreements: ReadonlyMap<number, string>
}

// One index per loaded grid: built once from the month's ConnectWise snapshot, never per line.
const indexes = new WeakMap<LoadedMonth, NameIndex>()

/** A catalog item as ConnectWise lists it: its identifier, and the description when it says more. */
const productName = (identifier: string, description: string) =>
  description.trim() === "" || description.trim() === identifier.trim() ? identifier : `${identifier} · ${description}`

const indexOf = (grid: LoadedMonth): NameIndex => {
  const cached = indexes.get(grid)
  if (cached !== undefined) return cached
  const { snapshot } = grid
  const index: NameIndex = {
    companies: new Map(snapshot.companies.map((c) => [c.id, c.name])),
    products: new Map(snapshot.products.map((p) => [p.id, productName(p.identifier, p.description)])),
    agreements: new Map(snapshot.agreements.map((a) => [a.id, a.name]))
  }
  indexes.set(grid, index)
  return index
}

const idsOf = (resolution: Resolution): ReadonlyArray<number> => {
  switch (resolution._tag) {
    case "Mapped":
    case "Matched":
      return [resolution.targetId]
    case "Suggested":
      return resolution.candidates.map((c) => c.targetId)
    case "Ambiguous":
      return resolution.candidateIds
    default:
      return []
  }
}

/**
 * The names of every company, product and agreement the rows' links name (linked, suggested or
 * ambiguous candidates), from the grid's snapshot. An id the snapshot lacks is left out: the chip
 * then shows the id.
 */
export const namesOf = (grid: LoadedMonth, rows: Iterable<ReconciliationRow>): TargetNames => {
  const index = indexOf(grid)
  const companies: Record<string, string> = {}
  const products: Record<string, string> = {}
  const agreements: Record<string, string> = {}
  const add = (into: Record<string, string>, from: ReadonlyMap<number, string>, resolution: Resolution) => {
    for (const id of idsOf(resolution)) {
      const name = from.get(id)
      if (name !== undefined) into[String(id)] = name
    }
  }
  for (const row of rows) {
    add(companies, index.companies, row.customerResolution)
    add(products, index.products, row.productResolution)
    add(agreements, index.agreements, row.agreementResolution)
  }
  return { companies, products, agreements }
}
