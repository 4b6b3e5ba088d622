import type {
  PsaAddition,
  PsaAgreement,
  PsaCompany,
  PsaProduct,
  PsaSnapshot,
  UnreadableRecord
} from "../PsaSnapshot.ts"
import { NameIndex, normaliseKey } from "./text.ts"

const push = <K, V>(map: Map<K, Array<V>>, key: K, value: V) => {
  const list = map.get(key)
  if (list === undefined) map.set(key, [value])
  else list.push(value)
}

/**
 * Identifier comparison: trimmed and case-insensitive (Exact pads codes with spaces); a numeric
 * code without its leading zeros (`"000123"` is the accounting number `123`).
 */
export const identifierKey = (text: string): string => {
  const trimmed = text.trim().toUpperCase()
  return /^\d+$/.test(trimmed) ? trimmed.replace(/^0+(?=\d)/, "") : trimmed
}

/**
 * The snapshot indexed once into maps, so resolving and diffing cost a constant number of
 * lookups per line instead of scans. Deleted companies and inactive products are left out of
 * every lookup that can produce a target.
 */
export class SnapshotIndex {
  readonly companies = new Map<number, PsaCompany>()
  readonly products = new Map<number, PsaProduct>()
  readonly agreements = new Map<number, PsaAgreement>()
  /** Live companies by `identifier` and by `accountNumber` (one entry per company and key). */
  readonly companiesByIdentifier = new Map<string, Array<PsaCompany>>()
  readonly companiesByVat = new Map<string, Array<PsaCompany>>()
  readonly companiesByCoc = new Map<string, Array<PsaCompany>>()
  readonly productsByIdentifier = new Map<string, Array<PsaProduct>>()
  readonly agreementsByCompany = new Map<number, Array<PsaAgreement>>()
  readonly additionsByAgreement = new Map<number, Array<PsaAddition>>()
  /** By agreement, then catalog item. */
  readonly additionsByAgreementProduct = new Map<number, Map<number, Array<PsaAddition>>>()
  private companyNames: NameIndex<PsaCompany> | undefined
  private productNames: NameIndex<PsaProduct> | undefined

  readonly snapshot: PsaSnapshot

  constructor(snapshot: PsaSnapshot) {
    this.snapshot = snapshot
    for (const company of snapshot.companies) {
      this.companies.set(company.id, company)
      if (company.deleted) continue
      const identifier = identifierKey(company.identifier)
      if (identifier !== "") push(this.companiesByIdentifier, identifier, company)
      const accountNumber = company.accountNumber === undefined ? "" : identifierKey(company.accountNumber)
      if (accountNumber !== "" && accountNumber !== identifier) push(this.companiesByIdentifier, accountNumber, company)
      if (company.vatNumber) push(this.companiesByVat, normaliseKey(company.vatNumber), company)
      if (company.cocNumber) push(this.companiesByCoc, normaliseKey(company.cocNumber), company)
    }
    for (const product of snapshot.products) {
      this.products.set(product.id, product)
      if (!product.inactive) push(this.productsByIdentifier, identifierKey(product.identifier), product)
    }
    for (const agreement of snapshot.agreements) {
      this.agreements.set(agreement.id, agreement)
      push(this.agreementsByCompany, agreement.companyId, agreement)
    }
    for (const addition of snapshot.additions) {
      push(this.additionsByAgreement, addition.agreementId, addition)
      let byProduct = this.additionsByAgreementProduct.get(addition.agreementId)
      if (byProduct === undefined) {
        byProduct = new Map()
        this.additionsByAgreementProduct.set(addition.agreementId, byProduct)
      }
      push(byProduct, addition.productId, addition)
    }
    // Shared as they are with the rows that compare with them (`additions` of a difference).
    for (const byProduct of this.additionsByAgreementProduct.values())
      for (const list of byProduct.values()) Object.freeze(list)
  }

  /** Live companies by name, built on first use (only unmatched customers need it). */
  companyNameIndex(): NameIndex<PsaCompany> {
    this.companyNames ??= new NameIndex(
      this.snapshot.companies.filter((company) => !company.deleted),
      (company) => company.name
    )
    return this.companyNames
  }

  /** Active catalog items by description, built on first use. */
  productNameIndex(): NameIndex<PsaProduct> {
    this.productNames ??= new NameIndex(
      this.snapshot.products.filter((product) => !product.inactive),
      (product) => product.description
    )
    return this.productNames
  }

  /** The first unreadable record that leaves the agreement's additions unknown, if any. */
  unreadableOf(agreementId: number): UnreadableRecord | undefined {
    const unreadable = this.snapshot.unreadable
    return unreadable === undefined || unreadable.length === 0
      ? undefined
      : unreadable.find((record) => record.agreementId === agreementId)
  }

  additionsOf(agreementId: number, productId: number): ReadonlyArray<PsaAddition> {
    return this.additionsByAgreementProduct.get(agreementId)?.get(productId) ?? none
  }
}

const none: ReadonlyArray<PsaAddition> = Object.freeze([])

const cache = new WeakMap<PsaSnapshot, SnapshotIndex>()

/** The index of a snapshot, built once per snapshot object and shared by resolve and diff. */
export const indexOf = (snapshot: PsaSnapshot): SnapshotIndex => {
  let index = cache.get(snapshot)
  if (index === undefined) {
    index = new SnapshotIndex(snapshot)
    cache.set(snapshot, index)
  }
  return index
}
