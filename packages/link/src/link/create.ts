import { promise } from "../internal/bridge.ts"
import type { LinkApi } from "../Link.ts"
import { createMissing } from "../reconciliation/Create.ts"
import type { LinkContext } from "./context.ts"

/** Creates what a grid row misses in ConnectWise, and remembers it for the row. */
export const makeCreate = (ctx: LinkContext, mappings: LinkApi["mappings"]): LinkApi["create"] => {
  const create = createMissing({ connectwise: ctx.options.connectwise, settings: ctx.options.settings })
  return {
    product: async (row, data) => {
      const product = await promise("create.product", () => create.product(row, data))
      if (row.product.key !== "") await mappings.set({ kind: "product", sourceKey: row.product.key }, product.id)
      return product
    },
    agreement: async (row, data) => {
      const agreement = await promise("create.agreement", () => create.agreement(row, data))
      if (row.customer.key !== "") await mappings.set({ kind: "agreement", sourceKey: row.customer.key }, agreement.id)
      return agreement
    }
  }
}
