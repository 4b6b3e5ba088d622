// Hand-written `trusted` builders for the values the core makes once or twice per row: the grid
// row, its comparison's deviation and its plan operation. `trusted` copies a class's fields in a
// loop over their names (a store whose property name is a variable), about 2 µs for a row; these
// name each field, so V8 builds every instance with the same layout at a fraction of that. Each
// writes the fields in the schema's order, an optional field only when `fields` has it, and is
// checked against the constructor by `verifyTrusted` like `trusted` is. A field added to one of
// these classes must be added here too (the verification fails until it is).

import {
  AddAddition,
  CancelAddition,
  type RememberMapping,
  UpdateAdditionQuantity,
  UpdateAdditionUnitCost,
  UpdateAdditionUnitPrice
} from "../ChangePlan.ts"
import { AdditionMissing, QuantityDiffers, UnitCostDiffers, UnitPriceDiffers } from "../Deviation.ts"
import { ReconciliationRow } from "../ReconciliationRow.ts"
import { EMPTY } from "./lines.ts"
import { isVerifying, verified } from "./trusted.ts"

type Fields<C extends abstract new (...args: never) => unknown> = ConstructorParameters<C>[0]
type Bag = Record<string, unknown>

const has = Object.hasOwn

/** `trusted(ReconciliationRow, fields)`. */
export const gridRow = (fields: Fields<typeof ReconciliationRow>): ReconciliationRow => {
  const p = fields as unknown as ReconciliationRow
  const r = Object.create(ReconciliationRow.prototype) as Bag
  r.key = p.key
  r.origin = p.origin
  r.period = p.period
  r.customer = p.customer
  r.product = p.product
  r.currency = p.currency
  r.lines = p.lines
  r.quantity = p.quantity
  if (has(p, "unitCost")) r.unitCost = p.unitCost
  if (has(p, "unitPrice")) r.unitPrice = p.unitPrice
  r.customerResolution = p.customerResolution
  r.productResolution = p.productResolution
  r.agreementResolution = p.agreementResolution
  r.deviations = p.deviations
  r.notices = p.notices
  return verified(ReconciliationRow, fields, r as unknown as ReconciliationRow)
}

/** `gridRow({ ...row, deviations, notices })`, without the intermediate object. */
export const diffedRow = (
  row: ReconciliationRow,
  deviations: ReconciliationRow["deviations"],
  notices: ReconciliationRow["notices"]
): ReconciliationRow => {
  const r = Object.create(ReconciliationRow.prototype) as Bag
  r.key = row.key
  r.origin = row.origin
  r.period = row.period
  r.customer = row.customer
  r.product = row.product
  r.currency = row.currency
  r.lines = row.lines
  r.quantity = row.quantity
  if (has(row, "unitCost")) r.unitCost = row.unitCost
  if (has(row, "unitPrice")) r.unitPrice = row.unitPrice
  r.customerResolution = row.customerResolution
  r.productResolution = row.productResolution
  r.agreementResolution = row.agreementResolution
  r.deviations = deviations.length === 0 ? EMPTY : deviations
  r.notices = notices.length === 0 ? EMPTY : notices
  const made = r as unknown as ReconciliationRow
  return isVerifying() ? verified(ReconciliationRow, { ...row, deviations, notices }, made) : made
}

type Differs = typeof QuantityDiffers | typeof UnitCostDiffers | typeof UnitPriceDiffers

const differs =
  <C extends Differs>(Class: C, tag: InstanceType<C>["_tag"]) =>
  (fields: Fields<C>): InstanceType<C> => {
    const p = fields as unknown as QuantityDiffers
    const r = Object.create(Class.prototype) as Bag
    r._tag = tag
    r.agreementId = p.agreementId
    r.productId = p.productId
    r.invoiced = p.invoiced
    r.current = p.current
    r.additions = p.additions
    return verified(Class, fields, r as unknown as InstanceType<C>)
  }

/** `trusted(QuantityDiffers, fields)`, and the same for the unit cost and price. */
export const quantityDiffers = differs(QuantityDiffers, "QuantityDiffers")
export const unitCostDiffers = differs(UnitCostDiffers, "UnitCostDiffers")
export const unitPriceDiffers = differs(UnitPriceDiffers, "UnitPriceDiffers")

/** `trusted(AdditionMissing, fields)`. */
export const additionMissing = (fields: Fields<typeof AdditionMissing>): AdditionMissing => {
  const p = fields as unknown as AdditionMissing
  const r = Object.create(AdditionMissing.prototype) as Bag
  r._tag = "AdditionMissing"
  if (has(p, "agreementId")) r.agreementId = p.agreementId
  if (has(p, "productId")) r.productId = p.productId
  r.quantity = p.quantity
  r.unitCost = p.unitCost
  if (has(p, "unitPrice")) r.unitPrice = p.unitPrice
  return verified(AdditionMissing, fields, r as unknown as AdditionMissing)
}

// The fields every operation starts with, and those of the ones that change money.
const common = (r: Bag, p: AddAddition | RememberMapping) => {
  r.idempotencyKey = p.idempotencyKey
  r.dependsOn = p.dependsOn
  r.rowKeys = p.rowKeys
  r.effectiveDate = p.effectiveDate
}
const impact = (r: Bag, p: AddAddition) => {
  r.currency = p.currency
  r.costImpact = p.costImpact
  if (has(p, "priceImpact")) r.priceImpact = p.priceImpact
}

/** `trusted(AddAddition, fields)`. */
export const addAddition = (fields: Fields<typeof AddAddition>): AddAddition => {
  const p = fields as unknown as AddAddition
  const r = Object.create(AddAddition.prototype) as Bag
  r._tag = "AddAddition"
  common(r, p)
  impact(r, p)
  r.agreement = p.agreement
  r.product = p.product
  r.quantity = p.quantity
  r.unitCost = p.unitCost
  if (has(p, "unitPrice")) r.unitPrice = p.unitPrice
  r.billCustomer = p.billCustomer
  if (has(p, "replaces")) r.replaces = p.replaces
  return verified(AddAddition, fields, r as unknown as AddAddition)
}

type Update = typeof UpdateAdditionQuantity | typeof UpdateAdditionUnitCost | typeof UpdateAdditionUnitPrice

const update =
  <C extends Update>(Class: C, tag: InstanceType<C>["_tag"]) =>
  (fields: Fields<C>): InstanceType<C> => {
    const p = fields as unknown as UpdateAdditionQuantity
    const r = Object.create(Class.prototype) as Bag
    r._tag = tag
    common(r, p as unknown as AddAddition)
    impact(r, p as unknown as AddAddition)
    r.takesEffect = p.takesEffect
    r.agreementId = p.agreementId
    r.additionId = p.additionId
    r.productId = p.productId
    r.from = p.from
    r.to = p.to
    return verified(Class, fields, r as unknown as InstanceType<C>)
  }

/** `trusted(UpdateAdditionQuantity, fields)`, and the same for the unit cost and price. */
export const updateAdditionQuantity = update(UpdateAdditionQuantity, "UpdateAdditionQuantity")
export const updateAdditionUnitCost = update(UpdateAdditionUnitCost, "UpdateAdditionUnitCost")
export const updateAdditionUnitPrice = update(UpdateAdditionUnitPrice, "UpdateAdditionUnitPrice")

/** `trusted(CancelAddition, fields)`. */
export const cancelAddition = (fields: Fields<typeof CancelAddition>): CancelAddition => {
  const p = fields as unknown as CancelAddition
  const r = Object.create(CancelAddition.prototype) as Bag
  r._tag = "CancelAddition"
  common(r, p as unknown as AddAddition)
  impact(r, p as unknown as AddAddition)
  r.agreementId = p.agreementId
  r.additionId = p.additionId
  r.productId = p.productId
  r.quantity = p.quantity
  if (has(p, "replacedBy")) r.replacedBy = p.replacedBy
  return verified(CancelAddition, fields, r as unknown as CancelAddition)
}
