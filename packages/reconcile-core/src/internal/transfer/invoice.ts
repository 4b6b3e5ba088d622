import { BigDecimal } from "effect"
import { addDays } from "../../Calendar.ts"
import { Created } from "../../ChangePlan.ts"
import { attachPdfKey, salesInvoiceCreateKey, salesInvoiceProcessKey } from "../../IdempotencyKeys.ts"
import type { TransferSettings } from "../../LinkSettings.ts"
import type { TransferRecord } from "../../ports/TransferLedger.ts"
import {
  AttachPdf,
  Blocked,
  type CreateAccount,
  CreateSalesInvoice,
  type ExactSalesInvoiceRef,
  ExistingSalesInvoice,
  ProcessSalesInvoice,
  SalesInvoiceLine,
  Skip,
  type TransferInvoice,
  type TransferOperation
} from "../../Transfer.ts"
import { ZERO } from "../lines.ts"
import { roundTo, spreadVat } from "./allocate.ts"
import { bookingChecks, planEntry, Reasons } from "./entry.ts"
import { itemFor, type TransferIndex } from "./lookups.ts"

/** A transfer run being planned: its lookups and what it has planned so far. */
export interface TransferPlanning {
  readonly index: TransferIndex
  readonly transfer: TransferSettings | undefined
  /** The division's journal codes, when known. */
  readonly journals: ReadonlyArray<string> | undefined
  readonly accountsToCreate: Map<number, CreateAccount>
  /** Entry numbers this run gives (entry mode), with the ConnectWise number that derived each first. */
  readonly entryNumbers: Map<number, string>
  /** ConnectWise companies whose new Exact account a person approved for this run. */
  readonly approvedCompanies: ReadonlySet<number>
  readonly divisionCurrency: string | undefined
  /** The due date and payment condition of an invoice (`termsKnown`: it has billing terms). */
  readonly termsOf: (invoice: TransferInvoice) => {
    readonly dueDate: string | undefined
    readonly paymentCondition: string | undefined
    readonly termsKnown: boolean
  }
  readonly operations: Array<TransferOperation>
  readonly skipped: Array<Skip>
  readonly blocked: Array<Blocked>
}

/** One invoice: skipped or only processed when Exact has it already, else created (or blocked). */
export const planInvoice = (
  planning: TransferPlanning,
  invoice: TransferInvoice,
  record: TransferRecord | undefined
): void => {
  const transfer = planning.transfer
  if (transfer !== undefined && (transfer.mode ?? "entry") === "entry") {
    planEntry(planning, transfer, invoice, record)
    return
  }
  const found = planning.index.exactByYourRef.get(invoice.number.trim()) ?? []
  const existingId = record?.exactInvoiceId ?? found[0]?.id
  if (existingId === undefined) planNewInvoice(planning, invoice)
  else planKnownInvoice(planning, invoice, record, found, existingId)
}

const planKnownInvoice = (
  planning: TransferPlanning,
  invoice: TransferInvoice,
  record: TransferRecord | undefined,
  found: ReadonlyArray<ExactSalesInvoiceRef>,
  existingId: string
): void => {
  // Exact's own status wins over the ledger: a run killed after printing but before the ledger
  // update must not print again (Exact refuses, and errors count towards its hourly block).
  const processed = (record !== undefined && record.status !== "created") || found.some((exact) => exact.status >= 50)
  if (!processed && (planning.transfer?.process ?? true)) {
    planning.operations.push(
      new ProcessSalesInvoice({
        idempotencyKey: salesInvoiceProcessKey(planning.index.linkId, invoice),
        dependsOn: [],
        connectwiseInvoiceId: invoice.id,
        invoice: new ExistingSalesInvoice({ id: existingId }),
        invoiceDate: invoice.date
      })
    )
    return
  }
  planning.skipped.push(
    new Skip({
      connectwiseInvoiceId: invoice.id,
      number: invoice.number,
      exactInvoiceId: existingId,
      reason:
        record !== undefined
          ? `already transferred (${record.status})`
          : `Exact already has invoice ${existingId} with YourRef ${invoice.number}`
    })
  )
}

const planNewInvoice = (planning: TransferPlanning, invoice: TransferInvoice): void => {
  const { index, transfer } = planning
  if (transfer === undefined) {
    planning.blocked.push(
      new Blocked({
        connectwiseInvoiceId: invoice.id,
        number: invoice.number,
        reasons: ["the link has no transfer settings"],
        codes: ["Mapping"]
      })
    )
    return
  }
  const reasons = new Reasons()
  if (invoice.lines.length === 0) reasons.add("Input", "the invoice has no lines")
  // The same checks as entry mode: nothing Exact cannot take is sent.
  const { account, dueDate, paymentCondition } = bookingChecks(planning, transfer, invoice, reasons)
  const credit = invoice.type === "CreditMemo"
  const { lines, total } = salesLinesOf(planning, invoice, credit, reasons)
  if (reasons.empty) totalsCheck(invoice, lines, reasons)
  if (!reasons.empty || account === undefined) {
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
  const base = invoice.description ?? `${credit ? "Credit memo" : "Invoice"} ${invoice.number}`
  const withNumber = base.includes(invoice.number) ? base : `${base} ${invoice.number}`
  const description = invoice.customerPO === undefined ? withNumber : `${withNumber} (PO ${invoice.customerPO})`
  const create = new CreateSalesInvoice({
    idempotencyKey: salesInvoiceCreateKey(index.linkId, invoice),
    dependsOn: account._tag === "Created" ? [account.opKey] : [],
    connectwiseInvoiceId: invoice.id,
    kind: credit ? "credit-note" : "invoice",
    type: credit ? 8021 : 8020,
    yourRef: invoice.number,
    account,
    journal: transfer.journal,
    invoiceDate: invoice.date,
    ...(dueDate === undefined ? {} : { dueDate }),
    ...(paymentCondition === undefined ? {} : { paymentCondition }),
    currency: invoice.currency,
    description: description.slice(0, 255),
    lines,
    totalExclVat: total
  })
  planning.operations.push(create)
  if (transfer.process ?? true) {
    planning.operations.push(
      new ProcessSalesInvoice({
        idempotencyKey: salesInvoiceProcessKey(index.linkId, invoice),
        dependsOn: [create.idempotencyKey],
        connectwiseInvoiceId: invoice.id,
        invoice: new Created({ opKey: create.idempotencyKey }),
        invoiceDate: invoice.date
      })
    )
  }
  if (transfer.attachPdf ?? true) {
    // After the print, but depending on the create alone: a failed print leaves the invoice in
    // Exact, and its PDF is attached all the same.
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

// The Exact lines (an item and a VAT code each) and their total; what cannot be booked goes to `reasons`.
const salesLinesOf = (
  planning: TransferPlanning,
  invoice: TransferInvoice,
  credit: boolean,
  reasons: Reasons
): { readonly lines: Array<SalesInvoiceLine>; readonly total: BigDecimal.BigDecimal } => {
  const { index, transfer } = planning
  const lines: Array<SalesInvoiceLine> = []
  let total = ZERO
  // ConnectWise's tax spread over its taxed lines per VAT rate, so Exact's total is ConnectWise's to the cent.
  const vatAmounts =
    invoice.tax === undefined
      ? undefined
      : spreadVat(
          credit && BigDecimal.isPositive(invoice.tax) ? BigDecimal.negate(invoice.tax) : invoice.tax,
          invoice.lines.map((line) => {
            const net = BigDecimal.multiply(line.quantity, line.unitPrice)
            const signed = credit ? BigDecimal.negate(BigDecimal.abs(net)) : net
            const vatCode = transfer?.vatCodes[line.taxCode ?? invoice.taxCode ?? ""]
            return {
              net: line.taxable === false ? ZERO : signed,
              vat: vatCode === undefined ? undefined : index.vatCodes.get(vatCode.trim())
            }
          })
        )
  for (const [lineIndex, line] of invoice.lines.entries()) {
    const itemReasons: Array<string> = []
    const item = itemFor(index, transfer?.defaultItemCode, line, itemReasons)
    for (const reason of itemReasons) reasons.add("Mapping", reason)
    const taxCode = line.taxCode ?? invoice.taxCode
    const vatCode = taxCode === undefined ? undefined : transfer?.vatCodes[taxCode]
    if (taxCode === undefined) reasons.add("VatCode", `line ${line.id} has no tax code`)
    else if (vatCode === undefined) reasons.add("VatCode", `tax code ${taxCode} has no Exact VAT code`)
    else {
      const vat = index.vatCodes.get(vatCode.trim())
      if (vat === undefined)
        reasons.add("VatCode", `Exact VAT code ${vatCode} (for tax code ${taxCode}) does not exist`)
      else if (vat.blocked) reasons.add("VatCode", `Exact VAT code ${vatCode} is blocked`)
    }
    if (item === undefined || vatCode === undefined) continue
    // An Exact credit note carries negative quantities.
    const quantity = credit ? BigDecimal.negate(BigDecimal.abs(line.quantity)) : line.quantity
    total = BigDecimal.sum(total, BigDecimal.multiply(quantity, line.unitPrice))
    lines.push(
      new SalesInvoiceLine({
        itemId: item.id,
        itemCode: item.code.trim(),
        quantity,
        netPrice: line.unitPrice,
        vatCode,
        description: line.description,
        ...(vatAmounts?.[lineIndex] === undefined ? {} : { vatAmount: vatAmounts[lineIndex] })
      })
    )
  }
  return { lines, total }
}

/**
 * Before sending: the lines' nets (as Exact computes them, quantity × price per line) and the VAT
 * amounts sent must add up to ConnectWise's subtotal, tax and total, else a reason with the difference.
 */
const totalsCheck = (invoice: TransferInvoice, lines: ReadonlyArray<SalesInvoiceLine>, reasons: Reasons): void => {
  // Without ConnectWise's total and tax no VAT amounts are sent and Exact computes them: nothing to
  // compare (ConnectWise's API always gives both; older ledgers' inputs may not).
  if (invoice.total === undefined || invoice.tax === undefined) return
  const credit = invoice.type === "CreditMemo"
  const sign = (value: BigDecimal.BigDecimal) =>
    credit && BigDecimal.isPositive(invoice.total ?? ZERO) ? BigDecimal.negate(value) : value
  const net = lines.reduce((a, l) => BigDecimal.sum(a, roundTo(BigDecimal.multiply(l.quantity, l.netPrice))), ZERO)
  const vat = lines.reduce((a, l) => BigDecimal.sum(a, l.vatAmount ?? ZERO), ZERO)
  const total = roundTo(sign(invoice.total))
  const sent = BigDecimal.sum(net, vat)
  if (!BigDecimal.equals(sent, total)) {
    const fmt = (value: BigDecimal.BigDecimal) => BigDecimal.format(BigDecimal.scale(value, 2))
    reasons.add(
      "TotalsDiffer",
      `the lines add up to ${fmt(sent)} (net ${fmt(net)}, VAT ${fmt(vat)}), ConnectWise's total is ${fmt(total)} (difference ${fmt(BigDecimal.subtract(sent, total))})`
    )
  }
}

/**
 * The due date (the invoice's, else its billing terms') and the Exact payment condition (the
 * settings' for the terms, else the only one with the terms' days).
 */
export const termsOfInvoice =
  (index: TransferIndex, transfer: TransferSettings | undefined) => (invoice: TransferInvoice) => {
    const term = invoice.billingTermsId === undefined ? undefined : index.terms.get(invoice.billingTermsId)
    const dueDate = invoice.dueDate ?? (term === undefined ? undefined : addDays(invoice.date, term.dueDays))
    const byDays = term === undefined ? [] : (index.conditionsByDays.get(String(term.dueDays)) ?? [])
    const paymentCondition =
      (invoice.billingTermsId === undefined
        ? undefined
        : transfer?.paymentConditions?.[String(invoice.billingTermsId)]) ??
      (byDays.length === 1 ? byDays[0]?.code : undefined)
    return { dueDate, paymentCondition, termsKnown: invoice.billingTermsId !== undefined }
  }
