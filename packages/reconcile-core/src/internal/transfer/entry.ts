import { BigDecimal } from "effect"
import { Created } from "../../ChangePlan.ts"
import { attachPdfKey, salesEntryCreateKey } from "../../IdempotencyKeys.ts"
import type { TransferSettings } from "../../LinkSettings.ts"
import type { TransferRecord } from "../../ports/TransferLedger.ts"
import {
  AttachPdf,
  Blocked,
  CreateSalesEntry,
  type ExactGLAccount,
  type ExactVatCode,
  type ExistingAccount,
  SalesEntryLine,
  Skip,
  type TransferInvoice,
  type TransferInvoiceLine
} from "../../Transfer.ts"
import { allocate, roundTo, spreadVat } from "./allocate.ts"
import type { TransferPlanning } from "./invoice.ts"
import { codeKey, itemFor, resolveCustomer, type TransferIndex } from "./lookups.ts"

/** Exact's `EntryNumber` is an Edm.Int32. */
const MAX_ENTRY_NUMBER = 2_147_483_647
const ZERO = BigDecimal.fromBigInt(0n)
const fmt = (value: BigDecimal.BigDecimal) => BigDecimal.format(BigDecimal.scale(value, 2))

/** Reasons collected for one invoice, each with its code. */
export class Reasons {
  readonly texts: Array<string> = []
  readonly codes = new Set<string>()
  add(code: string, text: string): void {
    this.codes.add(code)
    if (!this.texts.includes(text)) this.texts.push(text)
  }
  get empty(): boolean {
    return this.texts.length === 0
  }
}

/**
 * The entry number of a ConnectWise invoice number: the settings' pattern's capture group (default
 * the whole number, digits only), a positive 32-bit integer; else why not.
 *
 * @example
 * ```ts
 * import { entryNumberOf } from "@psa-ledger/reconcile-core"
 *
 * entryNumberOf("INV-24018", "^INV-(\\d+)$") // { entryNumber: 24018 }
 * entryNumberOf("24018", undefined) // { entryNumber: 24018 }
 * ```
 *
 * @since 0.1.0
 */
export const entryNumberOf = (
  number: string,
  pattern: string | undefined
): { readonly entryNumber: number } | { readonly reason: string } => {
  let expression: RegExp
  try {
    expression = new RegExp(pattern ?? "^(\\d+)$")
  } catch {
    return { reason: `the entryNumberPattern ${JSON.stringify(pattern)} is not a regular expression` }
  }
  const digits = expression.exec(number.trim())?.[1]
  if (digits === undefined || !/^\d+$/.test(digits)) {
    return { reason: `number ${number} gives no entry number (pattern ${expression.source})` }
  }
  const value = Number(digits)
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_ENTRY_NUMBER) {
    return { reason: `entry number ${digits} of ${number} is outside Exact's range 1–${MAX_ENTRY_NUMBER}` }
  }
  return { entryNumber: value }
}

/** What ConnectWise changed after the booking the ledger recorded (amounts or status). */
const changesSince = (invoice: TransferInvoice, record: TransferRecord): Array<string> => {
  const changes: Array<string> = []
  if (invoice.status !== undefined && /void|cancel/i.test(invoice.status)) {
    changes.push(`ConnectWise shows it as ${invoice.status} after it was booked`)
  }
  if (
    record.total !== undefined &&
    invoice.total !== undefined &&
    !BigDecimal.equals(roundTo(record.total), roundTo(invoice.total))
  ) {
    changes.push(`its total is ${fmt(invoice.total)} in ConnectWise, ${fmt(record.total)} was booked`)
  }
  return changes
}

const glAccountOf = (index: TransferIndex, key: string | undefined): ExactGLAccount | undefined => {
  if (key === undefined || key.trim() === "") return undefined
  return index.glAccountsById.get(key.trim().toLowerCase()) ?? index.glAccountsByCode.get(codeKey(key))?.[0]
}

/** The revenue GL account of a line: the settings' for its catalog item, its Exact item's, else the default. */
const lineGlAccount = (
  planning: TransferPlanning,
  transfer: TransferSettings,
  line: TransferInvoiceLine,
  reasons: Reasons
): ExactGLAccount | undefined => {
  const { index } = planning
  const configured = line.productId === undefined ? undefined : transfer.glAccounts?.[String(line.productId)]
  if (configured !== undefined) {
    const gl = glAccountOf(index, configured)
    if (gl === undefined)
      reasons.add("Mapping", `GL account ${configured} (for catalog item ${line.productId}) does not exist in Exact`)
    return gl
  }
  const itemReasons: Array<string> = []
  const item = line.productId === undefined ? undefined : itemFor(index, undefined, line, itemReasons)
  const fromItem = item?.glRevenue === undefined ? undefined : glAccountOf(index, item.glRevenue)
  if (fromItem !== undefined) return fromItem
  const fallback = glAccountOf(index, transfer.defaultGlAccount)
  if (fallback !== undefined) return fallback
  reasons.add(
    "Mapping",
    transfer.defaultGlAccount === undefined
      ? `line ${line.id} has no GL account: map its catalog item in glAccounts or set defaultGlAccount`
      : `the default GL account ${transfer.defaultGlAccount} does not exist in Exact`
  )
  return undefined
}

/**
 * What both modes check before anything is sent, each failure a reason with its code: the journal,
 * a void invoice, the customer (asking before an account is created, per `createAccounts`, default
 * `ask`), another currency without a rate, a closed period, billing terms without a payment
 * condition. Gives the account, rate and terms to book with.
 */
export const bookingChecks = (
  planning: TransferPlanning,
  transfer: TransferSettings,
  invoice: TransferInvoice,
  reasons: Reasons
): {
  readonly account: ExistingAccount | Created | undefined
  readonly rate: BigDecimal.BigDecimal | undefined
  readonly dueDate: string | undefined
  readonly paymentCondition: string | undefined
} => {
  const { index } = planning
  if (planning.journals !== undefined && !planning.journals.includes(transfer.journal)) {
    reasons.add("Mapping", `journal ${transfer.journal} does not exist in the Exact division`)
  }
  if (invoice.status !== undefined && /void|cancel/i.test(invoice.status)) {
    reasons.add("Input", `ConnectWise shows it as ${invoice.status}`)
  }
  const customer = resolveCustomer(
    index,
    planning.accountsToCreate,
    invoice.companyId,
    transfer.createAccounts ?? "ask"
  )
  let account: ExistingAccount | Created | undefined
  if (customer._tag === "Found") account = customer.account
  else if (customer._tag === "Unresolved") reasons.add(customer.code, customer.reason)
  else if (customer.create.approved === true || planning.approvedCompanies.has(invoice.companyId)) {
    account = new Created({ opKey: customer.create.idempotencyKey })
  } else {
    const suggestions = customer.create.suggestions ?? []
    reasons.add(
      "NeedsCustomer",
      `company ${customer.create.code} (${customer.create.name}) has no Exact account: approve creating one${
        suggestions.length === 0 ? "" : `, or map it to one of ${suggestions.join("; ")}`
      }`
    )
  }
  const divisionCurrency = planning.divisionCurrency
  const rate = transfer.exchangeRates?.[invoice.currency]
  if (divisionCurrency !== undefined && invoice.currency !== divisionCurrency && rate === undefined) {
    reasons.add(
      "Currency",
      `the invoice is in ${invoice.currency}, the division books in ${divisionCurrency}, and no exchange rate is set`
    )
  }
  if (transfer.closedThrough !== undefined && invoice.date <= transfer.closedThrough) {
    reasons.add(
      "ClosedPeriod",
      `its date ${invoice.date} is in a closed Exact period (closed through ${transfer.closedThrough})`
    )
  }
  const { dueDate, paymentCondition, termsKnown } = planning.termsOf(invoice)
  if (termsKnown && paymentCondition === undefined) {
    reasons.add("PaymentCondition", `billing terms ${invoice.billingTermsId} have no Exact payment condition`)
  }
  return { account, rate, dueDate, paymentCondition }
}

/**
 * Entry mode, one invoice: skipped when booked before (with what changed since, for a person),
 * else a sales entry numbered with the ConnectWise number and carrying ConnectWise's VAT, and its
 * PDF; or blocked with every reason and its code.
 */
export const planEntry = (
  planning: TransferPlanning,
  transfer: TransferSettings,
  invoice: TransferInvoice,
  record: TransferRecord | undefined
): void => {
  const { index } = planning
  const ours = index.entriesByYourRef.get(invoice.number.trim())?.find((e) => e.journal === transfer.journal)
  if (record !== undefined || ours !== undefined) {
    const changes = record === undefined ? [] : changesSince(invoice, record)
    planning.skipped.push(
      new Skip({
        connectwiseInvoiceId: invoice.id,
        number: invoice.number,
        exactInvoiceId: record?.exactInvoiceId ?? ours?.entryId ?? "",
        reason:
          record !== undefined
            ? `already booked (entry ${record.exactInvoiceNumber ?? record.exactInvoiceId})`
            : `Exact already has entry ${ours?.entryNumber} with YourRef ${invoice.number}`,
        ...(changes.length === 0 ? {} : { changes })
      })
    )
    return
  }
  const reasons = new Reasons()
  const number = entryNumberOf(invoice.number, transfer.entryNumberPattern)
  if ("reason" in number) reasons.add("EntryNumberInvalid", number.reason)
  else {
    const taken = index.entriesByNumber.get(number.entryNumber)?.find((e) => e.journal === transfer.journal)
    // Two invoices of one run may derive the same number (`INV-24018` and `24018`): the first, in
    // ConnectWise id order, holds it even when blocked, so which one gets it does not change later.
    const claimedBy = planning.entryNumbers.get(number.entryNumber)
    if (taken !== undefined) {
      reasons.add(
        "EntryNumberTaken",
        `entry number ${number.entryNumber} is taken in journal ${transfer.journal} by another entry (YourRef ${taken.yourRef ?? "none"})`
      )
    } else if (claimedBy !== undefined) {
      reasons.add(
        "EntryNumberTaken",
        `entry number ${number.entryNumber} is taken in journal ${transfer.journal} by invoice ${claimedBy} of this run`
      )
    } else planning.entryNumbers.set(number.entryNumber, invoice.number)
  }
  const { account, rate, dueDate, paymentCondition } = bookingChecks(planning, transfer, invoice, reasons)
  const lines = entryLinesOf(planning, transfer, invoice, reasons)
  if (!reasons.empty || account === undefined || "reason" in number || lines === undefined) {
    planning.blocked.push(
      new Blocked({
        connectwiseInvoiceId: invoice.id,
        number: invoice.number,
        reasons: reasons.texts,
        codes: [...reasons.codes]
      })
    )
    return
  }
  const credit = invoice.type === "CreditMemo"
  const base = invoice.description ?? `${credit ? "Credit memo" : "Invoice"} ${invoice.number}`
  const description = invoice.customerPO === undefined ? base : `${base} (PO ${invoice.customerPO})`
  const create = new CreateSalesEntry({
    idempotencyKey: salesEntryCreateKey(index.linkId, invoice, number.entryNumber),
    dependsOn: account._tag === "Created" ? [account.opKey] : [],
    connectwiseInvoiceId: invoice.id,
    kind: credit ? "credit-note" : "invoice",
    entryNumber: number.entryNumber,
    yourRef: invoice.number,
    account,
    journal: transfer.journal,
    entryDate: invoice.date,
    ...(dueDate === undefined ? {} : { dueDate }),
    ...(paymentCondition === undefined ? {} : { paymentCondition }),
    currency: invoice.currency,
    ...(rate === undefined || invoice.currency === planning.divisionCurrency ? {} : { rate }),
    description: description.slice(0, 255),
    lines: lines.lines,
    total: lines.total
  })
  planning.operations.push(create)
  if (transfer.attachPdf ?? true) {
    planning.operations.push(
      new AttachPdf({
        idempotencyKey: attachPdfKey(index.linkId, invoice),
        dependsOn: [create.idempotencyKey],
        connectwiseInvoiceId: invoice.id,
        number: invoice.number,
        account,
        booked: new Created({ opKey: create.idempotencyKey }),
        entryDate: invoice.date
      })
    )
  }
}

/**
 * The entry's lines, with nets and VAT that add up to ConnectWise's subtotal, tax and total to the
 * cent: the subtotal spread over the lines by their amounts, the tax over the taxed lines per VAT
 * rate (see `spreadVat`). Blocked (with the difference) when ConnectWise's own figures do not add up.
 */
const entryLinesOf = (
  planning: TransferPlanning,
  transfer: TransferSettings,
  invoice: TransferInvoice,
  reasons: Reasons
): { readonly lines: Array<SalesEntryLine>; readonly total: BigDecimal.BigDecimal } | undefined => {
  if (invoice.lines.length === 0) {
    reasons.add("Input", "the invoice has no lines")
    return undefined
  }
  const { index } = planning
  const credit = invoice.type === "CreditMemo"
  const raw = invoice.lines.map((line) => BigDecimal.multiply(line.quantity, line.unitPrice))
  const rawSum = raw.reduce((a, b) => BigDecimal.sum(a, b), ZERO)
  // A credit memo books negative amounts, whichever sign ConnectWise gives it.
  const flip = credit && BigDecimal.isPositive(invoice.total ?? rawSum)
  const sign = (value: BigDecimal.BigDecimal) => (flip ? BigDecimal.negate(value) : value)
  const subtotal = sign(invoice.subtotal ?? rawSum)
  if (invoice.total === undefined) {
    reasons.add("TotalsDiffer", "ConnectWise gives no total for the invoice")
    return undefined
  }
  const total = sign(invoice.total)
  const tax = sign(invoice.tax ?? BigDecimal.subtract(invoice.total, invoice.subtotal ?? rawSum))
  const linesDiff = BigDecimal.subtract(roundTo(sign(rawSum)), roundTo(subtotal))
  if (!BigDecimal.isZero(linesDiff)) {
    reasons.add(
      "TotalsDiffer",
      `its lines add up to ${fmt(sign(rawSum))}, ConnectWise's subtotal is ${fmt(subtotal)} (difference ${fmt(linesDiff)})`
    )
  }
  const headerDiff = BigDecimal.subtract(BigDecimal.sum(roundTo(subtotal), roundTo(tax)), roundTo(total))
  if (!BigDecimal.isZero(headerDiff)) {
    reasons.add(
      "TotalsDiffer",
      `subtotal ${fmt(subtotal)} + tax ${fmt(tax)} is not its total ${fmt(total)} (difference ${fmt(headerDiff)})`
    )
  }
  const nets = allocate(subtotal, raw.map(sign))
  const coded = invoice.lines.map((line) => {
    const gl = lineGlAccount(planning, transfer, line, reasons)
    const taxCode = line.taxCode ?? invoice.taxCode
    const vatCode = taxCode === undefined ? undefined : transfer.vatCodes[taxCode]
    let vat: ExactVatCode | undefined
    if (taxCode === undefined) reasons.add("VatCode", `line ${line.id} has no tax code`)
    else if (vatCode === undefined) reasons.add("VatCode", `tax code ${taxCode} has no Exact VAT code`)
    else {
      vat = index.vatCodes.get(vatCode.trim())
      if (vat === undefined)
        reasons.add("VatCode", `Exact VAT code ${vatCode} (for tax code ${taxCode}) does not exist`)
      else if (vat.blocked) reasons.add("VatCode", `Exact VAT code ${vatCode} is blocked`)
    }
    return { gl, vatCode, vat }
  })
  const vats = spreadVat(
    tax,
    invoice.lines.map((line, i) => ({
      net: line.taxable === false ? ZERO : (nets[i] as BigDecimal.BigDecimal),
      vat: coded[i]?.vat
    }))
  )
  const lines: Array<SalesEntryLine> = []
  invoice.lines.forEach((line, i) => {
    const { gl, vatCode } = coded[i] as (typeof coded)[number]
    if (gl === undefined || vatCode === undefined) return
    lines.push(
      new SalesEntryLine({
        glAccountId: gl.id,
        description: line.description.slice(0, 255),
        quantity: sign(line.quantity),
        amount: nets[i] as BigDecimal.BigDecimal,
        vatCode,
        vatAmount: vats[i] as BigDecimal.BigDecimal
      })
    )
  })
  // Checked again on what will be sent: the lines must add up to ConnectWise's figures exactly.
  const sentNet = lines.reduce((a, l) => BigDecimal.sum(a, l.amount), ZERO)
  const sentVat = lines.reduce((a, l) => BigDecimal.sum(a, l.vatAmount), ZERO)
  if (reasons.empty && !BigDecimal.equals(BigDecimal.sum(sentNet, sentVat), roundTo(total))) {
    reasons.add(
      "TotalsDiffer",
      `the lines add up to ${fmt(BigDecimal.sum(sentNet, sentVat))}, ConnectWise's total is ${fmt(total)}`
    )
  }
  return reasons.empty ? { lines, total: roundTo(total) } : undefined
}
