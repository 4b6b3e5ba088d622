import { createAccountKey } from "../../IdempotencyKeys.ts"
import type { Mapping } from "../../Mapping.ts"
import type { PsaCompany, PsaProduct } from "../../PsaSnapshot.ts"
import {
  CreateAccount,
  type ExactAccount,
  type ExactGLAccount,
  type ExactItem,
  type ExactPaymentCondition,
  type ExactSalesEntryRef,
  type ExactSalesInvoiceRef,
  type ExactVatCode,
  ExistingAccount,
  type PsaBillingTerms,
  type TransferCompany,
  type TransferInvoiceLine,
  type TransferSnapshot
} from "../../Transfer.ts"
import { identifierKey } from "../SnapshotIndex.ts"

const byKey = <T, K = string>(items: ReadonlyArray<T>, key: (item: T) => K) => {
  const map = new Map<K, Array<T>>()
  for (const item of items) {
    const k = key(item)
    const list = map.get(k)
    if (list === undefined) map.set(k, [item])
    else list.push(item)
  }
  return map
}

/** A transfer run's snapshot and mappings, indexed once. */
export interface TransferIndex {
  readonly linkId: string
  readonly companies: ReadonlyMap<number, PsaCompany>
  readonly products: ReadonlyMap<number, PsaProduct>
  readonly terms: ReadonlyMap<number, PsaBillingTerms>
  readonly accountsById: ReadonlyMap<string, ExactAccount>
  readonly accountsByCode: ReadonlyMap<string, ReadonlyArray<ExactAccount>>
  readonly itemsById: ReadonlyMap<string, ExactItem>
  readonly itemsByCode: ReadonlyMap<string, ReadonlyArray<ExactItem>>
  readonly vatCodes: ReadonlyMap<string, ExactVatCode>
  readonly conditionsByDays: ReadonlyMap<string, ReadonlyArray<ExactPaymentCondition>>
  readonly exactByYourRef: ReadonlyMap<string, ReadonlyArray<ExactSalesInvoiceRef>>
  readonly accountsByVat: ReadonlyMap<string, ReadonlyArray<ExactAccount>>
  readonly accountsByCoc: ReadonlyMap<string, ReadonlyArray<ExactAccount>>
  readonly companyDetails: ReadonlyMap<number, TransferCompany>
  readonly glAccountsById: ReadonlyMap<string, ExactGLAccount>
  readonly glAccountsByCode: ReadonlyMap<string, ReadonlyArray<ExactGLAccount>>
  /** Sales entries of the journal by entry number. */
  readonly entriesByNumber: ReadonlyMap<number, ReadonlyArray<ExactSalesEntryRef>>
  /** Sales entries by `YourRef` (trimmed). */
  readonly entriesByYourRef: ReadonlyMap<string, ReadonlyArray<ExactSalesEntryRef>>
  /** Customer mappings by ConnectWise company id. */
  readonly customerMappings: ReadonlyMap<string, ReadonlyArray<Mapping>>
  /** Product mappings by ConnectWise catalog item id. */
  readonly productMappings: ReadonlyMap<string, ReadonlyArray<Mapping>>
}

export const transferIndexOf = (snapshot: TransferSnapshot, mappings: ReadonlyArray<Mapping>): TransferIndex => ({
  linkId: snapshot.linkId,
  companies: new Map(snapshot.companies.map((company) => [company.id, company])),
  products: new Map(snapshot.products.map((product) => [product.id, product])),
  terms: new Map(snapshot.billingTerms.map((term) => [term.id, term])),
  accountsById: new Map(snapshot.accounts.map((account) => [account.id, account])),
  accountsByCode: byKey(snapshot.accounts, (account) => codeKey(account.code)),
  itemsById: new Map(snapshot.items.map((item) => [item.id, item])),
  itemsByCode: byKey(snapshot.items, (item) => identifierKey(item.code)),
  vatCodes: new Map(snapshot.vatCodes.map((vat) => [vat.code.trim(), vat])),
  conditionsByDays: byKey(snapshot.paymentConditions, (condition) => String(condition.days)),
  exactByYourRef: byKey(snapshot.salesInvoices, (invoice) => invoice.yourRef.trim()),
  accountsByVat: byKey(
    snapshot.accounts.filter((a) => a.vatNumber !== undefined && taxKey(a.vatNumber) !== ""),
    (a) => taxKey(a.vatNumber ?? "")
  ),
  accountsByCoc: byKey(
    snapshot.accounts.filter((a) => a.cocNumber !== undefined && taxKey(a.cocNumber) !== ""),
    (a) => taxKey(a.cocNumber ?? "")
  ),
  companyDetails: new Map((snapshot.companyDetails ?? []).map((c) => [c.id, c])),
  glAccountsById: new Map((snapshot.glAccounts ?? []).map((gl) => [gl.id.toLowerCase(), gl])),
  glAccountsByCode: byKey(snapshot.glAccounts ?? [], (gl) => identifierKey(gl.code)),
  entriesByNumber: byKey(snapshot.salesEntries ?? [], (entry) => entry.entryNumber),
  entriesByYourRef: byKey(
    (snapshot.salesEntries ?? []).filter((e) => e.yourRef !== undefined),
    (entry) => (entry.yourRef ?? "").trim()
  ),
  customerMappings: byKey(
    mappings.filter((m) => m.kind === "customer"),
    (m) => String(m.targetId)
  ),
  productMappings: byKey(
    mappings.filter((m) => m.kind === "product"),
    (m) => String(m.targetId)
  )
})

/** A VAT or chamber-of-commerce number compared without spaces, dots or case. */
export const taxKey = (text: string): string => text.replace(/[\s.-]/g, "").toUpperCase()

/** A code as Exact keeps it, compared: numeric codes without their padding or leading zeros. */
export const codeKey = (text: string): string => {
  const trimmed = text.trim()
  return /^\d+$/.test(trimmed) ? trimmed.replace(/^0+(?=\d)/, "") : identifierKey(trimmed)
}

/** What resolving an invoice's customer found: an account, one to create, or nothing certain. */
export type CustomerResolution =
  | { readonly _tag: "Found"; readonly account: ExistingAccount; readonly how: string }
  | { readonly _tag: "Create"; readonly create: CreateAccount }
  | { readonly _tag: "Unresolved"; readonly reason: string; readonly code: string }

const unique = <T extends { readonly id: string }>(list: ReadonlyArray<T> | undefined) => {
  const ids = [...new Set((list ?? []).map((item) => item.id))]
  return ids
}

/**
 * The Exact account of a ConnectWise company, never a duplicate: the remembered mapping, then the
 * account whose code is the company's `accountNumber` or `identifier` (numeric codes compared
 * the way Exact pads them), then the only account with the company's VAT number, then the only
 * one with its chamber-of-commerce number. Only then one to create (planned once per company);
 * a key that matches several accounts is not certain and resolves nothing.
 */
export const resolveCustomer = (
  index: TransferIndex,
  accountsToCreate: Map<number, CreateAccount>,
  companyId: number,
  createAccounts: "ask" | "auto" | "never"
): CustomerResolution => {
  const mapped = index.customerMappings.get(String(companyId)) ?? []
  const mappedAccounts = [
    ...new Set(
      mapped.flatMap((m) => {
        const account = index.accountsById.get(m.sourceKey) ?? index.accountsByCode.get(codeKey(m.sourceKey))?.[0]
        return account === undefined ? [] : [account.id]
      })
    )
  ]
  if (mappedAccounts.length > 1) {
    return {
      _tag: "Unresolved",
      code: "NeedsCustomer",
      reason: `company ${companyId} is mapped to several Exact accounts (${mappedAccounts.join(", ")})`
    }
  }
  if (mappedAccounts.length === 1) {
    return { _tag: "Found", account: new ExistingAccount({ id: mappedAccounts[0] as string }), how: "mapping" }
  }
  const company = index.companies.get(companyId)
  if (company === undefined) {
    return { _tag: "Unresolved", code: "Input", reason: `company ${companyId} is not in the snapshot` }
  }
  const details = index.companyDetails.get(companyId)
  const keys: Array<readonly [string, ReadonlyArray<string>]> = []
  for (const code of [details?.accountNumber, company.identifier]) {
    if (code !== undefined && code.trim() !== "")
      keys.push([`code ${code.trim()}`, unique(index.accountsByCode.get(codeKey(code)))])
  }
  if (company.vatNumber !== undefined && taxKey(company.vatNumber) !== "") {
    keys.push([`VAT number ${company.vatNumber}`, unique(index.accountsByVat.get(taxKey(company.vatNumber)))])
  }
  if (company.cocNumber !== undefined && taxKey(company.cocNumber) !== "") {
    keys.push([`chamber of commerce ${company.cocNumber}`, unique(index.accountsByCoc.get(taxKey(company.cocNumber)))])
  }
  for (const [how, ids] of keys) {
    if (ids.length === 1) return { _tag: "Found", account: new ExistingAccount({ id: ids[0] as string }), how }
    if (ids.length > 1) {
      return {
        _tag: "Unresolved",
        code: "NeedsCustomer",
        reason: `several Exact accounts have ${how} (${ids.join(", ")}): map the company to one`
      }
    }
  }
  if (createAccounts === "never") {
    return {
      _tag: "Unresolved",
      code: "NeedsCustomer",
      reason: `company ${company.identifier} (${company.name}) has no Exact account and the settings create none`
    }
  }
  let create = accountsToCreate.get(companyId)
  if (create === undefined) {
    const words = company.name
      .toLowerCase()
      .split(/\W+/)
      .filter((w) => w.length > 3)
    const suggestions = [...index.accountsById.values()]
      .filter((a) => words.some((w) => a.name.toLowerCase().includes(w)))
      .slice(0, 5)
      .map((a) => `${a.code.trim()} ${a.name}`)
    create = new CreateAccount({
      idempotencyKey: createAccountKey(index.linkId, companyId, company.identifier),
      dependsOn: [],
      connectwiseCompanyId: companyId,
      // Entry mode takes the next free code in the settings' range when it runs; invoice mode the identifier.
      code: company.identifier.trim(),
      name: company.name,
      ...(company.vatNumber === undefined ? {} : { vatNumber: company.vatNumber }),
      ...(company.cocNumber === undefined ? {} : { cocNumber: company.cocNumber }),
      ...(details?.email === undefined ? {} : { email: details.email }),
      ...(details?.addressLine1 === undefined ? {} : { addressLine1: details.addressLine1 }),
      ...(details?.city === undefined ? {} : { city: details.city }),
      ...(details?.postcode === undefined ? {} : { postcode: details.postcode }),
      ...(details?.country === undefined ? {} : { country: details.country }),
      approved: createAccounts === "auto",
      suggestions
    })
    accountsToCreate.set(companyId, create)
  }
  return { _tag: "Create", create }
}

/**
 * The Exact item of an invoice line: by mapping, then by code = catalog identifier; a line without
 * a product takes the settings' default item. Records why not in `reasons`.
 */
export const itemFor = (
  index: TransferIndex,
  defaultItemCode: string | undefined,
  line: TransferInvoiceLine,
  reasons: Array<string>
): ExactItem | undefined => {
  if (line.productId === undefined) {
    const item = defaultItemCode === undefined ? undefined : index.itemsByCode.get(identifierKey(defaultItemCode))?.[0]
    if (item === undefined) reasons.push(`line ${line.id} has no product and no default Exact item is configured`)
    return item
  }
  const mapped = [
    ...new Set(
      (index.productMappings.get(String(line.productId)) ?? []).flatMap((m) => {
        const item = index.itemsById.get(m.sourceKey) ?? index.itemsByCode.get(identifierKey(m.sourceKey))?.[0]
        return item === undefined ? [] : [item]
      })
    )
  ]
  if (mapped.length === 1) return mapped[0]
  if (mapped.length > 1) {
    reasons.push(`catalog item ${line.productId} is mapped to several Exact items`)
    return undefined
  }
  const product = index.products.get(line.productId)
  const byCode = product === undefined ? [] : (index.itemsByCode.get(identifierKey(product.identifier)) ?? [])
  if (byCode.length === 1) return byCode[0]
  reasons.push(
    byCode.length > 1
      ? `several Exact items have code ${product?.identifier.trim()}`
      : `catalog item ${product?.identifier ?? line.productId} has no Exact item (line ${line.id})`
  )
  return undefined
}
