import type { Decimal } from "../Decimal.ts"
import type { ChangeKind, LinkSettings, NewAgreementSettings, NewProductSettings } from "../LinkSettings.ts"

/** A link's settings with every default filled in: what the planners read. */
export interface Settings {
  readonly compare: "unitCost" | "unitPrice" | "both"
  readonly scaleOf: (currency: string) => number
  readonly toleranceOf: (currency: string) => Decimal | undefined
  readonly identifierKeys: ReadonlyArray<"vatNumber" | "cocNumber">
  readonly autoAcceptAbove: number | undefined
  readonly proposeCancellations: boolean
  readonly creditLines: "flag" | "net"
  readonly effectiveDate: "period-start" | "period-end" | "day-after-period-end"
  readonly agreementTypeId: number | undefined
  readonly newAgreement: NewAgreementSettings | undefined
  readonly newProduct: NewProductSettings | undefined
  readonly autoApprove: ReadonlySet<ChangeKind>
}

/** Fills in the defaults documented on `LinkSettings`. */
export const settingsOf = (settings: LinkSettings | undefined): Settings => ({
  compare: settings?.compare ?? "unitCost",
  scaleOf: (currency) => settings?.currencyScales?.[currency] ?? 2,
  toleranceOf: (currency) => settings?.tolerance?.[currency],
  identifierKeys: settings?.identifierKeys ?? [],
  autoAcceptAbove: settings?.autoAcceptAbove,
  proposeCancellations: settings?.proposeCancellations ?? false,
  creditLines: settings?.creditLines ?? "flag",
  effectiveDate: settings?.effectiveDate ?? "period-start",
  agreementTypeId: settings?.agreementTypeId ?? settings?.newAgreement?.typeId,
  newAgreement: settings?.newAgreement,
  newProduct: settings?.newProduct,
  autoApprove: new Set(settings?.autoApprove ?? [])
})
