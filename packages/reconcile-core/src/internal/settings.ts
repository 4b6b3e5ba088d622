import type { Decimal } from "../Decimal.ts"
import type { ChangeKind, LinkSettings, NewAgreementSettings, NewProductSettings } from "../LinkSettings.ts"

/** A link's settings with every default filled in: what the planners read. */
export interface Settings {
  readonly compare: "unitCost" | "unitPrice" | "both"
  readonly scaleOf: (currency: string) => number
  readonly toleranceOf: (currency: string) => Decimal | undefined
  readonly identifierKeys: ReadonlyArray<"vatNumber" | "cocNumber">
  readonly autoAcceptAbove: number
  readonly autoAcceptMargin: number
  readonly proposeCancellations: boolean
  readonly cancellationWindow: number
  /** Whether a catalog item (by id and identifier) is on the never-cancel list. */
  readonly neverCancel: (productId: number, identifier: string | undefined) => boolean
  readonly datedChanges: "in-place" | "cancel-and-add"
  readonly creditLines: "flag" | "net"
  readonly effectiveDate: "period-start" | "period-end" | "day-after-period-end"
  readonly agreementTypeId: number | undefined
  readonly newAgreement: NewAgreementSettings | undefined
  readonly newProduct: NewProductSettings | undefined
  readonly autoApprove: ReadonlySet<ChangeKind>
}

// One `Settings` per `LinkSettings` (an immutable value): resolve, diff and plan of one link read
// the same object, and what one step read of a row under it the next can reuse (`lines.ts`).
const cache = new WeakMap<LinkSettings, Settings>()
let defaults: Settings | undefined

/** Fills in the defaults documented on `LinkSettings`. */
export const settingsOf = (settings: LinkSettings | undefined): Settings => {
  if (settings === undefined) {
    defaults ??= fill(undefined)
    return defaults
  }
  let filled = cache.get(settings)
  if (filled === undefined) {
    filled = fill(settings)
    cache.set(settings, filled)
  }
  return filled
}

const fill = (settings: LinkSettings | undefined): Settings => ({
  compare: settings?.compare ?? "unitCost",
  scaleOf: (currency) => settings?.currencyScales?.[currency] ?? 2,
  toleranceOf: (currency) => settings?.tolerance?.[currency],
  identifierKeys: settings?.identifierKeys ?? ["vatNumber"],
  autoAcceptAbove: settings?.autoAcceptAbove ?? 0.92,
  autoAcceptMargin: settings?.autoAcceptMargin ?? 0.1,
  proposeCancellations: settings?.proposeCancellations ?? true,
  cancellationWindow: settings?.cancellationWindow ?? 3,
  neverCancel: (productId, identifier) =>
    (settings?.neverCancel ?? []).some((entry) =>
      typeof entry === "number"
        ? entry === productId
        : identifier !== undefined && entry.trim().toUpperCase() === identifier.trim().toUpperCase()
    ),
  datedChanges: settings?.datedChanges ?? "in-place",
  creditLines: settings?.creditLines ?? "flag",
  effectiveDate: settings?.effectiveDate ?? "period-start",
  agreementTypeId: settings?.agreementTypeId ?? settings?.newAgreement?.typeId,
  newAgreement: settings?.newAgreement,
  newProduct: settings?.newProduct,
  autoApprove: new Set(settings?.autoApprove ?? [])
})
