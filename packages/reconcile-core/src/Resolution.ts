import { Schema } from "effect"
import { MappingMethod } from "./Mapping.ts"

/**
 * The link came from a remembered mapping.
 *
 * @since 0.1.0
 */
export class Mapped extends Schema.TaggedClass<Mapped>()("Mapped", {
  targetId: Schema.Int,
  method: MappingMethod
}) {}

/**
 * The link is certain from the data: an identical identifier, or (for agreements) the only
 * agreement that fits.
 *
 * @since 0.1.0
 */
export class Matched extends Schema.TaggedClass<Matched>()("Matched", {
  targetId: Schema.Int,
  /**
   * What matched: `identifier` (the code = the company's `identifier` or `accountNumber`, the item
   * code = the catalog identifier), `vatNumber`, `cocNumber`; for agreements `only-active-agreement`
   * (the company's only one in force), `carries-product`, `only-agreement-of-type`.
   */
  on: Schema.Literals([
    "identifier",
    "vatNumber",
    "cocNumber",
    "only-active-agreement",
    "carries-product",
    "only-agreement-of-type"
  ])
}) {}

/**
 * One ranked candidate of a suggestion.
 *
 * @since 0.1.0
 */
export class Candidate extends Schema.Class<Candidate>("Candidate")({
  targetId: Schema.Int,
  /** 0..1; 1 means equal after normalisation. */
  score: Schema.Number,
  reason: Schema.String
}) {}

/**
 * Candidates ranked best first. Nothing is linked until the user confirms one, unless the link
 * auto-accepts (`autoAccepted`: the best was unique and above the threshold).
 *
 * @since 0.1.0
 */
export class Suggested extends Schema.TaggedClass<Suggested>()("Suggested", {
  candidates: Schema.Array(Candidate),
  autoAccepted: Schema.Boolean
}) {}

/**
 * Several targets match exactly; the user chooses.
 *
 * @since 0.1.0
 */
export class Ambiguous extends Schema.TaggedClass<Ambiguous>()("Ambiguous", {
  candidateIds: Schema.Array(Schema.Int),
  reason: Schema.String
}) {}

/**
 * Nothing links it and nothing can be created from here (a company, or anything whose customer
 * is not linked yet).
 *
 * @since 0.1.0
 */
export class Unmapped extends Schema.TaggedClass<Unmapped>()("Unmapped", {
  reason: Schema.String
}) {}

/**
 * Nothing like it exists in ConnectWise: the grid offers to create it (a product or agreement).
 *
 * @since 0.1.0
 */
export class Missing extends Schema.TaggedClass<Missing>()("Missing", {
  reason: Schema.String
}) {}

/**
 * How one side of a grid row (customer, product or agreement) links to ConnectWise.
 *
 * @since 0.1.0
 */
export const Resolution = Schema.Union([Mapped, Matched, Suggested, Ambiguous, Unmapped, Missing])

/** @since 0.1.0 */
export type Resolution = typeof Resolution.Type

/**
 * The id a resolution links to without asking anyone: mapped, matched, or auto-accepted.
 *
 * @since 0.1.0
 */
export const linkedId = (resolution: Resolution): number | undefined => {
  switch (resolution._tag) {
    case "Mapped":
    case "Matched":
      return resolution.targetId
    case "Suggested":
      return resolution.autoAccepted ? resolution.candidates[0]?.targetId : undefined
    default:
      return undefined
  }
}
