import { BigDecimal, Schema } from "effect"
import { Created, idempotencyKey } from "./ChangePlan.ts"
import { ZERO } from "./internal/lines.ts"
import { identifierKey } from "./internal/SnapshotIndex.ts"
import type { LinkSettings } from "./LinkSettings.ts"
import type { Mapping } from "./Mapping.ts"
import { PsaCompany, PsaProduct } from "./PsaSnapshot.ts"
import type { TransferRecord } from "./ports/TransferLedger.ts"
import { addDays, Decimal, LocalDate } from "./Values.ts"

/**
 * One line of a ConnectWise invoice, as flow B needs it.
 *
 * @since 0.1.0
 */
export class TransferInvoiceLine extends Schema.Class<TransferInvoiceLine>("TransferInvoiceLine")({
  id: Schema.String,
  /** The catalog item; absent for lines without a product (e.g. an agreement amount). */
  productId: Schema.optional(Schema.Int),
  description: Schema.String,
  quantity: Decimal,
  /** The net unit price, excluding VAT. */
  unitPrice: Decimal,
  /** The ConnectWise tax code identifier of the line; the invoice's when absent. */
  taxCode: Schema.optional(Schema.String)
}) {}

/**
 * A ConnectWise invoice with its lines.
 *
 * @since 0.1.0
 */
export class TransferInvoice extends Schema.Class<TransferInvoice>("TransferInvoice")({
  id: Schema.Int,
  number: Schema.String,
  /** ConnectWise's invoice type: `Standard`, `Agreement`, `CreditMemo`, … */
  type: Schema.String,
  companyId: Schema.Int,
  date: LocalDate,
  dueDate: Schema.optional(LocalDate),
  billingTermsId: Schema.optional(Schema.Int),
  currency: Schema.String,
  taxCode: Schema.optional(Schema.String),
  description: Schema.optional(Schema.String),
  lines: Schema.Array(TransferInvoiceLine)
}) {}

/**
 * ConnectWise billing terms: the days until an invoice is due.
 *
 * @since 0.1.0
 */
export class PsaBillingTerms extends Schema.Class<PsaBillingTerms>("PsaBillingTerms")({
  id: Schema.Int,
  name: Schema.String,
  dueDays: Schema.Int
}) {}

/**
 * An Exact Online account (crm/Accounts). `code` as Exact gives it (space padded is fine).
 *
 * @since 0.1.0
 */
export class ExactAccount extends Schema.Class<ExactAccount>("ExactAccount")({
  id: Schema.String,
  code: Schema.String,
  name: Schema.String
}) {}

/**
 * An Exact Online item (logistics/Items).
 *
 * @since 0.1.0
 */
export class ExactItem extends Schema.Class<ExactItem>("ExactItem")({
  id: Schema.String,
  code: Schema.String,
  description: Schema.String
}) {}

/**
 * An Exact Online VAT code (vat/VATCodes).
 *
 * @since 0.1.0
 */
export class ExactVatCode extends Schema.Class<ExactVatCode>("ExactVatCode")({
  code: Schema.String,
  percentage: Schema.optional(Decimal),
  blocked: Schema.Boolean
}) {}

/**
 * An Exact Online payment condition.
 *
 * @since 0.1.0
 */
export class ExactPaymentCondition extends Schema.Class<ExactPaymentCondition>("ExactPaymentCondition")({
  code: Schema.String,
  days: Schema.Int
}) {}

/**
 * An Exact Online sales invoice found by `YourRef`: evidence of an earlier transfer whose ledger
 * record was lost (a crash between the POST and the record).
 *
 * @since 0.1.0
 */
export class ExactSalesInvoiceRef extends Schema.Class<ExactSalesInvoiceRef>("ExactSalesInvoiceRef")({
  id: Schema.String,
  yourRef: Schema.String,
  invoiceNumber: Schema.optional(Schema.String),
  /** Exact's status: 20 open (not processed), 50 processed. */
  status: Schema.Int
}) {}

/**
 * Everything flow B reads besides the invoices, loaded in bulk once per run.
 *
 * @since 0.1.0
 */
export class TransferSnapshot extends Schema.Class<TransferSnapshot>("TransferSnapshot")({
  linkId: Schema.String,
  companies: Schema.Array(PsaCompany),
  products: Schema.Array(PsaProduct),
  billingTerms: Schema.Array(PsaBillingTerms),
  accounts: Schema.Array(ExactAccount),
  items: Schema.Array(ExactItem),
  vatCodes: Schema.Array(ExactVatCode),
  paymentConditions: Schema.Array(ExactPaymentCondition),
  /** Exact sales invoices whose `YourRef` is one of the invoices' numbers. */
  salesInvoices: Schema.Array(ExactSalesInvoiceRef),
  /** The division's journal codes; when given, the settings' journal must be one of them. */
  journals: Schema.optional(Schema.Array(Schema.String))
}) {}

/**
 * An Exact account that exists.
 *
 * @since 0.1.0
 */
export class ExistingAccount extends Schema.TaggedClass<ExistingAccount>()("ExistingAccount", {
  id: Schema.String
}) {}

/**
 * Create an Exact account for a ConnectWise company.
 *
 * @since 0.1.0
 */
export class CreateAccount extends Schema.TaggedClass<CreateAccount>()("CreateAccount", {
  idempotencyKey: Schema.String,
  dependsOn: Schema.Array(Schema.String),
  connectwiseCompanyId: Schema.Int,
  code: Schema.String,
  name: Schema.String,
  vatNumber: Schema.optional(Schema.String),
  cocNumber: Schema.optional(Schema.String),
  paymentCondition: Schema.optional(Schema.String)
}) {}

/**
 * One line of an Exact sales invoice.
 *
 * @since 0.1.0
 */
export class SalesInvoiceLine extends Schema.Class<SalesInvoiceLine>("SalesInvoiceLine")({
  itemId: Schema.String,
  itemCode: Schema.String,
  quantity: Decimal,
  netPrice: Decimal,
  vatCode: Schema.String,
  description: Schema.String
}) {}

/**
 * Create an Exact sales invoice (type 8020) or credit note (8021) with `YourRef` = the
 * ConnectWise invoice number, so a retry can find it.
 *
 * @since 0.1.0
 */
export class CreateSalesInvoice extends Schema.TaggedClass<CreateSalesInvoice>()("CreateSalesInvoice", {
  idempotencyKey: Schema.String,
  dependsOn: Schema.Array(Schema.String),
  connectwiseInvoiceId: Schema.Int,
  kind: Schema.Literals(["invoice", "credit-note"]),
  type: Schema.Literals([8020, 8021]),
  yourRef: Schema.String,
  account: Schema.Union([ExistingAccount, Created]),
  journal: Schema.String,
  invoiceDate: LocalDate,
  dueDate: Schema.optional(LocalDate),
  paymentCondition: Schema.optional(Schema.String),
  currency: Schema.String,
  description: Schema.String,
  lines: Schema.Array(SalesInvoiceLine),
  /** Σ quantity × net price, excluding VAT, for checking against Exact's totals. */
  totalExclVat: Decimal
}) {}

/**
 * An invoice Exact already has.
 *
 * @since 0.1.0
 */
export class ExistingSalesInvoice extends Schema.TaggedClass<ExistingSalesInvoice>()("ExistingSalesInvoice", {
  id: Schema.String
}) {}

/**
 * Process (print) the sales invoice so Exact books it and payments and reminders apply.
 *
 * @since 0.1.0
 */
export class ProcessSalesInvoice extends Schema.TaggedClass<ProcessSalesInvoice>()("ProcessSalesInvoice", {
  idempotencyKey: Schema.String,
  dependsOn: Schema.Array(Schema.String),
  connectwiseInvoiceId: Schema.Int,
  invoice: Schema.Union([ExistingSalesInvoice, Created]),
  invoiceDate: LocalDate
}) {}

/**
 * The invoice was transferred before: nothing to do.
 *
 * @since 0.1.0
 */
export class Skip extends Schema.TaggedClass<Skip>()("Skip", {
  connectwiseInvoiceId: Schema.Int,
  number: Schema.String,
  exactInvoiceId: Schema.String,
  reason: Schema.String
}) {}

/**
 * The invoice cannot be transferred until the reasons are fixed (an unmapped tax code or item…).
 *
 * @since 0.1.0
 */
export class Blocked extends Schema.TaggedClass<Blocked>()("Blocked", {
  connectwiseInvoiceId: Schema.Int,
  number: Schema.String,
  reasons: Schema.Array(Schema.String)
}) {}

/**
 * An executable flow-B operation.
 *
 * @since 0.1.0
 */
export const TransferOperation = Schema.Union([CreateAccount, CreateSalesInvoice, ProcessSalesInvoice])

/** @since 0.1.0 */
export type TransferOperation = typeof TransferOperation.Type

/**
 * The plan of a transfer run: operations in order, and the invoices skipped or blocked.
 *
 * @since 0.1.0
 */
export class TransferPlan extends Schema.Class<TransferPlan>("TransferPlan")({
  linkId: Schema.String,
  operations: Schema.Array(TransferOperation),
  skipped: Schema.Array(Skip),
  blocked: Schema.Array(Blocked)
}) {}

const byKey = <T>(items: ReadonlyArray<T>, key: (item: T) => string) => {
  const map = new Map<string, Array<T>>()
  for (const item of items) {
    const k = key(item)
    const list = map.get(k)
    if (list === undefined) map.set(k, [item])
    else list.push(item)
  }
  return map
}

/**
 * Plans the transfer of ConnectWise invoices to Exact Online: an account per unknown customer,
 * a sales invoice (credit memo → credit note, with negative quantities) with `YourRef` = the
 * ConnectWise number, and processing. An invoice in the ledger, or found in Exact by `YourRef`,
 * is skipped (or only processed, when it was created but not processed); one with an unmapped
 * tax code, item or account is blocked with the reasons. Linear in invoices and lines.
 *
 * Lookups: accounts by customer mapping (Exact key → company id) then by code = company
 * identifier; items by product mapping then by code = catalog identifier; VAT codes through
 * `settings.transfer.vatCodes`.
 *
 * @example
 * ```ts
 * import { planInvoiceTransfer } from "@psa-ledger/reconcile-core"
 *
 * const transfer = planInvoiceTransfer(invoices, snapshot, mappings, ledgerRecords, settings)
 * transfer.blocked // [{ number: "INV-7", reasons: ["tax code HIGH has no Exact VAT code"] }]
 * ```
 *
 * @since 0.1.0
 */
export const planInvoiceTransfer = (
  invoices: ReadonlyArray<TransferInvoice>,
  snapshot: TransferSnapshot,
  mappings: ReadonlyArray<Mapping>,
  ledger: ReadonlyMap<number, TransferRecord> | ReadonlyArray<TransferRecord>,
  settings: LinkSettings
): TransferPlan => {
  const linkId = snapshot.linkId
  const records: ReadonlyMap<number, TransferRecord> =
    ledger instanceof Map
      ? ledger
      : new Map((ledger as ReadonlyArray<TransferRecord>).map((r) => [r.connectwiseInvoiceId, r]))
  const transfer = settings.transfer
  const process = transfer?.process ?? true
  const companies = new Map(snapshot.companies.map((company) => [company.id, company]))
  const products = new Map(snapshot.products.map((product) => [product.id, product]))
  const terms = new Map(snapshot.billingTerms.map((term) => [term.id, term]))
  const accountsById = new Map(snapshot.accounts.map((account) => [account.id, account]))
  const accountsByCode = byKey(snapshot.accounts, (account) => identifierKey(account.code))
  const itemsById = new Map(snapshot.items.map((item) => [item.id, item]))
  const itemsByCode = byKey(snapshot.items, (item) => identifierKey(item.code))
  const vatCodes = new Map(snapshot.vatCodes.map((vat) => [vat.code.trim(), vat]))
  const conditionsByDays = byKey(snapshot.paymentConditions, (condition) => String(condition.days))
  const exactByYourRef = byKey(snapshot.salesInvoices, (invoice) => invoice.yourRef.trim())
  const customerMappings = byKey(
    mappings.filter((m) => m.kind === "customer"),
    (m) => String(m.targetId)
  )
  const productMappings = byKey(
    mappings.filter((m) => m.kind === "product"),
    (m) => String(m.targetId)
  )
  const accounts: Array<CreateAccount> = []
  const accountOps = new Map<number, CreateAccount>()
  const invoiceOps: Array<TransferOperation> = []
  const skipped: Array<Skip> = []
  const blocked: Array<Blocked> = []

  const accountFor = (companyId: number, reasons: Array<string>): ExistingAccount | Created | undefined => {
    const mapped = customerMappings.get(String(companyId)) ?? []
    const mappedAccounts = [
      ...new Set(
        mapped.flatMap((m) => {
          const account = accountsById.get(m.sourceKey) ?? accountsByCode.get(identifierKey(m.sourceKey))?.[0]
          return account === undefined ? [] : [account.id]
        })
      )
    ]
    if (mappedAccounts.length > 1) {
      reasons.push(`company ${companyId} is mapped to several Exact accounts (${mappedAccounts.join(", ")})`)
      return undefined
    }
    if (mappedAccounts.length === 1) return new ExistingAccount({ id: mappedAccounts[0] as string })
    const company = companies.get(companyId)
    if (company === undefined) {
      reasons.push(`company ${companyId} is not in the snapshot`)
      return undefined
    }
    const byCode = accountsByCode.get(identifierKey(company.identifier)) ?? []
    if (byCode.length > 1) {
      reasons.push(`several Exact accounts have code ${company.identifier.trim()}`)
      return undefined
    }
    if (byCode.length === 1) return new ExistingAccount({ id: (byCode[0] as ExactAccount).id })
    let create = accountOps.get(companyId)
    if (create === undefined) {
      create = new CreateAccount({
        idempotencyKey: idempotencyKey(
          "CreateAccount",
          linkId,
          { start: "", end: "" },
          [companyId],
          "code",
          company.identifier
        ),
        dependsOn: [],
        connectwiseCompanyId: companyId,
        code: company.identifier.trim(),
        name: company.name,
        ...(company.vatNumber === undefined ? {} : { vatNumber: company.vatNumber }),
        ...(company.cocNumber === undefined ? {} : { cocNumber: company.cocNumber })
      })
      accountOps.set(companyId, create)
      accounts.push(create)
    }
    return new Created({ opKey: create.idempotencyKey })
  }

  const itemFor = (line: TransferInvoiceLine, reasons: Array<string>): ExactItem | undefined => {
    if (line.productId === undefined) {
      const fallback = transfer?.defaultItemCode
      const item = fallback === undefined ? undefined : itemsByCode.get(identifierKey(fallback))?.[0]
      if (item === undefined) reasons.push(`line ${line.id} has no product and no default Exact item is configured`)
      return item
    }
    const mapped = [
      ...new Set(
        (productMappings.get(String(line.productId)) ?? []).flatMap((m) => {
          const item = itemsById.get(m.sourceKey) ?? itemsByCode.get(identifierKey(m.sourceKey))?.[0]
          return item === undefined ? [] : [item]
        })
      )
    ]
    if (mapped.length === 1) return mapped[0]
    if (mapped.length > 1) {
      reasons.push(`catalog item ${line.productId} is mapped to several Exact items`)
      return undefined
    }
    const product = products.get(line.productId)
    const byCode = product === undefined ? [] : (itemsByCode.get(identifierKey(product.identifier)) ?? [])
    if (byCode.length === 1) return byCode[0]
    reasons.push(
      byCode.length > 1
        ? `several Exact items have code ${product?.identifier.trim()}`
        : `catalog item ${product?.identifier ?? line.productId} has no Exact item (line ${line.id})`
    )
    return undefined
  }

  for (const invoice of [...invoices].sort((a, b) => a.id - b.id)) {
    const record = records.get(invoice.id)
    const found = exactByYourRef.get(invoice.number.trim()) ?? []
    const existingId = record?.exactInvoiceId ?? found[0]?.id
    if (existingId !== undefined) {
      // Exact's own status wins over the ledger: a run killed after printing but before the ledger
      // update must not print again (Exact refuses, and errors count towards its hourly block).
      const processed =
        (record !== undefined && record.status !== "created") || found.some((exact) => exact.status >= 50)
      if (!processed && process) {
        invoiceOps.push(
          new ProcessSalesInvoice({
            idempotencyKey: salesInvoiceProcessKey(linkId, invoice),
            dependsOn: [],
            connectwiseInvoiceId: invoice.id,
            invoice: new ExistingSalesInvoice({ id: existingId }),
            invoiceDate: invoice.date
          })
        )
      } else {
        skipped.push(
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
      continue
    }
    const reasons: Array<string> = []
    if (transfer === undefined) reasons.push("the link has no transfer settings")
    else if (snapshot.journals !== undefined && !snapshot.journals.includes(transfer.journal)) {
      reasons.push(`journal ${transfer.journal} does not exist in the Exact division`)
    }
    if (invoice.lines.length === 0) reasons.push("the invoice has no lines")
    const account = accountFor(invoice.companyId, reasons)
    const credit = invoice.type === "CreditMemo"
    const lines: Array<SalesInvoiceLine> = []
    let total = ZERO
    for (const line of invoice.lines) {
      const item = itemFor(line, reasons)
      const taxCode = line.taxCode ?? invoice.taxCode
      const vatCode = taxCode === undefined ? undefined : transfer?.vatCodes[taxCode]
      if (taxCode === undefined) reasons.push(`line ${line.id} has no tax code`)
      else if (vatCode === undefined) reasons.push(`tax code ${taxCode} has no Exact VAT code`)
      else {
        const vat = vatCodes.get(vatCode.trim())
        if (vat === undefined) reasons.push(`Exact VAT code ${vatCode} (for tax code ${taxCode}) does not exist`)
        else if (vat.blocked) reasons.push(`Exact VAT code ${vatCode} is blocked`)
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
          description: line.description
        })
      )
    }
    if (reasons.length > 0 || account === undefined || transfer === undefined) {
      blocked.push(
        new Blocked({ connectwiseInvoiceId: invoice.id, number: invoice.number, reasons: [...new Set(reasons)] })
      )
      continue
    }
    const term = invoice.billingTermsId === undefined ? undefined : terms.get(invoice.billingTermsId)
    const dueDate = invoice.dueDate ?? (term === undefined ? undefined : addDays(invoice.date, term.dueDays))
    const byDays = term === undefined ? [] : (conditionsByDays.get(String(term.dueDays)) ?? [])
    const paymentCondition =
      (invoice.billingTermsId === undefined
        ? undefined
        : transfer.paymentConditions?.[String(invoice.billingTermsId)]) ??
      (byDays.length === 1 ? byDays[0]?.code : undefined)
    const create = new CreateSalesInvoice({
      idempotencyKey: salesInvoiceCreateKey(linkId, invoice),
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
      description: invoice.description ?? `${credit ? "Credit memo" : "Invoice"} ${invoice.number}`,
      lines,
      totalExclVat: total
    })
    invoiceOps.push(create)
    if (process) {
      invoiceOps.push(
        new ProcessSalesInvoice({
          idempotencyKey: salesInvoiceProcessKey(linkId, invoice),
          dependsOn: [create.idempotencyKey],
          connectwiseInvoiceId: invoice.id,
          invoice: new Created({ opKey: create.idempotencyKey }),
          invoiceDate: invoice.date
        })
      )
    }
  }
  return new TransferPlan({ linkId, operations: [...accounts, ...invoiceOps], skipped, blocked })
}

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
): string =>
  idempotencyKey(
    "CreateSalesInvoice",
    linkId,
    { start: invoice.date, end: invoice.date },
    [invoice.id],
    "yourRef",
    invoice.number
  )

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
): string =>
  idempotencyKey(
    "ProcessSalesInvoice",
    linkId,
    { start: invoice.date, end: invoice.date },
    [invoice.id],
    "invoice",
    "processed"
  )
