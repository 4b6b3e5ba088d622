import { CreateAgreement, Created, CreateProduct, type TargetRef } from "../../ChangePlan.ts"
import { createAgreementSource, createProductSource } from "../../IdempotencyKeys.ts"
import { EMPTY, ZERO } from "../lines.ts"
import { trusted } from "../trusted.ts"
import type { RowPlanning } from "./RowPlanning.ts"
import type { Target } from "./targets.ts"

/**
 * The row's catalog item: the linked one, or one created when the user asked for it (or the
 * settings auto-approve creating a missing one). `undefined` while it is not linked.
 */
export const planProduct = (planning: RowPlanning, product: Target): TargetRef | undefined => {
  const { row, settings, linkId, effectiveDate } = planning
  const linked = product.ref === "create" ? undefined : product.ref
  const create =
    product.ref === "create" ||
    (product.ref === undefined && row.productResolution._tag === "Missing" && settings.autoApprove.has("createProduct"))
  if (!create) return linked
  const template = settings.newProduct
  const subcategoryId = product.create?.subcategoryId ?? template?.subcategoryId
  const typeId = product.create?.typeId ?? template?.typeId
  if (row.product.code === "") {
    planning.skip("a product without a code cannot be created")
    return linked
  }
  const idempotencyKey = planning.key(createProductSource(linkId, row.period, row.product.key, row.product.code))
  planning.add(idempotencyKey, (rowKeys) =>
    trusted(CreateProduct, {
      idempotencyKey,
      dependsOn: EMPTY,
      rowKeys,
      effectiveDate,
      identifier: row.product.code,
      description: row.product.description,
      cost: row.unitCost ?? ZERO,
      ...(row.unitPrice === undefined ? {} : { price: row.unitPrice }),
      ...(subcategoryId === undefined ? {} : { subcategoryId }),
      ...(typeId === undefined ? {} : { typeId }),
      ...(template?.productClass === undefined ? {} : { productClass: template.productClass }),
      ...(template?.taxable === undefined ? {} : { taxable: template.taxable })
    })
  )
  return trusted(Created, { opKey: idempotencyKey })
}

/**
 * The row's agreement: the linked one, or one created for the company from the settings'
 * `newAgreement` template when the user asked for it (or the settings auto-approve creating a
 * missing one). `undefined` while it is not linked.
 */
export const planAgreement = (planning: RowPlanning, agreement: Target, companyId: number): TargetRef | undefined => {
  const { row, settings, linkId, effectiveDate } = planning
  const linked = agreement.ref === "create" ? undefined : agreement.ref
  const create =
    agreement.ref === "create" ||
    (agreement.ref === undefined &&
      row.agreementResolution._tag === "Missing" &&
      settings.autoApprove.has("createAgreement"))
  if (!create) return linked
  const template = settings.newAgreement
  const typeId = agreement.create?.typeId ?? template?.typeId ?? settings.agreementTypeId
  if (typeId === undefined) {
    planning.skip(
      "creating an agreement needs its type: newAgreement.typeId in the link settings or the decision's typeId"
    )
    return linked
  }
  if (row.currency === "") {
    planning.skip("creating an agreement needs the lines' currency")
    return linked
  }
  const idempotencyKey = planning.key(createAgreementSource(linkId, row.period, companyId, typeId, row.currency))
  const name = (agreement.create?.name ?? template?.name ?? "{customer}")
    .replaceAll("{customer}", row.customer.name)
    .replaceAll("{code}", row.customer.code)
  planning.add(idempotencyKey, (rowKeys) =>
    trusted(CreateAgreement, {
      idempotencyKey,
      dependsOn: EMPTY,
      rowKeys,
      effectiveDate,
      companyId,
      name,
      typeId,
      startDate: effectiveDate,
      currency: row.currency,
      ...(template?.billingCycleId === undefined ? {} : { billingCycleId: template.billingCycleId }),
      ...(template?.billingTermsId === undefined ? {} : { billingTermsId: template.billingTermsId }),
      ...(template?.prorate === undefined ? {} : { prorate: template.prorate })
    })
  )
  return trusted(Created, { opKey: idempotencyKey })
}
