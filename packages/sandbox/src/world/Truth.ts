/**
 * The answer key of a world: which records belong together across the two systems, and — per
 * month — every deviation a correct reconciliation of that month's Exact Online invoices against the
 * ConnectWise agreements finds. Tests and benchmarks compare a run's output against it.
 */
import type { DecimalString } from "./ExactRecords.ts"

/**
 * How certain the evidence for a link is, from the linker's point of view.
 *
 * @since 0.1.0
 */
export type LinkEvidence =
  /** Exact account code (trimmed) = company identifier; Exact item code = catalog identifier. */
  | "identifier"
  /** Identifier differs; the company's `accountNumber` holds the trimmed account code. */
  | "accountNumber"
  /** Only the VAT number (Exact `VATNumber` = ConnectWise `taxIdentifier`) connects them. */
  | "vatNumber"
  /** Nothing machine-checkable: a human must confirm (names or descriptions differ or merely resemble). */
  | "manual"

/**
 * Exact account → ConnectWise company. `companyId` null: the customer has no company in ConnectWise.
 *
 * @since 0.1.0
 */
export interface CompanyLink {
  readonly accountId: string
  /** Trimmed. */
  readonly accountCode: string
  readonly companyId: number | null
  readonly evidence: LinkEvidence | null
}

/**
 * Exact item → ConnectWise catalog item, or "create" when the product is missing from the catalog.
 *
 * @since 0.1.0
 */
export interface ItemLink {
  readonly itemId: string
  readonly itemCode: string
  readonly catalogItemId: number | "create"
  readonly evidence: LinkEvidence | null
}

/**
 * Exact customer → the agreement its recurring services belong on, or "create" when there is none.
 *
 * @since 0.1.0
 */
export interface AgreementLink {
  readonly accountId: string
  readonly agreementId: number | "create"
}

/**
 * Why an addition is missing when the reason is a missing record upstream of it.
 *
 * @since 0.1.0
 */
export type MissingBecause = "customerWithoutCompany" | "agreementMissing" | "productMissing"

/**
 * Identifies one (customer, product) pair on both sides; null where the ConnectWise record does not exist.
 *
 * @since 0.1.0
 */
export interface PairRef {
  readonly accountId: string
  readonly itemId: string
  readonly companyId: number | null
  readonly agreementId: number | null
  readonly catalogItemId: number | null
}

/**
 * The invoice's quantity for the pair differs from the addition's.
 *
 * @since 0.1.0
 */
export interface PlantedQuantityOff extends PairRef {
  readonly kind: "quantityOff"
  readonly additionId: number
  /** All lines of the pair in the month, credit notes included, sorted. */
  readonly invoiceLineIds: ReadonlyArray<string>
  /** The sum of the pair's line quantities (credit notes negative). */
  readonly invoiceQuantity: DecimalString
  readonly additionQuantity: DecimalString
}

/**
 * The invoice's unit cost for the pair differs from the addition's.
 *
 * @since 0.1.0
 */
export interface PlantedUnitCostOff extends PairRef {
  readonly kind: "unitCostOff"
  readonly additionId: number
  readonly invoiceLineIds: ReadonlyArray<string>
  readonly invoiceUnitCost: DecimalString
  readonly additionUnitCost: DecimalString
}

/**
 * The invoice carries the pair; no active addition does.
 *
 * @since 0.1.0
 */
export interface PlantedAdditionMissing extends PairRef {
  readonly kind: "additionMissing"
  readonly invoiceLineIds: ReadonlyArray<string>
  readonly invoiceQuantity: DecimalString
  readonly invoiceUnitCost: DecimalString
  /** Set when a missing company, agreement or catalog item is the cause (that order of precedence). */
  readonly because: MissingBecause | null
}

/**
 * The invoice carries the pair and its agreement has two or more active additions of the product
 * (planted with `deviations.duplicateAdditions`: a copy of the addition entered again, sometimes
 * with another quantity or cost). Which one is right is a person's call: a correct reconciliation
 * flags the pair and proposes no change to any of them, so the truth's changes for it are none.
 * Listed instead of the pair's `quantityOff` or `unitCostOff`.
 *
 * @since 0.1.0
 */
export interface PlantedDuplicateAdditions extends PairRef {
  readonly kind: "duplicateAdditions"
  readonly agreementId: number
  readonly catalogItemId: number
  /** The active additions of the product on the agreement, ascending. */
  readonly additionIds: ReadonlyArray<number>
  readonly invoiceLineIds: ReadonlyArray<string>
  readonly invoiceQuantity: DecimalString
  /** The sum of the additions' quantities. */
  readonly additionQuantity: DecimalString
}

/**
 * An active addition whose product the month's invoice no longer carries for that customer.
 *
 * @since 0.1.0
 */
export interface PlantedAdditionNotInvoiced extends PairRef {
  readonly kind: "additionNotInvoiced"
  readonly additionId: number
  readonly additionQuantity: DecimalString
  readonly additionUnitCost: DecimalString
  /** The last month before this one the pair was invoiced ("2025-11"), or null when never. */
  readonly lastInvoiced: string | null
  /**
   * Whether a correct reconciliation proposes cancelling it: `cancel`; or why not —
   * `lineWithoutItem` (the customer's invoice has a line without an item, which may be this
   * product), `outsideWindow` (not invoiced in the cancellation window, the last
   * {@link CANCELLATION_WINDOW} months), `customerNotInvoiced` (no invoice of the customer this
   * month to compare with).
   */
  readonly proposal: "cancel" | "lineWithoutItem" | "outsideWindow" | "customerNotInvoiced"
}

/**
 * The months (this one included) within which a product must have been invoiced to the customer
 * for its running addition to be proposed for cancellation.
 *
 * @since 0.1.0
 */
export const CANCELLATION_WINDOW = 3

/**
 * An invoiced Exact item that has no catalog item in ConnectWise.
 *
 * @since 0.1.0
 */
export interface PlantedProductMissing {
  readonly kind: "productMissing"
  readonly itemId: string
  readonly itemCode: string
}

/**
 * A customer with a company but no agreement for its recurring services.
 *
 * @since 0.1.0
 */
export interface PlantedAgreementMissing {
  readonly kind: "agreementMissing"
  readonly accountId: string
  readonly companyId: number
}

/**
 * An invoiced customer with no company in ConnectWise.
 *
 * @since 0.1.0
 */
export interface PlantedCustomerWithoutCompany {
  readonly kind: "customerWithoutCompany"
  readonly accountId: string
  readonly accountCode: string
}

/**
 * The customer's invoices are in another currency than its agreement.
 *
 * @since 0.1.0
 */
export interface PlantedCurrencyMismatch {
  readonly kind: "currencyMismatch"
  readonly accountId: string
  readonly companyId: number
  readonly agreementId: number
  readonly invoiceIds: ReadonlyArray<string>
  readonly invoiceCurrency: string
  readonly agreementCurrency: string
}

/**
 * A line that cannot be read: a non-numeric quantity, or no item reference.
 *
 * @since 0.1.0
 */
export interface PlantedMalformedLine {
  readonly kind: "malformedLine"
  readonly accountId: string
  readonly invoiceId: string
  readonly lineId: string
  readonly field: "Quantity" | "Item"
  /** The offending text, or null when the field is missing. */
  readonly value: string | null
}

/**
 * One deviation a reconciliation must find.
 *
 * @since 0.1.0
 */
export type PlantedDeviation =
  | PlantedQuantityOff
  | PlantedUnitCostOff
  | PlantedAdditionMissing
  | PlantedAdditionNotInvoiced
  | PlantedDuplicateAdditions
  | PlantedProductMissing
  | PlantedAgreementMissing
  | PlantedCustomerWithoutCompany
  | PlantedCurrencyMismatch
  | PlantedMalformedLine

/**
 * The kinds of deviation, in the order the truth lists them.
 *
 * @since 0.1.0
 */
export const deviationKinds = [
  "customerWithoutCompany",
  "agreementMissing",
  "productMissing",
  "currencyMismatch",
  "malformedLine",
  "additionMissing",
  "duplicateAdditions",
  "quantityOff",
  "unitCostOff",
  "additionNotInvoiced"
] as const satisfies ReadonlyArray<PlantedDeviation["kind"]>

/**
 * One kind of deviation.
 *
 * @since 0.1.0
 */
export type DeviationKind = (typeof deviationKinds)[number]

/**
 * The answer for one month.
 *
 * @since 0.1.0
 */
export interface MonthTruth {
  /** "2025-12" */
  readonly period: string
  /** Accounts with at least one sales invoice or credit note this month. */
  readonly invoicedAccounts: number
  readonly invoiceLines: number
  readonly deviations: ReadonlyArray<PlantedDeviation>
}

/**
 * The answer key of a world.
 *
 * @since 0.1.0
 */
export interface WorldTruth {
  /** The links hold for every month: accounts, items and agreements do not change over the year. */
  readonly links: {
    readonly companies: ReadonlyArray<CompanyLink>
    readonly items: ReadonlyArray<ItemLink>
    readonly agreements: ReadonlyArray<AgreementLink>
    /** ConnectWise tax code → Exact VAT code (padded), for the transfer flow. */
    readonly taxCodes: ReadonlyArray<{ readonly taxCodeId: number; readonly vatCode: string }>
    /** ConnectWise billing terms → Exact payment condition code, for the transfer flow. */
    readonly billingTerms: ReadonlyArray<{ readonly billingTermsId: number; readonly paymentCondition: string }>
  }
  /** One entry per month, oldest first; the last one is the month the ConnectWise state mirrors. */
  readonly months: ReadonlyArray<MonthTruth>
}
