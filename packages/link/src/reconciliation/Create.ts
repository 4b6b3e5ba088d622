import { type ConnectWiseClient, conditions } from "@psa-ledger/connectwise-client"
import {
  type LinkSettings,
  linkedId,
  type PsaAgreement,
  type PsaProduct,
  type ReconciliationRow
} from "@psa-ledger/reconcile-core"
import { BigDecimal, Effect } from "effect"
import { fromPromise } from "../internal/bridge.ts"
import { LinkError, LinkInvalidInputError } from "../LinkError.ts"
import { agreementParty } from "./internal/agreementParty.ts"
import { toPsaAgreement, toPsaProduct } from "./Snapshot.ts"

/** What a new catalog item gets beyond the row's and settings' defaults. @since 0.1.0 */
export interface NewProductData {
  readonly identifier?: string
  readonly description?: string
  readonly cost?: BigDecimal.BigDecimal
  readonly price?: BigDecimal.BigDecimal
  readonly subcategoryId?: number
  readonly typeId?: number
  readonly productClass?: "Agreement" | "Bundle" | "Inventory" | "NonInventory" | "Service"
  readonly taxable?: boolean
}

/** What a new agreement gets beyond the row's and settings' defaults. @since 0.1.0 */
export interface NewAgreementData {
  readonly companyId?: number
  readonly name?: string
  readonly typeId?: number
  /** `YYYY-MM-DD`; default the row's period start. */
  readonly startDate?: string
  /** Default: the company's default contact, then its billing contact; with none the call fails naming `contactId`. */
  readonly contactId?: number
  /** Default: the row's currency. */
  readonly currency?: string
  readonly billingCycleId?: number
  readonly billingTermsId?: number
}

const invalid = (field: string, message: string) =>
  LinkError.of(new LinkInvalidInputError({ record: "grid row", field, message }))

/**
 * Creates what a grid row is missing in ConnectWise, from the row, the link's settings
 * (`newProduct`, `newAgreement`) and the data the user typed. Each first looks for an existing
 * record (a catalog item with the identifier; an active agreement of the company with the name and
 * type) and returns it instead of creating a second one. Resolve the month again afterwards (or
 * remember a mapping) to link the row.
 *
 * @example
 * ```ts
 * const create = createMissing({ connectwise, settings })
 * const product = yield* create.product(row, { subcategoryId: 4 })
 * const agreement = yield* create.agreement(row, { contactId: 17 })
 * ```
 *
 * @since 0.1.0
 */
export const createMissing = (deps: {
  readonly connectwise: ConnectWiseClient
  readonly settings?: LinkSettings | undefined
}) => ({
  /** Creates (or finds) the row's catalog item. */
  product: Effect.fn("link.reconciliation.createProduct")(function* (
    row: ReconciliationRow,
    data: NewProductData = {}
  ): Effect.fn.Return<PsaProduct, LinkError> {
    const defaults = deps.settings?.newProduct
    const identifier = (data.identifier ?? row.product.code).trim()
    if (identifier === "")
      return yield* invalid("identifier", "a catalog item needs an identifier (the row's product has no code)")
    const [existing] = yield* fromPromise("/procurement/catalog", (signal) =>
      deps.connectwise.listAll("/procurement/catalog", { conditions: conditions.eq("identifier", identifier), signal })
    )
    if (existing !== undefined) return toPsaProduct(existing)
    const description = data.description ?? (row.product.description || identifier)
    const subcategoryId = data.subcategoryId ?? defaults?.subcategoryId
    const typeId = data.typeId ?? defaults?.typeId
    const productClass = data.productClass ?? defaults?.productClass
    const taxable = data.taxable ?? defaults?.taxable
    const price = data.price ?? row.unitPrice
    const created = yield* fromPromise("/procurement/catalog", (signal) =>
      deps.connectwise.create(
        "/procurement/catalog",
        {
          identifier,
          description,
          customerDescription: description,
          cost: data.cost ?? row.unitCost ?? BigDecimal.fromBigInt(0n),
          ...(price === undefined ? {} : { price }),
          ...(subcategoryId === undefined ? {} : { subcategory: { id: subcategoryId } }),
          ...(typeId === undefined ? {} : { type: { id: typeId } }),
          ...(productClass === undefined ? {} : { productClass }),
          ...(taxable === undefined ? {} : { taxableFlag: taxable }),
          recurringFlag: true
        },
        { signal }
      )
    )
    return toPsaProduct(created)
  }),
  /** Creates (or finds) the agreement for the row's company. */
  agreement: Effect.fn("link.reconciliation.createAgreement")(function* (
    row: ReconciliationRow,
    data: NewAgreementData = {}
  ): Effect.fn.Return<PsaAgreement, LinkError> {
    const template = deps.settings?.newAgreement
    const companyId = data.companyId ?? linkedId(row.customerResolution)
    if (companyId === undefined) return yield* invalid("companyId", "the row's customer is not linked to a company")
    const typeId = data.typeId ?? template?.typeId
    if (typeId === undefined)
      return yield* invalid("typeId", "set newAgreement.typeId in the link settings or pass typeId")
    const name =
      data.name ??
      (template?.name ?? "{customer}")
        .replaceAll("{customer}", row.customer.name)
        .replaceAll("{code}", row.customer.code)
    const existing = yield* fromPromise("/finance/agreements", (signal) =>
      deps.connectwise.listAll("/finance/agreements", {
        conditions: conditions.and(
          conditions.eq("company/id", companyId),
          conditions.eq("type/id", typeId),
          conditions.eq("name", name)
        ),
        signal
      })
    )
    const active = existing.find((a) => a.agreementStatus === undefined || a.agreementStatus === "Active")
    if (active !== undefined) return toPsaAgreement(active)
    const billingCycleId = data.billingCycleId ?? template?.billingCycleId
    const billingTermsId = data.billingTermsId ?? template?.billingTermsId
    const party = yield* agreementParty(deps.connectwise, companyId, data.currency ?? row.currency, data.contactId)
    const created = yield* fromPromise("/finance/agreements", (signal) =>
      deps.connectwise.create(
        "/finance/agreements",
        {
          name,
          type: { id: typeId },
          company: { id: companyId },
          contact: party.contact,
          ...(party.currency === undefined ? {} : { currency: party.currency }),
          startDate: `${data.startDate ?? row.period.start}T00:00:00Z`,
          noEndingDateFlag: true,
          agreementStatus: "Active",
          ...(billingCycleId === undefined ? {} : { billingCycle: { id: billingCycleId } }),
          ...(billingTermsId === undefined ? {} : { billingTerms: { id: billingTermsId } }),
          ...(template?.prorate === undefined ? {} : { prorateFlag: template.prorate })
        },
        { signal }
      )
    )
    return toPsaAgreement(created)
  })
})
