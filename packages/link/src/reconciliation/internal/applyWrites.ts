/**
 * The ConnectWise side of applying a plan: each operation's write, the look-up of a write that may
 * have happened (after a crash, or when its outcome was unknown), and the ids the plan's creations
 * got, for the operations that refer to them.
 */
import { type ConnectWiseClient, conditions, patch } from "@psa-ledger/connectwise-client"
import { type MappingStore, type PlanOperation, type TargetRef, toMapping } from "@psa-ledger/reconcile-core"
import { BigDecimal, type Schema } from "effect"
import { runLink, runPort } from "../../internal/bridge.ts"
import { checkTarget } from "../../internal/conditional.ts"
import { LinkError, LinkInvalidInputError, reasonOf } from "../../LinkError.ts"
import { agreementParty } from "./agreementParty.ts"

/** What the writes need: the clients and stores, the run's signal, and the ids created so far. */
export interface ApplyWritesDeps {
  readonly linkId: string
  readonly connectwise: ConnectWiseClient
  readonly mappings: MappingStore["Service"]
  readonly agreementContact?: ((companyId: number) => number | undefined | Promise<number | undefined>) | undefined
  readonly signal?: AbortSignal | undefined
  /** The ids of the records the plan's operations created, by operation key; writes add to it. */
  readonly createdIds: Map<string, number>
}

/** The writes of one apply. */
export interface ApplyWrites {
  /** Looks for the write of an operation that may have happened before a crash. */
  readonly findExisting: (op: PlanOperation) => Promise<Schema.Json | undefined>
  /** Writes the operation; one whose outcome is unknown is looked up before it is written again. */
  readonly write: (op: PlanOperation) => Promise<Schema.Json>
}

const failure = (reason: LinkError["reason"]) => LinkError.of(reason)

/** The `InvalidInput` of an inconsistent plan, naming the operation. */
export const invalidPlan = (key: string, message: string) =>
  new LinkInvalidInputError({ record: "ChangePlan", field: `operations[${key}]`, message })

/** The id in an operation's result, if it has one. */
export const idOf = (result: Schema.Json | undefined): number | undefined => {
  const id = (result as { id?: unknown } | null | undefined)?.id
  return typeof id === "number" ? id : undefined
}

/** Writes of one operation in all, when each one's outcome is unknown and the look-up finds nothing. */
const AMBIGUOUS_WRITE_ATTEMPTS = 3

/** A ConnectWise write that was sent but whose outcome is unknown. */
const isAmbiguousWrite = (error: unknown): boolean => {
  const reason = error instanceof LinkError ? error.reason : undefined
  return reason?._tag === "ConnectWise" && reason.cause?.reason._tag === "AmbiguousWriteError"
}

const at = (date: string) => `${date}T00:00:00Z`
const sameDecimal = (a: BigDecimal.BigDecimal | undefined, b: BigDecimal.BigDecimal) =>
  a !== undefined && BigDecimal.equals(a, b)

/** Runs a ConnectWise call of `operation`, its failure as a `LinkError`. */
export const cw =
  (operation: string) =>
  async <A>(task: () => Promise<A>): Promise<A> => {
    try {
      return await task()
    } catch (error) {
      throw failure(reasonOf(error, operation))
    }
  }

/** Looks for the write of an operation that may have happened before a crash. */
const findWritten = async (
  client: ConnectWiseClient,
  refId: (ref: TargetRef) => number,
  op: PlanOperation
): Promise<Schema.Json | undefined> => {
  switch (op._tag) {
    case "CreateProduct": {
      const [found] = await cw(op._tag)(() =>
        client.listAll("/procurement/catalog", { conditions: conditions.eq("identifier", op.identifier) })
      )
      return found === undefined ? undefined : { id: found.id }
    }
    case "CreateAgreement": {
      const found = await cw(op._tag)(() =>
        client.listAll("/finance/agreements", {
          conditions: conditions.and(
            conditions.eq("company/id", op.companyId),
            conditions.eq("type/id", op.typeId),
            conditions.eq("name", op.name)
          )
        })
      )
      const active = found.find((a) => a.agreementStatus === undefined || a.agreementStatus === "Active")
      return active === undefined ? undefined : { id: active.id }
    }
    case "AddAddition": {
      const agreementId = refId(op.agreement)
      const productId = refId(op.product)
      const additions = await cw(op._tag)(() =>
        client.listAll("/finance/agreements/{parentId}/additions", {
          path: { parentId: agreementId },
          conditions: conditions.eq("product/id", productId)
        })
      )
      const found = additions.find(
        (a) =>
          (a.cancelledDate === undefined ||
            a.cancelledDate === null ||
            a.cancelledDate.slice(0, 10) > op.effectiveDate) &&
          sameDecimal(a.quantity ?? undefined, op.quantity)
      )
      return found === undefined ? undefined : { id: found.id }
    }
    default:
      // Updates and cancellations replace a field with a value: writing them again is harmless.
      // Remembering a mapping is an upsert.
      return undefined
  }
}

/** Sends the operation's write once; a `RememberMapping` is stored, not sent. */
const writeOperation = async (
  deps: ApplyWritesDeps,
  refId: (ref: TargetRef) => number,
  op: PlanOperation
): Promise<Schema.Json> => {
  const client = deps.connectwise
  switch (op._tag) {
    case "CreateProduct": {
      const created = await cw(op._tag)(() =>
        client.create("/procurement/catalog", {
          identifier: op.identifier,
          description: op.description,
          customerDescription: op.description,
          cost: op.cost,
          ...(op.price === undefined ? {} : { price: op.price }),
          ...(op.subcategoryId === undefined ? {} : { subcategory: { id: op.subcategoryId } }),
          ...(op.typeId === undefined ? {} : { type: { id: op.typeId } }),
          ...(op.productClass === undefined ? {} : { productClass: op.productClass }),
          ...(op.taxable === undefined ? {} : { taxableFlag: op.taxable }),
          recurringFlag: true
        })
      )
      return { id: created.id }
    }
    case "CreateAgreement": {
      const contact = (await deps.agreementContact?.(op.companyId)) ?? undefined
      const party = await runLink(op._tag, agreementParty(client, op.companyId, op.currency, contact), deps.signal)
      const created = await cw(op._tag)(() =>
        client.create("/finance/agreements", {
          name: op.name,
          type: { id: op.typeId },
          company: { id: op.companyId },
          contact: party.contact,
          ...(party.currency === undefined ? {} : { currency: party.currency }),
          startDate: at(op.startDate),
          noEndingDateFlag: true,
          agreementStatus: "Active",
          ...(op.billingCycleId === undefined ? {} : { billingCycle: { id: op.billingCycleId } }),
          ...(op.billingTermsId === undefined ? {} : { billingTerms: { id: op.billingTermsId } }),
          ...(op.prorate === undefined ? {} : { prorateFlag: op.prorate })
        })
      )
      return { id: created.id }
    }
    case "AddAddition": {
      const agreementId = refId(op.agreement)
      const productId = refId(op.product)
      const created = await cw(op._tag)(() =>
        client.create(
          "/finance/agreements/{parentId}/additions",
          {
            product: { id: productId },
            quantity: op.quantity,
            unitCost: op.unitCost,
            ...(op.unitPrice === undefined ? {} : { unitPrice: op.unitPrice }),
            billCustomer: op.billCustomer,
            effectiveDate: at(op.effectiveDate),
            agreementStatus: "Active"
          },
          { path: { parentId: agreementId } }
        )
      )
      return { id: created.id }
    }
    case "UpdateAdditionQuantity":
    case "UpdateAdditionUnitCost":
    case "UpdateAdditionUnitPrice": {
      const field =
        op._tag === "UpdateAdditionQuantity"
          ? "quantity"
          : op._tag === "UpdateAdditionUnitCost"
            ? "unitCost"
            : "unitPrice"
      await cw(op._tag)(() =>
        client.patch("/finance/agreements/{parentId}/additions/{id}", { parentId: op.agreementId, id: op.additionId }, [
          patch.replace(field, op.to)
        ])
      )
      return { id: op.additionId }
    }
    case "CancelAddition": {
      await cw(op._tag)(() =>
        client.patch("/finance/agreements/{parentId}/additions/{id}", { parentId: op.agreementId, id: op.additionId }, [
          patch.replace("cancelledDate", at(op.effectiveDate))
        ])
      )
      return { id: op.additionId }
    }
    case "RememberMapping": {
      const mapping = toMapping(op, deps.createdIds)
      if (mapping === undefined) throw failure(invalidPlan(op.idempotencyKey, "the created target's id is unknown"))
      await runPort("MappingStore.upsert", deps.mappings.upsert(deps.linkId, [mapping]))
      return { id: mapping.targetId }
    }
  }
}

/** The writes of an apply over `deps`. */
export const makeApplyWrites = (deps: ApplyWritesDeps): ApplyWrites => {
  const { createdIds, signal } = deps

  const refId = (ref: TargetRef): number => {
    if (ref._tag === "Existing") return ref.id
    const id = createdIds.get(ref.opKey)
    if (id === undefined) throw failure(invalidPlan(ref.opKey, `no id from operation ${ref.opKey}`))
    return id
  }

  const findExisting = (op: PlanOperation) => findWritten(deps.connectwise, refId, op)

  /**
   * What ConnectWise holds of a write whose outcome is unknown (`AmbiguousWriteError`): the created
   * record (looked up as after a crash), an update already holding the planned value, or
   * `undefined` when it is not there and may be written again. A target someone changed meanwhile
   * is `Stale`, never overwritten.
   */
  const lookUp = async (op: PlanOperation): Promise<Schema.Json | undefined> => {
    if (op._tag === "CreateProduct" || op._tag === "CreateAgreement" || op._tag === "AddAddition") {
      return findExisting(op)
    }
    if (op._tag === "RememberMapping") return undefined
    const target = await cw(op._tag)(() => checkTarget(deps.connectwise, op, signal))
    if (target._tag === "Stale") throw failure(target)
    return target._tag === "Written" ? { id: target.id } : undefined
  }

  /** Writes the operation; one whose outcome is unknown is looked up before it is written again. */
  const write = async (op: PlanOperation): Promise<Schema.Json> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await writeOnce(op)
      } catch (error) {
        if (!isAmbiguousWrite(error) || attempt >= AMBIGUOUS_WRITE_ATTEMPTS) throw error
        const found = await lookUp(op)
        if (found !== undefined) return found
      }
    }
  }

  const writeOnce = (op: PlanOperation) => writeOperation(deps, refId, op)

  return { findExisting, write }
}
