import type { Existing, TargetRef } from "../../ChangePlan.ts"
import type { CreateTarget, Decisions, TargetChoice } from "../../Decisions.ts"
import type { Mapping } from "../../Mapping.ts"
import type { ReconciliationRow } from "../../ReconciliationRow.ts"
import { linkedId, type Resolution } from "../../Resolution.ts"

/** One side of a row as the plan sees it: its target, and how to remember it. */
export interface Target {
  /** `"create"`: the user asked to create it; `undefined`: not linked. */
  readonly ref: TargetRef | "create" | undefined
  /** How to remember it, when it should be remembered. */
  readonly remember: Mapping["method"] | undefined
  /** The user's create choice (its type and name for an agreement). */
  readonly create?: CreateTarget | undefined
}

/** The target of one side of a row: the user's choice, else what resolution linked. */
export const targetOf = (
  resolution: Resolution,
  choice: TargetChoice | undefined,
  side: "customer" | "product" | "agreement",
  existing: (id: number) => Existing
): Target => {
  if (choice?._tag === "UseTarget") {
    const suggested =
      (resolution._tag === "Suggested" && resolution.candidates.some((c) => c.targetId === choice.targetId)) ||
      (resolution._tag === "Ambiguous" && resolution.candidateIds.includes(choice.targetId))
    const sameAsMapped = resolution._tag === "Mapped" && resolution.targetId === choice.targetId
    return {
      ref: existing(choice.targetId),
      remember: sameAsMapped ? undefined : suggested ? "confirmed-suggestion" : "manual"
    }
  }
  if (choice?._tag === "CreateTarget")
    return { ref: side === "customer" ? undefined : "create", remember: "manual", create: choice }
  const id = linkedId(resolution)
  if (id === undefined) return { ref: undefined, remember: undefined }
  return { ref: existing(id), remember: rememberedAs(resolution) }
}

const rememberedAs = (resolution: Resolution): Mapping["method"] | undefined => {
  if (resolution._tag === "Suggested") return "auto-accepted"
  if (resolution._tag !== "Matched") return undefined
  // Agreements inferred from the data are re-inferred each month rather than frozen.
  return resolution.on === "carries-product" ||
    resolution.on === "only-agreement-of-type" ||
    resolution.on === "only-active-agreement"
    ? undefined
    : "exact-identifier"
}

/**
 * The agreements chosen per customer key, over the invoice rows that are not excluded: an agreement
 * chosen for a customer applies to all its products unless its rows chose differently (rows with
 * an unreadable line, which plan nothing, are not counted).
 */
export const agreementChoicesOf = (
  rows: ReadonlyArray<ReconciliationRow>,
  decisions: Decisions,
  excluded?: ReadonlyMap<string, unknown>
): ReadonlyMap<string, ReadonlySet<string>> => {
  const choices = new Map<string, Set<string>>()
  for (const row of rows) {
    const choice = decisions.rows[row.key]?.agreement
    if (row.origin !== "invoice" || choice === undefined || decisions.rows[row.key]?.exclude === true) continue
    if (excluded?.has(row.key) === true) continue
    // A row with an unreadable line is left out of the plan: its choice does not count either.
    if (row.deviations.some((deviation) => deviation._tag === "InvalidLine")) continue
    const set = choices.get(row.customer.key) ?? new Set()
    set.add(choice._tag === "UseTarget" ? `id:${choice.targetId}` : "create")
    choices.set(row.customer.key, set)
  }
  return choices
}
