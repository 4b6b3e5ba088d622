import { Schema } from "effect"
import { Instant, Key, Label } from "./internal/storageFields.ts"

/**
 * What a mapping links: an invoice customer to a ConnectWise company, an invoice product to a
 * catalog item, or a customer (optionally narrowed to one product) to an agreement.
 *
 * @since 0.1.0
 */
export const MappingKind = Schema.Literals(["customer", "product", "agreement"])

/** @since 0.1.0 */
export type MappingKind = typeof MappingKind.Type

/**
 * How a mapping was decided, so a reviewer can tell a remembered guess from a certainty.
 *
 * @since 0.1.0
 */
export const MappingMethod = Schema.Literals(["manual", "exact-identifier", "confirmed-suggestion", "auto-accepted"])

/** @since 0.1.0 */
export type MappingMethod = typeof MappingMethod.Type

/**
 * A remembered link from a stable source key (an Exact account or item GUID, a CSV code) to a
 * ConnectWise id. Next month the same line links itself through it.
 *
 * @example
 * ```ts
 * import { DateTime } from "effect"
 * import { Mapping } from "@psa-ledger/reconcile-core"
 *
 * const mapping = new Mapping({
 *   kind: "customer",
 *   sourceKey: "0f7c5a3e-8d7e-4a55-9a1b-2b1d6a0e9c11",
 *   targetId: 250,
 *   method: "confirmed-suggestion",
 *   decidedBy: "finance@msp.example",
 *   decidedAt: DateTime.makeUnsafe("2026-11-01T09:00:00Z")
 * })
 * ```
 *
 * @since 0.1.0
 */
export class Mapping extends Schema.Class<Mapping>("Mapping")({
  kind: MappingKind,
  /** The customer key (for `customer` and `agreement`) or the product key (for `product`). */
  sourceKey: Key,
  /** Agreement mappings only: narrows the mapping to lines of this product key. */
  productKey: Schema.optional(Key),
  /** The ConnectWise company, catalog item or agreement id. */
  targetId: Schema.Int,
  method: MappingMethod,
  decidedBy: Label,
  decidedAt: Instant
}) {}

/**
 * What identifies a mapping within a link: its kind, source key and (for agreements) product key.
 *
 * @since 0.1.0
 */
export interface MappingRef {
  readonly kind: MappingKind
  readonly sourceKey: string
  readonly productKey?: string | undefined
}

/**
 * One string per mapping identity, for maps and unique indexes.
 *
 * @since 0.1.0
 */
export const mappingId = (ref: MappingRef): string => `${ref.kind}\u0000${ref.sourceKey}\u0000${ref.productKey ?? ""}`
