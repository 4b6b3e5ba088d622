/**
 * The deterministic idempotency key of every plan operation, derived here and nowhere else.
 *
 * A key is a SHA-256 over (link, period, operation kind, target, field, value), prefixed by the kind
 * for readability. It names what the operation does, not when it was planned, so planning the same
 * month twice gives the same keys and applying a plan twice (or resuming it) has no second effect.
 * Changing what a key covers changes every stored journal's keys: treat it as a data migration.
 *
 * @since 0.1.0
 */
import type { BigDecimal } from "effect"
import type { TargetRef } from "./ChangePlan.ts"
import { decimalKey } from "./internal/lines.ts"
import { sha256Hex } from "./internal/sha256.ts"
import type { MappingKind } from "./Mapping.ts"

interface PeriodLike {
  readonly start: string
  readonly end: string
}

/**
 * What a key is made of: the operation kind and the canonical text that is hashed. Two sources
 * with the same text have the same key, so a planner can tell a duplicate before hashing it.
 *
 * @internal
 */
export interface KeySource {
  readonly tag: string
  readonly text: string
}

const sourceOf = (
  tag: string,
  linkId: string,
  period: PeriodLike,
  target: ReadonlyArray<string | number>,
  field: string,
  value: string
): KeySource => ({ tag, text: JSON.stringify([linkId, period.start, period.end, tag, target, field, value]) })

/** The idempotency key of a source: its kind, a colon, and the SHA-256 of its text in hex. @internal */
export const keyOf = (source: KeySource): string => `${source.tag}:${sha256Hex(source.text)}`

// Flow B is not tied to a service period: its keys use an empty one, or the invoice's date.
const noPeriod: PeriodLike = { start: "", end: "" }
const dayOf = (date: string): PeriodLike => ({ start: date, end: date })

// A target as key text: the existing record's id, or the key of the operation that creates it.
const refText = (ref: TargetRef): string => (ref._tag === "Existing" ? `id:${ref.id}` : `op:${ref.opKey}`)

/** `CreateProduct`: one catalog item per invoice product and code. @internal */
export const createProductSource = (linkId: string, period: PeriodLike, productKey: string, code: string): KeySource =>
  sourceOf("CreateProduct", linkId, period, [productKey], "identifier", code)

/** `CreateAgreement`: one agreement per company, agreement type and currency. @internal */
export const createAgreementSource = (
  linkId: string,
  period: PeriodLike,
  companyId: number,
  typeId: number,
  currency: string
): KeySource => sourceOf("CreateAgreement", linkId, period, [companyId, typeId], "currency", currency)

/** `AddAddition`: the (agreement, product) pair and the quantity added. @internal */
export const addAdditionSource = (
  linkId: string,
  period: PeriodLike,
  agreement: TargetRef,
  product: TargetRef,
  quantity: BigDecimal.BigDecimal
): KeySource =>
  sourceOf("AddAddition", linkId, period, [refText(agreement), refText(product)], "quantity", decimalKey(quantity))

/** `UpdateAdditionQuantity`: the addition and its new quantity. @internal */
export const updateQuantitySource = (
  linkId: string,
  period: PeriodLike,
  additionId: number,
  to: BigDecimal.BigDecimal
): KeySource => sourceOf("UpdateAdditionQuantity", linkId, period, [additionId], "quantity", decimalKey(to))

/** `UpdateAdditionUnitCost` or `UpdateAdditionUnitPrice`: the addition and its new value. @internal */
export const updatePriceSource = (
  field: "unitCost" | "unitPrice",
  linkId: string,
  period: PeriodLike,
  additionId: number,
  to: BigDecimal.BigDecimal
): KeySource =>
  sourceOf(
    field === "unitCost" ? "UpdateAdditionUnitCost" : "UpdateAdditionUnitPrice",
    linkId,
    period,
    [additionId],
    field,
    decimalKey(to)
  )

/** `CancelAddition`: the addition and its cancel date. @internal */
export const cancelAdditionSource = (
  linkId: string,
  period: PeriodLike,
  additionId: number,
  cancelDate: string
): KeySource => sourceOf("CancelAddition", linkId, period, [additionId], "cancelledDate", cancelDate)

/** The `AddAddition` that replaces an addition (`datedChanges: "cancel-and-add"`): the old addition and the new values. @internal */
export const replaceAdditionSource = (
  linkId: string,
  period: PeriodLike,
  additionId: number,
  quantity: BigDecimal.BigDecimal,
  unitCost: BigDecimal.BigDecimal
): KeySource =>
  sourceOf(
    "AddAddition",
    linkId,
    period,
    [`replaces:${additionId}`],
    "quantity,unitCost",
    `${decimalKey(quantity)},${decimalKey(unitCost)}`
  )

/** `RememberMapping`: what is mapped (kind, source, product) and to which target. @internal */
export const rememberMappingSource = (
  linkId: string,
  period: PeriodLike,
  kind: MappingKind,
  sourceKey: string,
  productKey: string | undefined,
  target: TargetRef
): KeySource =>
  sourceOf("RememberMapping", linkId, period, [kind, sourceKey, productKey ?? ""], "target", refText(target))

/** `CreateAccount`: one Exact account per ConnectWise company and code. @internal */
export const createAccountKey = (linkId: string, companyId: number, code: string): string =>
  keyOf(sourceOf("CreateAccount", linkId, noPeriod, [companyId], "code", code))

/**
 * The idempotency key of the operation that creates a ConnectWise invoice's Exact invoice. It depends
 * only on the invoice, so a run that finds the invoice already in Exact can settle the journal entry
 * of a create that was interrupted after Exact accepted it.
 *
 * @since 0.1.0
 */
export const salesInvoiceCreateKey = (
  linkId: string,
  invoice: { readonly id: number; readonly number: string; readonly date: string }
): string => keyOf(sourceOf("CreateSalesInvoice", linkId, dayOf(invoice.date), [invoice.id], "yourRef", invoice.number))

/**
 * The idempotency key of the operation that prints (processes) a ConnectWise invoice's Exact
 * invoice: keyed on the ConnectWise invoice alone, not on how the Exact invoice is referenced (the
 * create operation before it exists, its id after), so a resumed run finds the interrupted print's
 * journal entry and checks Exact before printing again.
 *
 * @since 0.1.0
 */
export const salesInvoiceProcessKey = (
  linkId: string,
  invoice: { readonly id: number; readonly date: string }
): string => keyOf(sourceOf("ProcessSalesInvoice", linkId, dayOf(invoice.date), [invoice.id], "invoice", "processed"))

/**
 * The idempotency key of the operation that books a ConnectWise invoice as an Exact sales entry:
 * keyed on the invoice and its entry number alone.
 *
 * @since 0.1.0
 */
export const salesEntryCreateKey = (
  linkId: string,
  invoice: { readonly id: number; readonly number: string; readonly date: string },
  entryNumber: number
): string =>
  keyOf(sourceOf("CreateSalesEntry", linkId, dayOf(invoice.date), [invoice.id], "entryNumber", String(entryNumber)))

/**
 * The idempotency key of the operation that attaches a ConnectWise invoice's PDF in Exact.
 *
 * @since 0.1.0
 */
export const attachPdfKey = (linkId: string, invoice: { readonly id: number; readonly date: string }): string =>
  keyOf(sourceOf("AttachPdf", linkId, dayOf(invoice.date), [invoice.id], "pdf", "attached"))
