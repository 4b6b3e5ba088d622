import { Schema } from "effect"
import type { InvoiceLine } from "./InvoiceLine.ts"
import { Instant, Key, Label } from "./internal/storageFields.ts"
import type { ReconciliationRow } from "./ReconciliationRow.ts"

/**
 * What an exclusion ignores for good: every line of one Exact product (item key) or of one Exact
 * customer (account key).
 *
 * @since 0.1.0
 */
export const ExclusionKind = Schema.Literals(["product", "customer"])

/** @since 0.1.0 */
export type ExclusionKind = typeof ExclusionKind.Type

/**
 * A remembered "ignore this": on every later month of the link, the lines of this product or
 * customer are excluded with this reason, never planned and never counted as needing a person.
 * `key` is the source's stable key as `InvoiceLine` carries it (`line.product.key` or
 * `line.customer.key`), never a name.
 *
 * @example
 * ```ts
 * import { DateTime } from "effect"
 * import { Exclusion } from "@psa-ledger/reconcile-core"
 *
 * const exclusion = new Exclusion({
 *   kind: "product",
 *   key: "item-guid-shipping",
 *   reason: "shipping costs are not an agreement addition",
 *   label: "SHIP Shipping costs",
 *   createdAt: DateTime.makeUnsafe("2026-12-02T10:00:00Z"),
 *   createdBy: "finance@msp.example"
 * })
 * ```
 *
 * @since 0.1.0
 */
export class Exclusion extends Schema.Class<Exclusion>("Exclusion")({
  kind: ExclusionKind,
  /** The product key (for `product`) or the customer key (for `customer`). */
  key: Key,
  reason: Label,
  /**
   * What a person called the product or customer when it was excluded (say `SHIP Shipping
   * costs`), so a list of exclusions reads without the source's keys. Shown, never matched.
   */
  label: Schema.optionalKey(Label),
  createdAt: Instant,
  createdBy: Schema.optionalKey(Label)
}) {}

/**
 * What identifies an exclusion within a link: its kind and key.
 *
 * @since 0.1.0
 */
export interface ExclusionRef {
  readonly kind: ExclusionKind
  readonly key: string
}

/**
 * One string per exclusion identity, for maps and unique indexes.
 *
 * @since 0.1.0
 */
export const exclusionId = (ref: ExclusionRef): string => `${ref.kind}\u0000${ref.key}`

/**
 * The exclusions of a link indexed once, to ask of many rows or lines which exclusion (if any)
 * covers them. A customer exclusion wins over a product exclusion when both apply.
 *
 * @example
 * ```ts
 * import { exclusionIndex } from "@psa-ledger/reconcile-core"
 *
 * const index = exclusionIndex(exclusions)
 * index.of(line.customer.key, line.product.key) // the Exclusion, or undefined
 * ```
 *
 * @since 0.1.0
 */
export interface ExclusionIndex {
  readonly size: number
  of(customerKey: string, productKey: string): Exclusion | undefined
}

/**
 * Indexes exclusions by kind and key (linear in their number).
 *
 * @since 0.1.0
 */
export const exclusionIndex = (exclusions: ReadonlyArray<Exclusion> | undefined): ExclusionIndex => {
  const byId = new Map<string, Exclusion>()
  for (const exclusion of exclusions ?? []) byId.set(exclusionId(exclusion), exclusion)
  return {
    size: byId.size,
    of: (customerKey, productKey) =>
      byId.size === 0
        ? undefined
        : (byId.get(exclusionId({ kind: "customer", key: customerKey })) ??
          (productKey === "" ? undefined : byId.get(exclusionId({ kind: "product", key: productKey }))))
  }
}

/**
 * The month's invoice rows that exclusions cover, by row key, with the exclusion that covers each
 * (one pass over the rows, after indexing the exclusions once). A row of ConnectWise origin (an
 * addition the invoice no longer carries) has no lines and is never excluded.
 *
 * @example
 * ```ts
 * import { excludedRows } from "@psa-ledger/reconcile-core"
 *
 * excludedRows(rows, exclusions).get(row.key)?.reason // "shipping costs are not an agreement addition"
 * ```
 *
 * @since 0.1.0
 */
export const excludedRows = (
  rows: ReadonlyArray<ReconciliationRow>,
  exclusions: ReadonlyArray<Exclusion> | ExclusionIndex | undefined
): ReadonlyMap<string, Exclusion> => {
  const index = asIndex(exclusions)
  const excluded = new Map<string, Exclusion>()
  if (index.size === 0) return excluded
  for (const row of rows) {
    if (row.origin !== "invoice") continue
    const exclusion = index.of(row.customer.key, row.product.key)
    if (exclusion !== undefined) excluded.set(row.key, exclusion)
  }
  return excluded
}

/**
 * The month's lines that exclusions cover, by line id, with the exclusion that covers each.
 *
 * @example
 * ```ts
 * import { excludedLines } from "@psa-ledger/reconcile-core"
 *
 * excludedLines(lines, exclusions).get(line.id)?.kind // "product"
 * ```
 *
 * @since 0.1.0
 */
export const excludedLines = (
  lines: ReadonlyArray<InvoiceLine>,
  exclusions: ReadonlyArray<Exclusion> | ExclusionIndex | undefined
): ReadonlyMap<string, Exclusion> => {
  const index = asIndex(exclusions)
  const excluded = new Map<string, Exclusion>()
  if (index.size === 0) return excluded
  for (const line of lines) {
    const exclusion = index.of(line.customer.key, line.product.key)
    if (exclusion !== undefined) excluded.set(line.id, exclusion)
  }
  return excluded
}

const asIndex = (exclusions: ReadonlyArray<Exclusion> | ExclusionIndex | undefined): ExclusionIndex =>
  exclusions === undefined || Array.isArray(exclusions)
    ? exclusionIndex(exclusions as ReadonlyArray<Exclusion> | undefined)
    : (exclusions as ExclusionIndex)
