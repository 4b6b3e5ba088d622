import { Created } from "../../ChangePlan.ts"
import { createAccountKey } from "../../IdempotencyKeys.ts"
import type { Mapping } from "../../Mapping.ts"
import type { PsaCompany, PsaProduct } from "../../PsaSnapshot.ts"
import {
  CreateAccount,
  type ExactAccount,
  type ExactItem,
  type ExactPaymentCondition,
  type ExactSalesInvoiceRef,
  type ExactVatCode,
  ExistingAccount,
  type PsaBillingTerms,
  type TransferInvoiceLine,
  type TransferSnapshot
} from "../../Transfer.ts"
import { identifierKey } from "../SnapshotIndex.ts"

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
  accountsByCode: byKey(snapshot.accounts, (account) => identifierKey(account.code)),
  itemsById: new Map(snapshot.items.map((item) => [item.id, item])),
  itemsByCode: byKey(snapshot.items, (item) => identifierKey(item.code)),
  vatCodes: new Map(snapshot.vatCodes.map((vat) => [vat.code.trim(), vat])),
  conditionsByDays: byKey(snapshot.paymentConditions, (condition) => String(condition.days)),
  exactByYourRef: byKey(snapshot.salesInvoices, (invoice) => invoice.yourRef.trim()),
  customerMappings: byKey(
    mappings.filter((m) => m.kind === "customer"),
    (m) => String(m.targetId)
  ),
  productMappings: byKey(
    mappings.filter((m) => m.kind === "product"),
    (m) => String(m.targetId)
  )
})

/**
 * The Exact account of an invoice's company: by mapping, then by code = company identifier, else
 * one to create (planned once per company in `accountsToCreate`). Records why not in `reasons`.
 */
export const accountFor = (
  index: TransferIndex,
  accountsToCreate: Map<number, CreateAccount>,
  companyId: number,
  reasons: Array<string>
): ExistingAccount | Created | undefined => {
  const mapped = index.customerMappings.get(String(companyId)) ?? []
  const mappedAccounts = [
    ...new Set(
      mapped.flatMap((m) => {
        const account = index.accountsById.get(m.sourceKey) ?? index.accountsByCode.get(identifierKey(m.sourceKey))?.[0]
        return account === undefined ? [] : [account.id]
      })
    )
  ]
  if (mappedAccounts.length > 1) {
    reasons.push(`company ${companyId} is mapped to several Exact accounts (${mappedAccounts.join(", ")})`)
    return undefined
  }
  if (mappedAccounts.length === 1) return new ExistingAccount({ id: mappedAccounts[0] as string })
  const company = index.companies.get(companyId)
  if (company === undefined) {
    reasons.push(`company ${companyId} is not in the snapshot`)
    return undefined
  }
  const byCode = index.accountsByCode.get(identifierKey(company.identifier)) ?? []
  if (byCode.length > 1) {
    reasons.push(`several Exact accounts have code ${company.identifier.trim()}`)
    return undefined
  }
  if (byCode.length === 1) return new ExistingAccount({ id: (byCode[0] as ExactAccount).id })
  let create = accountsToCreate.get(companyId)
  if (create === undefined) {
    create = new CreateAccount({
      idempotencyKey: createAccountKey(index.linkId, companyId, company.identifier),
      dependsOn: [],
      connectwiseCompanyId: companyId,
      code: company.identifier.trim(),
      name: company.name,
      ...(company.vatNumber === undefined ? {} : { vatNumber: company.vatNumber }),
      ...(company.cocNumber === undefined ? {} : { cocNumber: company.cocNumber })
    })
    accountsToCreate.set(companyId, create)
  }
  return new Created({ opKey: create.idempotencyKey })
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
