import type { LinkContext } from "./context.ts"
import { createEffects } from "./create.ts"
import { exclusionEffects } from "./exclusions.ts"
import { mappingEffects } from "./mappings.ts"
import { reconciliationEffects } from "./reconciliation.ts"
import { runHistoryEffects } from "./runs.ts"
import { transferEffects } from "./transfer.ts"

/**
 * Every area of the link as the Effects its promise API is derived from: what `Link` (the Effect
 * service) holds. Each fails with `LinkError`; interrupting one aborts its requests in flight.
 */
export const linkEffectsOf = (ctx: LinkContext) => ({
  reconciliation: reconciliationEffects(ctx),
  mappings: mappingEffects(ctx),
  exclusions: exclusionEffects(ctx, ctx.options.storage.exclusions),
  create: createEffects(ctx),
  transfer: transferEffects(ctx),
  runs: runHistoryEffects(ctx)
})
