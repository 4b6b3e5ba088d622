import { DeploymentUpstreamError, fail } from "./DeploymentError.ts"
import { connectWiseClientOf } from "./internal/clients.ts"
import type { DeploymentContext } from "./internal/context.ts"
import { loadLink } from "./internal/links.ts"
import { openLink } from "./internal/open.ts"

/** An option of a settings form's pulldown. */
export interface LookupOption {
  readonly id: string | number
  readonly code?: string | undefined
  readonly name: string
}

/**
 * What a link's settings form offers, read with one list call each (1,000 rows a page; Exact's GL
 * accounts through the bulk endpoint) and kept for a minute. Inactive product types and
 * subcategories are left out: ConnectWise refuses them on a new catalog item.
 *
 * @since 0.1.0
 */
export interface Lookups {
  readonly connectwise: {
    readonly agreementTypes: ReadonlyArray<LookupOption>
    readonly billingTerms: ReadonlyArray<LookupOption>
    /** For agreements and additions made from the grid (`identifier` as the code). */
    readonly billingCycles: ReadonlyArray<LookupOption>
    /** For catalog items made from the grid. */
    readonly productTypes: ReadonlyArray<LookupOption>
    /** For catalog items made from the grid; the name is "category / subcategory", as two share a name under different categories. */
    readonly subcategories: ReadonlyArray<LookupOption>
    readonly taxCodes: ReadonlyArray<LookupOption>
  }
  readonly exact: {
    readonly divisions: ReadonlyArray<LookupOption>
    readonly journals: ReadonlyArray<LookupOption>
    readonly vatCodes: ReadonlyArray<LookupOption>
    readonly paymentConditions: ReadonlyArray<LookupOption>
    readonly glAccounts: ReadonlyArray<LookupOption>
  }
}

/** How long look-ups are reused. */
export const LOOKUP_TTL_MS = 60_000

const text = (value: unknown) =>
  typeof value === "string" ? value : value === undefined || value === null ? "" : String(value)

/** The look-ups of a link, from the cache while fresh and the configuration unchanged. */
export const lookups = async (ctx: DeploymentContext, id: string): Promise<Lookups> => {
  const operation = "lookups"
  const { record, config } = await loadLink(ctx, id, operation)
  const cached = ctx.lookups.get(id)
  if (cached !== undefined && cached.version === record.version && ctx.now() - cached.at < LOOKUP_TTL_MS) {
    return cached.value as Lookups
  }
  const cw = await connectWiseClientOf(ctx, id, config, operation)
  const link = await openLink(ctx, id)
  const ex = link.exact
  const upstream = (system: "connectwise" | "exact") => (error: unknown) => {
    throw fail(
      operation,
      new DeploymentUpstreamError({
        system,
        message: error instanceof Error ? error.message : String(error),
        cause: error
      })
    )
  }
  const named = (rows: ReadonlyArray<Record<string, unknown>>, code = "Code", name = "Description") =>
    rows.map((row) => ({ id: text(row.ID ?? row[code]), code: text(row[code]), name: text(row[name]) }))
  const active = "inactiveFlag=false"
  const [agreementTypes, billingTerms, billingCycles, productTypes, subcategories, taxCodes] = await Promise.all([
    cw.listAll("/finance/agreements/types", { fields: "id,name" }),
    cw.listAll("/finance/billingTerms", { fields: "id,name" }),
    cw.listAll("/finance/billingCycles", { fields: "id,identifier,name" }),
    cw.listAll("/procurement/types", { fields: "id,name", conditions: active }),
    cw.listAll("/procurement/subcategories", { fields: "id,name,category", conditions: active }),
    cw.listAll("/finance/taxCodes", { fields: "id,identifier,description" })
  ]).catch(upstream("connectwise"))
  const [divisions, journals, vatCodes, paymentConditions, glAccounts] = await Promise.all([
    ex.divisions(),
    ex.listAll<Record<string, unknown>>("financial/Journals", { select: ["ID", "Code", "Description"] }),
    ex.listAll<Record<string, unknown>>("vat/VATCodes", { select: ["ID", "Code", "Description"] }),
    ex.listAll<Record<string, unknown>>("cashflow/PaymentConditions", { select: ["ID", "Code", "Description"] }),
    ex.listAll<Record<string, unknown>>("financial/GLAccounts", { select: ["ID", "Code", "Description"] })
  ]).catch(upstream("exact"))
  const value: Lookups = {
    connectwise: {
      agreementTypes: agreementTypes.map((t) => ({ id: Number(t.id), name: text(t.name) })),
      billingTerms: billingTerms.map((t) => ({ id: Number(t.id), name: text(t.name) })),
      billingCycles: billingCycles.map((c) => ({ id: Number(c.id), code: text(c.identifier), name: text(c.name) })),
      productTypes: productTypes.map((t) => ({ id: Number(t.id), name: text(t.name) })),
      subcategories: subcategories.map((c) => ({
        id: Number(c.id),
        name: c.category?.name === undefined ? text(c.name) : `${c.category.name} / ${text(c.name)}`
      })),
      taxCodes: taxCodes.map((t) => ({
        id: Number(t.id),
        code: text((t as Record<string, unknown>).identifier),
        name: text((t as Record<string, unknown>).description)
      }))
    },
    exact: {
      divisions: divisions.map((d) => ({ id: d.Code, name: text(d.Description) })),
      journals: named(journals),
      vatCodes: named(vatCodes),
      paymentConditions: named(paymentConditions),
      glAccounts: named(glAccounts)
    }
  }
  ctx.lookups.set(id, { at: ctx.now(), version: record.version, value })
  return value
}
