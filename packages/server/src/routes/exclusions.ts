import { Exclusion, ExclusionKind } from "@psa-ledger/reconcile-core"
import { Schema } from "effect"
import type { ServerContext } from "../internal/context.ts"
import { route } from "../internal/route.ts"
import { LinkParams, Removed, Text } from "../internal/schemas.ts"
import { store } from "../internal/session.ts"

const ExclusionParams = Schema.Struct({ ...LinkParams.fields, kind: ExclusionKind, key: Text })

const NewExclusion = Schema.Struct({
  kind: ExclusionKind,
  /** The line's Exact product key (`row.product.key`) or customer key (`row.customer.key`), never a name. */
  key: Text,
  /** Why these lines are ignored, shown beside them in the grid's Excluded view. */
  reason: Text,
  /** What the person saw the product or customer called (say `SHIP Shipping costs`), listed with it. */
  label: Schema.optionalKey(Text)
})

const openLink = (server: ServerContext, linkId: string) => server.deployment.links.open(linkId)

/**
 * The link's remembered exclusions ("always ignore this product / customer"): list, remember,
 * forget. Leaving a row out of one month only is the month draft's `exclude` decision instead
 * (`PUT …/months/{month}/draft`); the core remembers no exclusion for a single month.
 */
export const exclusionRoutes = [
  route({
    method: "get",
    path: "/links/{linkId}/exclusions",
    operationId: "listExclusions",
    summary: "The link's remembered exclusions (products and customers always ignored), by kind and key",
    tag: "reconciliation",
    access: "viewer",
    params: LinkParams,
    query: Schema.Struct({ kind: Schema.optionalKey(ExclusionKind) }),
    response: Schema.Array(Exclusion),
    handle: async ({ server, params, query }) =>
      (await openLink(server, params.linkId)).exclusions.list(query.kind === undefined ? {} : { kind: query.kind })
  }),
  route({
    method: "post",
    path: "/links/{linkId}/exclusions",
    operationId: "rememberExclusion",
    summary:
      "Always ignores the lines of an Exact product or customer, with a reason (replaces one of the same kind and key); the grid shows them as excluded at once",
    tag: "reconciliation",
    access: "finance",
    params: LinkParams,
    body: NewExclusion,
    response: Exclusion,
    status: 201,
    handle: async ({ server, params, body, principal }) => {
      const link = await openLink(server, params.linkId)
      const saved = await link.exclusions.remember(
        { kind: body.kind, key: body.key },
        { reason: body.reason, label: body.label, by: principal.user }
      )
      await store(
        server.storage.approvals.append(params.linkId, {
          at: server.now(),
          actor: principal.user,
          action: "exclusion.remember",
          changes: [{ ref: { kind: body.kind, key: body.key }, after: { reason: saved.reason } }]
        })
      )
      return saved
    }
  }),
  route({
    method: "delete",
    path: "/links/{linkId}/exclusions/{kind}/{key}",
    operationId: "forgetExclusion",
    summary: "Stops ignoring a product or customer: its lines are reconciled again (the grid shows them at once)",
    tag: "reconciliation",
    access: "finance",
    params: ExclusionParams,
    response: Removed,
    handle: async ({ server, params, principal }) => {
      const ref = { kind: params.kind, key: params.key }
      const removed = await (await openLink(server, params.linkId)).exclusions.forget(ref)
      if (removed) {
        await store(
          server.storage.approvals.append(params.linkId, {
            at: server.now(),
            actor: principal.user,
            action: "exclusion.forget",
            changes: [{ ref, after: null }]
          })
        )
      }
      return { removed }
    }
  })
]
