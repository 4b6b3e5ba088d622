import { Schema } from "effect"
import { LocalDate } from "./Calendar.ts"
import { Instant, Key, Label } from "./internal/storageFields.ts"
import { ChangeKind } from "./LinkSettings.ts"

/**
 * Link this side of the row to an existing ConnectWise record: confirming a suggestion (when the
 * id is among its candidates) or a manual choice.
 *
 * @since 0.1.0
 */
export class UseTarget extends Schema.TaggedClass<UseTarget>()("UseTarget", {
  targetId: Schema.Int
}) {}

/**
 * Create the product or agreement this row needs.
 *
 * @since 0.1.0
 */
export class CreateTarget extends Schema.TaggedClass<CreateTarget>()("CreateTarget", {
  /**
   * The type of what is created — the agreement type, or the catalog item's product type — when
   * the settings' `newAgreement` / `newProduct` do not say (or to override them).
   */
  typeId: Schema.optionalKey(Schema.Int),
  /** Agreements: the name; default the settings' template, else the customer's name. */
  name: Schema.optionalKey(Schema.String),
  /** Catalog items: the subcategory (ConnectWise requires one), when the settings' `newProduct` does not say. */
  subcategoryId: Schema.optionalKey(Schema.Int)
}) {}

/**
 * A user's choice for one side of a row.
 *
 * @since 0.1.0
 */
export const TargetChoice = Schema.Union([UseTarget, CreateTarget])

/** @since 0.1.0 */
export type TargetChoice = typeof TargetChoice.Type

/**
 * What the user decided about one grid row.
 *
 * @since 0.1.0
 */
export class RowDecision extends Schema.Class<RowDecision>("RowDecision")({
  /** Leave the row out entirely: no change, no mapping. */
  exclude: Schema.optionalKey(Schema.Boolean),
  /** Why the row is left out this month (shown beside it in the grid's Excluded view). */
  excludeReason: Schema.optionalKey(Label),
  customer: Schema.optionalKey(TargetChoice),
  product: Schema.optionalKey(TargetChoice),
  agreement: Schema.optionalKey(TargetChoice),
  /** The changes approved for this row: `"all"` or the kinds. Nothing else is planned. */
  approve: Schema.optionalKey(Schema.Union([Schema.Literal("all"), Schema.Array(ChangeKind)])),
  /** Overrides the settings' effective date for this row's changes. */
  effectiveDate: Schema.optionalKey(LocalDate),
  /** With several additions of the product, the one whose quantity absorbs the difference. */
  quantityAdditionId: Schema.optionalKey(Schema.Int)
}) {}

/**
 * The user's decisions for one plan: who, when (passed in: the core reads no clock), for which
 * link, and per grid row key.
 *
 * @example
 * ```ts
 * import { DateTime } from "effect"
 * import { Decisions, RowDecision } from "@psa-ledger/reconcile-core"
 *
 * const decisions = new Decisions({
 *   linkId: "link-1",
 *   decidedBy: "finance@msp.example",
 *   decidedAt: DateTime.makeUnsafe("2026-12-02T10:00:00Z"),
 *   rows: { "acc-1|item-1": new RowDecision({ approve: "all" }) }
 * })
 * ```
 *
 * @since 0.1.0
 */
export class Decisions extends Schema.Class<Decisions>("Decisions")({
  linkId: Key,
  decidedBy: Label,
  decidedAt: Instant,
  rows: Schema.Record(Schema.String, RowDecision)
}) {}
