// Which rows of a loaded month are excluded, and why: the link's remembered exclusions as they are
// now (read per request, so "always ignore" and "stop ignoring" show at once, on every server, without
// loading the month again; exclusions change no row's diff, only whether it is planned), and the
// month's draft, whose `exclude` leaves a row out of this month only.
import type { LoadedMonth } from "@psa-ledger/link"
import {
  type Exclusion,
  type ExclusionIndex,
  ExclusionKind,
  exclusionIndex,
  type ReconciliationRow,
  type RowDecision
} from "@psa-ledger/reconcile-core"
import { DateTime, Schema } from "effect"
import type { ServerContext } from "./context.ts"
import { store } from "./session.ts"

/**
 * Why a grid row is excluded: `always`, a remembered exclusion of its product or customer (with
 * its kind, key, reason, who and when); `month`, this month's draft leaves it out (with the reason
 * given, if any).
 */
export const RowExclusion = Schema.Struct({
  scope: Schema.Literals(["month", "always"]),
  kind: Schema.optionalKey(ExclusionKind),
  key: Schema.optionalKey(Schema.String),
  reason: Schema.optionalKey(Schema.String),
  by: Schema.optionalKey(Schema.String),
  /** When it was remembered (ISO 8601). */
  at: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "RowExclusion" })

export type RowExclusion = typeof RowExclusion.Type

/** The link's remembered exclusions as they are now. */
export const currentExclusions = (server: ServerContext, linkId: string): Promise<ReadonlyArray<Exclusion>> =>
  store(server.storage.exclusions.list(linkId))

/** The loaded month with the link's exclusions as they are now, for planning. */
export const withCurrentExclusions = async (
  server: ServerContext,
  linkId: string,
  grid: LoadedMonth
): Promise<LoadedMonth> => ({ ...grid, exclusions: await currentExclusions(server, linkId) })

/** Answers, row by row, why it is excluded (a remembered exclusion wins over the draft's), or `undefined`. */
export const rowExclusions = (
  exclusions: ReadonlyArray<Exclusion> | ExclusionIndex,
  decisions: Readonly<Record<string, RowDecision>>
): ((row: ReconciliationRow) => RowExclusion | undefined) => {
  const index = Array.isArray(exclusions)
    ? exclusionIndex(exclusions as ReadonlyArray<Exclusion>)
    : (exclusions as ExclusionIndex)
  return (row) => {
    // A row of ConnectWise origin (an addition no longer invoiced) has no lines to exclude for good.
    const remembered = row.origin === "invoice" ? index.of(row.customer.key, row.product.key) : undefined
    if (remembered !== undefined) {
      return {
        scope: "always",
        kind: remembered.kind,
        key: remembered.key,
        reason: remembered.reason,
        ...(remembered.createdBy === undefined ? {} : { by: remembered.createdBy }),
        at: DateTime.formatIso(remembered.createdAt)
      }
    }
    const decision = decisions[row.key]
    if (decision?.exclude !== true) return undefined
    return {
      scope: "month",
      ...(decision.excludeReason === undefined || decision.excludeReason === ""
        ? {}
        : { reason: decision.excludeReason })
    }
  }
}
