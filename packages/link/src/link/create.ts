import type { ReconciliationRow } from "@psa-ledger/reconcile-core"
import { Effect } from "effect"
import { promiseFace } from "../internal/bridge.ts"
import type { LinkApi } from "../Link.ts"
import { createMissing, type NewAgreementData, type NewProductData } from "../reconciliation/Create.ts"
import type { LinkContext } from "./context.ts"
import { mappingEffects } from "./mappings.ts"

/** Creates what a grid row misses in ConnectWise, and remembers it for the row (as Effects). */
export const createEffects = (ctx: LinkContext) => {
  const create = createMissing({ connectwise: ctx.options.connectwise, settings: ctx.options.settings })
  const mappings = mappingEffects(ctx)
  return {
    product: Effect.fn("link.create.product")(function* (row: ReconciliationRow, data?: NewProductData) {
      const product = yield* create.product(row, data)
      if (row.product.key !== "") yield* mappings.set({ kind: "product", sourceKey: row.product.key }, product.id)
      return product
    }),
    agreement: Effect.fn("link.create.agreement")(function* (row: ReconciliationRow, data?: NewAgreementData) {
      const agreement = yield* create.agreement(row, data)
      if (row.customer.key !== "") yield* mappings.set({ kind: "agreement", sourceKey: row.customer.key }, agreement.id)
      return agreement
    })
  }
}

/** The promise face of {@link createEffects}. */
export const makeCreate = (ctx: LinkContext): LinkApi["create"] => promiseFace("create", createEffects(ctx))
