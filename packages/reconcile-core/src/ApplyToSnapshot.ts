import { BigDecimal } from "effect"
import type { ChangePlan, TargetRef } from "./ChangePlan.ts"
import { PsaAddition, PsaAgreement, PsaProduct, PsaSnapshot } from "./PsaSnapshot.ts"

/**
 * What applying a plan to a snapshot gives: the snapshot as ConnectWise would hold it after the
 * plan, and the ids given to created records (by operation key).
 *
 * @since 0.1.0
 */
export interface AppliedSnapshot {
  readonly snapshot: PsaSnapshot
  readonly createdIds: ReadonlyMap<string, number>
}

/**
 * Applies a plan's ConnectWise operations to a snapshot, purely: a model of what the apply step
 * writes, for previews and for checking that a plan removes the deviations it addresses. New
 * records get ids after the highest existing one, in plan order.
 *
 * @since 0.1.0
 */
export const applyToSnapshot = (snapshot: PsaSnapshot, changePlan: ChangePlan): AppliedSnapshot => {
  const products = new Map(snapshot.products.map((product) => [product.id, product]))
  const agreements = new Map(snapshot.agreements.map((agreement) => [agreement.id, agreement]))
  const additions = new Map(snapshot.additions.map((addition) => [addition.id, addition]))
  const nextId = (ids: Iterable<number>) => {
    let max = 0
    for (const id of ids) if (id > max) max = id
    return max + 1
  }
  let nextProduct = nextId(products.keys())
  let nextAgreement = nextId(agreements.keys())
  let nextAddition = nextId(additions.keys())
  const createdIds = new Map<string, number>()
  const idOf = (ref: TargetRef): number => {
    if (ref._tag === "Existing") return ref.id
    const id = createdIds.get(ref.opKey)
    if (id === undefined) throw new Error(`operation ${ref.opKey} is applied before the record it needs is created`)
    return id
  }
  const updateAddition = (id: number, patch: Partial<PsaAddition>) => {
    const addition = additions.get(id)
    if (addition === undefined) throw new Error(`addition ${id} is not in the snapshot`)
    additions.set(id, new PsaAddition({ ...addition, ...patch }))
  }
  for (const op of changePlan.operations) {
    switch (op._tag) {
      case "CreateProduct": {
        const id = nextProduct++
        createdIds.set(op.idempotencyKey, id)
        products.set(
          id,
          new PsaProduct({
            id,
            identifier: op.identifier,
            description: op.description,
            cost: op.cost,
            price: op.price ?? op.cost,
            inactive: false
          })
        )
        break
      }
      case "CreateAgreement": {
        const id = nextAgreement++
        createdIds.set(op.idempotencyKey, id)
        agreements.set(
          id,
          new PsaAgreement({
            id,
            name: op.name,
            companyId: op.companyId,
            typeId: op.typeId,
            status: "Active",
            startDate: op.startDate,
            currency: op.currency,
            prorate: op.prorate ?? false
          })
        )
        break
      }
      case "AddAddition": {
        const id = nextAddition++
        createdIds.set(op.idempotencyKey, id)
        const productId = idOf(op.product)
        additions.set(
          id,
          new PsaAddition({
            id,
            agreementId: idOf(op.agreement),
            productId,
            quantity: op.quantity,
            unitCost: op.unitCost,
            unitPrice: op.unitPrice ?? products.get(productId)?.price ?? BigDecimal.fromBigInt(0n),
            effectiveDate: op.effectiveDate,
            billCustomer: op.billCustomer,
            status: "Active"
          })
        )
        break
      }
      case "UpdateAdditionQuantity":
        updateAddition(op.additionId, { quantity: op.to })
        break
      case "UpdateAdditionUnitCost":
        updateAddition(op.additionId, { unitCost: op.to })
        break
      case "UpdateAdditionUnitPrice":
        updateAddition(op.additionId, { unitPrice: op.to })
        break
      case "CancelAddition":
        updateAddition(op.additionId, { cancelledDate: op.effectiveDate })
        break
      case "RememberMapping":
        break
    }
  }
  return {
    snapshot: new PsaSnapshot({
      companies: snapshot.companies,
      products: [...products.values()],
      agreements: [...agreements.values()],
      additions: [...additions.values()]
    }),
    createdIds
  }
}
