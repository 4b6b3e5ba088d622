/**
 * Two questions every writer asks of the model: is a pair invoiced in a month, and what does the
 * customer pay for a product.
 */
import type { Customer, Pair } from "../Model.ts"
import type { ProductDef } from "./Products.ts"

/** The pair is invoiced in month `m`. */
export const isActive = (pair: Pair, m: number): boolean => pair.start <= m && m < pair.end

/** The customer's price for a product: list price less its discount, rounded half up to the cent. */
export const netPriceCents = (c: Customer, def: ProductDef): number =>
  def.priceCents - Math.floor((def.priceCents * c.discountPercent + 50) / 100)
