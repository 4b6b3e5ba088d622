// Hand-written `trusted` builders for the values the core makes once or twice per row: the grid
// row, its comparison's deviation and its plan operation. `trusted` copies a class's fields in a
// loop over their names onto `Object.create(prototype)`, about 2 µs for a row, and the fields
// land in a property store beside the object. These are constructors that name each field on
// `this`: V8 sizes the object for all of them up front (the fields inside it, one allocation,
// the same layout for every instance), several times faster and ~30 bytes smaller an instance.
// Each writes the fields in the schema's order, an optional field only when `fields` has it, and
// is checked against the constructor by `verifyTrusted` like `trusted` is. A field added to one
// of these classes must be added here too (the verification fails until it is).

import {
  AddAddition,
  CancelAddition,
  RememberMapping,
  UpdateAdditionQuantity,
  UpdateAdditionUnitCost,
  UpdateAdditionUnitPrice
} from "../ChangePlan.ts"
import { AdditionMissing, QuantityDiffers, UnitCostDiffers, UnitPriceDiffers } from "../Deviation.ts"
import { ReconciliationRow } from "../ReconciliationRow.ts"
import { exactly } from "./lines.ts"
import { isVerifying, verified } from "./trusted.ts"

type Fields<C extends abstract new (...args: never) => unknown> = ConstructorParameters<C>[0]
type Bag = Record<string, unknown>
type Class = abstract new (...args: never) => object
type Shape<C extends Class, A extends ReadonlyArray<unknown>> = new (...args: A) => InstanceType<C>

const has = Object.hasOwn

/**
 * `init` as a constructor of `Class`'s instances (their prototype is `Class.prototype`, so
 * `instanceof` and the class's methods hold). `init` must be a `function`, which `new` can call.
 */
const shapeOf = <C extends Class, A extends ReadonlyArray<unknown>>(
  Class: C,
  init: (this: Bag, ...args: A) => void
): Shape<C, A> => {
  init.prototype = Class.prototype
  return init as unknown as Shape<C, A>
}

// One constructor for every row (from `resolve`, `diff` or a cancellation), so they share a layout.
const Row = shapeOf(
  ReconciliationRow,
  function (
    this: Bag,
    p: ReconciliationRow,
    deviations: ReconciliationRow["deviations"],
    notices: ReconciliationRow["notices"]
  ) {
    this.key = p.key
    this.origin = p.origin
    this.period = p.period
    this.customer = p.customer
    this.product = p.product
    this.currency = p.currency
    this.lines = p.lines
    this.quantity = p.quantity
    if (has(p, "unitCost")) this.unitCost = p.unitCost
    if (has(p, "unitPrice")) this.unitPrice = p.unitPrice
    this.customerResolution = p.customerResolution
    this.productResolution = p.productResolution
    this.agreementResolution = p.agreementResolution
    this.deviations = deviations
    this.notices = notices
  }
)

/** `trusted(ReconciliationRow, fields)`. */
export const gridRow = (fields: Fields<typeof ReconciliationRow>): ReconciliationRow => {
  const p = fields as unknown as ReconciliationRow
  return verified(ReconciliationRow, fields, new Row(p, p.deviations, p.notices))
}

/** `gridRow({ ...row, deviations, notices })`, without the intermediate object, its lists kept `exactly`. */
export const diffedRow = (
  row: ReconciliationRow,
  deviations: ReconciliationRow["deviations"],
  notices: ReconciliationRow["notices"]
): ReconciliationRow => {
  const made = new Row(row, exactly(deviations), exactly(notices))
  return isVerifying() ? verified(ReconciliationRow, { ...row, deviations, notices }, made) : made
}

type Differs = typeof QuantityDiffers | typeof UnitCostDiffers | typeof UnitPriceDiffers

const differs = <C extends Differs>(Class: C, tag: InstanceType<C>["_tag"]) => {
  const Shape = shapeOf(Class, function (this: Bag, p: QuantityDiffers) {
    this._tag = tag
    this.agreementId = p.agreementId
    this.productId = p.productId
    this.invoiced = p.invoiced
    this.current = p.current
    this.additions = p.additions
  })
  return (fields: Fields<C>): InstanceType<C> =>
    verified(Class, fields, new Shape(fields as unknown as QuantityDiffers))
}

/** `trusted(QuantityDiffers, fields)`, and the same for the unit cost and price. */
export const quantityDiffers = differs(QuantityDiffers, "QuantityDiffers")
export const unitCostDiffers = differs(UnitCostDiffers, "UnitCostDiffers")
export const unitPriceDiffers = differs(UnitPriceDiffers, "UnitPriceDiffers")

const Missing = shapeOf(AdditionMissing, function (this: Bag, p: AdditionMissing) {
  this._tag = "AdditionMissing"
  if (has(p, "agreementId")) this.agreementId = p.agreementId
  if (has(p, "productId")) this.productId = p.productId
  this.quantity = p.quantity
  this.unitCost = p.unitCost
  if (has(p, "unitPrice")) this.unitPrice = p.unitPrice
})

/** `trusted(AdditionMissing, fields)`. */
export const additionMissing = (fields: Fields<typeof AdditionMissing>): AdditionMissing =>
  verified(AdditionMissing, fields, new Missing(fields as unknown as AdditionMissing))

const Add = shapeOf(AddAddition, function (this: Bag, p: AddAddition) {
  this._tag = "AddAddition"
  this.idempotencyKey = p.idempotencyKey
  this.dependsOn = p.dependsOn
  this.rowKeys = p.rowKeys
  this.effectiveDate = p.effectiveDate
  this.currency = p.currency
  this.costImpact = p.costImpact
  if (has(p, "priceImpact")) this.priceImpact = p.priceImpact
  this.agreement = p.agreement
  this.product = p.product
  this.quantity = p.quantity
  this.unitCost = p.unitCost
  if (has(p, "unitPrice")) this.unitPrice = p.unitPrice
  this.billCustomer = p.billCustomer
  if (has(p, "replaces")) this.replaces = p.replaces
})

/** `trusted(AddAddition, fields)`. */
export const addAddition = (fields: Fields<typeof AddAddition>): AddAddition =>
  verified(AddAddition, fields, new Add(fields as unknown as AddAddition))

type Update = typeof UpdateAdditionQuantity | typeof UpdateAdditionUnitCost | typeof UpdateAdditionUnitPrice

const update = <C extends Update>(Class: C, tag: InstanceType<C>["_tag"]) => {
  const Shape = shapeOf(Class, function (this: Bag, p: UpdateAdditionQuantity) {
    this._tag = tag
    this.idempotencyKey = p.idempotencyKey
    this.dependsOn = p.dependsOn
    this.rowKeys = p.rowKeys
    this.effectiveDate = p.effectiveDate
    this.currency = p.currency
    this.costImpact = p.costImpact
    if (has(p, "priceImpact")) this.priceImpact = p.priceImpact
    this.takesEffect = p.takesEffect
    this.agreementId = p.agreementId
    this.additionId = p.additionId
    this.productId = p.productId
    this.from = p.from
    this.to = p.to
  })
  return (fields: Fields<C>): InstanceType<C> =>
    verified(Class, fields, new Shape(fields as unknown as UpdateAdditionQuantity))
}

/** `trusted(UpdateAdditionQuantity, fields)`, and the same for the unit cost and price. */
export const updateAdditionQuantity = update(UpdateAdditionQuantity, "UpdateAdditionQuantity")
export const updateAdditionUnitCost = update(UpdateAdditionUnitCost, "UpdateAdditionUnitCost")
export const updateAdditionUnitPrice = update(UpdateAdditionUnitPrice, "UpdateAdditionUnitPrice")

const Cancel = shapeOf(CancelAddition, function (this: Bag, p: CancelAddition) {
  this._tag = "CancelAddition"
  this.idempotencyKey = p.idempotencyKey
  this.dependsOn = p.dependsOn
  this.rowKeys = p.rowKeys
  this.effectiveDate = p.effectiveDate
  this.currency = p.currency
  this.costImpact = p.costImpact
  if (has(p, "priceImpact")) this.priceImpact = p.priceImpact
  this.agreementId = p.agreementId
  this.additionId = p.additionId
  this.productId = p.productId
  this.quantity = p.quantity
  if (has(p, "replacedBy")) this.replacedBy = p.replacedBy
})

/** `trusted(CancelAddition, fields)`. */
export const cancelAddition = (fields: Fields<typeof CancelAddition>): CancelAddition =>
  verified(CancelAddition, fields, new Cancel(fields as unknown as CancelAddition))

const Remember = shapeOf(RememberMapping, function (this: Bag, p: RememberMapping) {
  this._tag = "RememberMapping"
  this.idempotencyKey = p.idempotencyKey
  this.dependsOn = p.dependsOn
  this.rowKeys = p.rowKeys
  this.effectiveDate = p.effectiveDate
  this.kind = p.kind
  this.sourceKey = p.sourceKey
  if (has(p, "productKey")) this.productKey = p.productKey
  this.target = p.target
  this.method = p.method
  this.decidedBy = p.decidedBy
  this.decidedAt = p.decidedAt
})

/** `trusted(RememberMapping, fields)`: only for keys known to be storable (see `planRememberMapping`). */
export const rememberMapping = (fields: Fields<typeof RememberMapping>): RememberMapping =>
  verified(RememberMapping, fields, new Remember(fields as unknown as RememberMapping))
