import type { LinkApi, LoadedMonth } from "@psa-ledger/link"
import {
  ChangePlan,
  Mapping,
  MappingKind,
  PlanSummary,
  PsaAgreement,
  PsaProduct,
  ReconciliationRow,
  RowDecision
} from "@psa-ledger/reconcile-core"
import { BigDecimal, Option, Schema } from "effect"
import { ApiError } from "../ApiError.ts"
import { ApplyResult, applyResultOf, OperationStatus } from "../internal/applyResult.ts"
import type { ServerContext } from "../internal/context.ts"
import { currentExclusions, RowExclusion, rowExclusions, withCurrentExclusions } from "../internal/exclusions.ts"
import { loadMonth, startRun } from "../internal/jobs.ts"
import { loadedMonthOf } from "../internal/loadedMonths.ts"
import { namesOf, TargetNames } from "../internal/names.ts"
import { route } from "../internal/route.ts"
import {
  IntFromText,
  LinkParams,
  Month,
  MonthParams,
  Removed,
  RowParams,
  RunParams,
  RunStarted,
  Text
} from "../internal/schemas.ts"
import { store } from "../internal/session.ts"

/** A grid row's state, for the grid's filter; `excluded` wins over the rest (the row is never planned). */
const RowState = Schema.Literals(["ok", "deviation", "suggested", "unlinked", "problem", "excluded"])
type RowState = typeof RowState.Type

const stateOf = (row: ReconciliationRow): Exclude<RowState, "excluded"> => {
  const sides = [row.customerResolution, row.productResolution, row.agreementResolution]
  if (row.notices.length > 0 && row.lines.length > 0 && row.deviations.some((d) => d._tag === "InvalidLine"))
    return "problem"
  if (sides.some((r) => r._tag === "Unmapped" || r._tag === "Missing")) return "unlinked"
  if (sides.some((r) => r._tag === "Suggested" || r._tag === "Ambiguous")) return "suggested"
  if (row.deviations.length > 0) return "deviation"
  return "ok"
}

const MonthStatus = Schema.Struct({
  month: Month,
  state: Schema.Literals(["not-loaded", "loading", "ready", "failed"]),
  progress: Schema.optionalKey(
    Schema.Struct({ phase: Schema.String, done: Schema.Int, total: Schema.optionalKey(Schema.Int) })
  ),
  rows: Schema.optionalKey(Schema.Int),
  error: Schema.optionalKey(Schema.Struct({ code: Schema.String, message: Schema.String }))
}).annotate({ identifier: "MonthStatus" })

const GridPage = Schema.Struct({
  month: Month,
  total: Schema.Int,
  offset: Schema.Int,
  limit: Schema.Int,
  counts: Schema.Record(Schema.String, Schema.Int),
  rows: Schema.Array(
    Schema.Struct({
      state: RowState,
      row: ReconciliationRow,
      /** Why the row is excluded (state `excluded` only). */
      excluded: Schema.optionalKey(RowExclusion),
      /**
       * The state an excluded row has once included again (state `excluded` only), so a client
       * that takes back this month's exclusion shows the row where it belongs without a new read.
       */
      stateIfIncluded: Schema.optionalKey(RowState)
    })
  ),
  /** The ConnectWise names of the ids the page's rows link or suggest, by kind and id. */
  names: TargetNames
}).annotate({ identifier: "GridPage" })

const Draft = Schema.Struct({
  month: Month,
  version: Schema.Int,
  decisions: Schema.Record(Schema.String, RowDecision),
  updatedBy: Schema.optionalKey(Schema.String),
  updatedAt: Schema.optionalKey(Schema.Int)
}).annotate({ identifier: "Draft" })

const PlanPreview = Schema.Struct({
  month: Month,
  draftVersion: Schema.Int,
  summary: PlanSummary,
  plan: ChangePlan
}).annotate({ identifier: "PlanPreview" })

const PlanSummaryPreview = Schema.Struct({
  month: Month,
  draftVersion: Schema.Int,
  summary: PlanSummary
}).annotate({ identifier: "PlanSummaryPreview" })

const Decimal = Schema.String.check(Schema.isPattern(/^-?\d+(\.\d+)?$/, { expected: "a decimal such as 12.50" }))

const NewProduct = Schema.Struct({
  identifier: Schema.optionalKey(Text),
  description: Schema.optionalKey(Text),
  cost: Schema.optionalKey(Decimal),
  price: Schema.optionalKey(Decimal),
  subcategoryId: Schema.optionalKey(Schema.Int),
  typeId: Schema.optionalKey(Schema.Int),
  productClass: Schema.optionalKey(Schema.Literals(["Agreement", "Bundle", "Inventory", "NonInventory", "Service"])),
  taxable: Schema.optionalKey(Schema.Boolean)
})

const NewAgreement = Schema.Struct({
  companyId: Schema.optionalKey(Schema.Int),
  name: Schema.optionalKey(Text),
  typeId: Schema.optionalKey(Schema.Int),
  startDate: Schema.optionalKey(Schema.String.check(Schema.isPattern(/^\d{4}-\d{2}-\d{2}$/))),
  contactId: Schema.optionalKey(Schema.Int),
  billingCycleId: Schema.optionalKey(Schema.Int),
  billingTermsId: Schema.optionalKey(Schema.Int)
})

const MappingRefBody = Schema.Struct({
  kind: MappingKind,
  sourceKey: Text,
  productKey: Schema.optionalKey(Text)
})

const openLink = (server: ServerContext, linkId: string): Promise<LinkApi> => server.deployment.links.open(linkId)

/** The month's loaded grid (loaded by any process on the storage), or 409 `MonthNotLoaded`. */
const gridOf = async (server: ServerContext, linkId: string, month: string): Promise<LoadedMonth> => {
  const grid = await loadedMonthOf(server, linkId, month)
  if (grid === undefined) throw new ApiError(409, "MonthNotLoaded", `month ${month} is not loaded; load it first`)
  return grid
}

const readDraft = async (server: ServerContext, linkId: string, month: string) => {
  const found = await store(server.storage.drafts.get(linkId, month))
  return Option.isNone(found)
    ? { month, version: 0, decisions: {} as Record<string, RowDecision> }
    : {
        month,
        version: found.value.version,
        decisions: decodeDecisions(found.value.decisions),
        updatedBy: found.value.updatedBy,
        updatedAt: found.value.updatedAt
      }
}

/** Plans the month's saved draft for `by`, with the exclusions as they are now; nothing is written. */
const planDraft = async (server: ServerContext, linkId: string, month: string, by: string) => {
  const grid = await gridOf(server, linkId, month)
  const draft = await readDraft(server, linkId, month)
  const link = await openLink(server, linkId)
  // The exclusions as they are now: one remembered since the load leaves its rows out already.
  const planned = link.reconciliation.plan(await withCurrentExclusions(server, linkId, grid), draft.decisions, {
    by
  })
  return { draft, planned }
}

const DecisionsRecord = Schema.Record(Schema.String, RowDecision)
const decodeDecisions = (json: unknown) => Schema.decodeUnknownSync(Schema.toCodecJson(DecisionsRecord))(json)
const encodeDecisions = (value: Record<string, RowDecision>) =>
  Schema.encodeSync(Schema.toCodecJson(DecisionsRecord))(value) as Schema.Json

const rowOf = (grid: LoadedMonth, rowKey: string): ReconciliationRow => {
  const row = grid.rows.find((r) => r.key === rowKey)
  if (row === undefined) throw new ApiError(404, "NotFound", "no such row in the loaded month")
  return row
}

// A load going on here shows its live progress; other processes see the month's stored load.
const monthStatus = async (server: ServerContext, linkId: string, month: string) => {
  const job = server.months.get(`${linkId} ${month}`)
  const progress =
    job?.progress === undefined
      ? {}
      : {
          progress: {
            phase: job.progress.phase,
            done: job.progress.done,
            ...(job.progress.total === undefined ? {} : { total: job.progress.total })
          }
        }
  if (job?.state === "loading") return { month, state: "loading" as const, ...progress }
  const head = Option.getOrUndefined(await store(server.storage.loadedMonths.head(linkId, month)))
  // A failed load here is the month's news unless a load (from anywhere) finished after it started.
  if (job?.state === "failed" && (head === undefined || head.loadedAt < job.startedAt)) {
    return { month, state: "failed" as const, ...progress, ...(job.error === undefined ? {} : { error: job.error }) }
  }
  if (head !== undefined) return { month, state: "ready" as const, ...progress, rows: head.rows }
  return { month, state: "not-loaded" as const }
}

type GridEntry = {
  state: RowState
  row: ReconciliationRow
  excluded?: RowExclusion
  stateIfIncluded?: Exclude<RowState, "excluded">
}

/** One page of the loaded grid: the rows of the state and search asked, the counts per state, the names they show. */
const gridPage = async (
  server: ServerContext,
  params: { readonly linkId: string; readonly month: string },
  query: { readonly offset?: number; readonly limit?: number; readonly state?: RowState; readonly q?: string }
) => {
  const grid = await gridOf(server, params.linkId, params.month)
  const [exclusions, draft] = await Promise.all([
    currentExclusions(server, params.linkId),
    readDraft(server, params.linkId, params.month)
  ])
  const excludedOf = rowExclusions(exclusions, draft.decisions)
  const q = query.q?.trim().toLowerCase()
  const counts: Record<string, number> = {}
  const matching: Array<GridEntry> = []
  for (const row of grid.rows) {
    const excluded = excludedOf(row)
    const included = stateOf(row)
    const state: RowState = excluded === undefined ? included : "excluded"
    counts[state] = (counts[state] ?? 0) + 1
    if (query.state !== undefined && state !== query.state) continue
    if (
      q !== undefined &&
      q !== "" &&
      ![row.customer.name, row.customer.code, row.product.code, row.product.description, row.key].some((t) =>
        t.toLowerCase().includes(q)
      )
    )
      continue
    matching.push(excluded === undefined ? { state, row } : { state, row, excluded, stateIfIncluded: included })
  }
  const offset = query.offset ?? 0
  const limit = query.limit ?? 500
  const rows = matching.slice(offset, offset + limit)
  return {
    month: params.month,
    total: matching.length,
    offset,
    limit,
    counts,
    rows,
    names: namesOf(
      grid,
      rows.map((r) => r.row)
    )
  }
}

/** The changes a plan makes, as an audit's values before and after. */
const changesOf = (plan: ChangePlan): Schema.Json =>
  (Schema.encodeSync(Schema.toCodecJson(ChangePlan))(plan) as { operations: Schema.Json }).operations

/** Reconciliation: months, load, the grid, draft decisions, plan, apply, create, mappings. */
export const reconciliationRoutes = [
  route({
    method: "get",
    path: "/links/{linkId}/months",
    operationId: "listMonths",
    summary: "The months with invoices in the link's source, newest first",
    tag: "reconciliation",
    access: "viewer",
    params: LinkParams,
    response: Schema.Struct({ months: Schema.Array(Schema.String) }),
    handle: async ({ server, params }) => ({
      months: await (await openLink(server, params.linkId)).reconciliation.months()
    })
  }),
  route({
    method: "post",
    path: "/links/{linkId}/months/{month}/load",
    operationId: "loadMonth",
    summary: "Starts loading the month's grid as a job (202); poll the month's status",
    tag: "reconciliation",
    access: "finance",
    params: MonthParams,
    response: MonthStatus,
    status: 202,
    handle: async ({ server, params, principal }) => {
      loadMonth(server, await openLink(server, params.linkId), params.month, principal.user)
      return monthStatus(server, params.linkId, params.month)
    }
  }),
  route({
    method: "get",
    path: "/links/{linkId}/months/{month}",
    operationId: "getMonth",
    summary: "Whether the month is loaded, its progress (of a load on this server), or why it failed",
    tag: "reconciliation",
    access: "viewer",
    params: MonthParams,
    response: MonthStatus,
    handle: async ({ server, params }) => monthStatus(server, params.linkId, params.month)
  }),
  route({
    method: "get",
    path: "/links/{linkId}/months/{month}/grid",
    operationId: "getGrid",
    summary:
      "The loaded grid, paged (limit at most 1,000), filtered by row state and searchable by customer or product",
    tag: "reconciliation",
    access: "viewer",
    params: MonthParams,
    query: Schema.Struct({
      offset: Schema.optionalKey(IntFromText(0, 1_000_000)),
      limit: Schema.optionalKey(IntFromText(1, 1_000)),
      state: Schema.optionalKey(RowState),
      q: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(200)))
    }),
    response: GridPage,
    handle: async ({ server, params, query }) => gridPage(server, params, query)
  }),
  route({
    method: "get",
    path: "/links/{linkId}/months/{month}/draft",
    operationId: "getDraft",
    summary: "The draft decisions for the month, with their version (0: none yet)",
    tag: "reconciliation",
    access: "viewer",
    params: MonthParams,
    response: Draft,
    handle: async ({ server, params }) => readDraft(server, params.linkId, params.month)
  }),
  route({
    method: "put",
    path: "/links/{linkId}/months/{month}/draft",
    operationId: "saveDraft",
    summary: "Saves the draft decisions with the version read: another user's save in between is 409 VersionConflict",
    tag: "reconciliation",
    access: "finance",
    params: MonthParams,
    body: Schema.Struct({ version: Schema.Int, decisions: Schema.Record(Schema.String, RowDecision) }),
    response: Draft,
    handle: async ({ server, params, body, principal }) => {
      const before = await readDraft(server, params.linkId, params.month)
      const saved = await store(
        server.storage.drafts.put(
          {
            linkId: params.linkId,
            month: params.month,
            decisions: encodeDecisions(body.decisions),
            updatedBy: principal.user,
            updatedAt: server.now()
          },
          { expectedVersion: body.version }
        )
      )
      const keys = new Set([...Object.keys(before.decisions), ...Object.keys(body.decisions)])
      const encode = Schema.encodeSync(Schema.toCodecJson(RowDecision))
      const changes: Array<Schema.Json> = []
      for (const key of keys) {
        const a = before.decisions[key]
        const b = body.decisions[key]
        const was = a === undefined ? null : (encode(a) as Schema.Json)
        const now = b === undefined ? null : (encode(b) as Schema.Json)
        if (JSON.stringify(was) !== JSON.stringify(now)) changes.push({ row: key, before: was, after: now })
      }
      if (changes.length > 0) {
        await store(
          server.storage.approvals.append(params.linkId, {
            at: server.now(),
            actor: principal.user,
            action: "decisions.save",
            month: params.month,
            changes
          })
        )
      }
      return {
        month: params.month,
        version: saved.version,
        decisions: body.decisions,
        updatedBy: saved.updatedBy,
        updatedAt: saved.updatedAt
      }
    }
  }),
  route({
    method: "post",
    path: "/links/{linkId}/months/{month}/plan",
    operationId: "previewPlan",
    summary: "Plans the month from its saved draft: the change plan and its summary, nothing written",
    tag: "reconciliation",
    access: "viewer",
    params: MonthParams,
    response: PlanPreview,
    handle: async ({ server, params, principal }) => {
      const { draft, planned } = await planDraft(server, params.linkId, params.month, principal.user)
      return { month: params.month, draftVersion: draft.version, summary: planned.summary, plan: planned.plan }
    }
  }),
  route({
    method: "post",
    path: "/links/{linkId}/months/{month}/plan/summary",
    operationId: "previewPlanSummary",
    summary:
      "The summary alone of the month's plan from its saved draft (counts by kind, monthly cost impact), nothing written: what a summary bar reads after each save, without the operations",
    tag: "reconciliation",
    access: "viewer",
    params: MonthParams,
    response: PlanSummaryPreview,
    handle: async ({ server, params, principal }) => {
      const { draft, planned } = await planDraft(server, params.linkId, params.month, principal.user)
      return { month: params.month, draftVersion: draft.version, summary: planned.summary }
    }
  }),
  route({
    method: "post",
    path: "/links/{linkId}/months/{month}/apply",
    operationId: "applyPlan",
    summary:
      "Applies the plan of the draft at `version` as a run (202 with its id); 409 when the draft moved on or the link is busy",
    tag: "reconciliation",
    access: "finance",
    params: MonthParams,
    body: Schema.Struct({ version: Schema.Int }),
    response: RunStarted,
    status: 202,
    handle: async ({ server, params, body, principal }) => {
      const grid = await gridOf(server, params.linkId, params.month)
      const draft = await readDraft(server, params.linkId, params.month)
      if (draft.version !== body.version) {
        throw new ApiError(409, "VersionConflict", `the draft is at version ${draft.version}, not ${body.version}`, {
          field: "version"
        })
      }
      const link = await openLink(server, params.linkId)
      // The exclusions as they are now: one remembered since the load leaves its rows out already.
      const planned = link.reconciliation.plan(
        await withCurrentExclusions(server, params.linkId, grid),
        draft.decisions,
        { by: principal.user }
      )
      const changes = changesOf(planned.plan)
      return startRun(
        server,
        link,
        "reconciliation.apply",
        (options) => link.reconciliation.apply(planned, options),
        async (result) => {
          await store(
            server.storage.approvals.append(params.linkId, {
              at: server.now(),
              actor: principal.user,
              action: "reconciliation.apply",
              month: params.month,
              runId: result.runId,
              changes: { draftVersion: draft.version, status: result.status, operations: changes }
            })
          )
        }
      )
    }
  }),
  route({
    method: "get",
    path: "/links/{linkId}/months/{month}/apply/{runId}",
    operationId: "getApplyResult",
    summary:
      "An apply run's result per operation (applied, already done, failed with its typed error, skipped), filterable by status",
    tag: "reconciliation",
    access: "viewer",
    params: Schema.Struct({ ...MonthParams.fields, runId: RunParams.fields.runId }),
    query: Schema.Struct({ status: Schema.optionalKey(OperationStatus) }),
    response: ApplyResult,
    handle: async ({ server, params, query }) => {
      const found = await store(server.storage.runs.get(params.linkId, params.runId))
      const run = Option.getOrUndefined(found)
      const details = run?.details as { month?: unknown } | undefined
      if (
        run === undefined ||
        run.job !== "reconciliation.apply" ||
        (typeof details?.month === "string" && details.month !== params.month)
      ) {
        throw new ApiError(404, "NotFound", `no apply run ${params.runId} of ${params.month}`)
      }
      const result = await applyResultOf(server, params.linkId, run)
      return query.status === undefined
        ? result
        : { ...result, operations: result.operations.filter((o) => o.status === query.status) }
    }
  }),
  route({
    method: "post",
    path: "/links/{linkId}/months/{month}/rows/{rowKey}/product",
    operationId: "createProduct",
    summary: "Creates (or finds by identifier) the row's ConnectWise catalog item and remembers it",
    tag: "reconciliation",
    access: "finance",
    params: RowParams,
    body: NewProduct,
    response: PsaProduct,
    status: 201,
    handle: async ({ server, params, body }) => {
      const row = rowOf(await gridOf(server, params.linkId, params.month), params.rowKey)
      const link = await openLink(server, params.linkId)
      const { cost, price, ...rest } = body
      return link.create.product(row, {
        ...rest,
        ...(cost === undefined ? {} : { cost: BigDecimal.fromStringUnsafe(cost) }),
        ...(price === undefined ? {} : { price: BigDecimal.fromStringUnsafe(price) })
      })
    }
  }),
  route({
    method: "post",
    path: "/links/{linkId}/months/{month}/rows/{rowKey}/agreement",
    operationId: "createAgreement",
    summary: "Creates (or finds) the row's ConnectWise agreement and remembers it for the row's customer",
    tag: "reconciliation",
    access: "finance",
    params: RowParams,
    body: NewAgreement,
    response: PsaAgreement,
    status: 201,
    handle: async ({ server, params, body }) => {
      const row = rowOf(await gridOf(server, params.linkId, params.month), params.rowKey)
      return (await openLink(server, params.linkId)).create.agreement(row, body)
    }
  }),
  route({
    method: "get",
    path: "/links/{linkId}/mappings",
    operationId: "listMappings",
    summary: "The remembered links between invoice keys and ConnectWise ids",
    tag: "reconciliation",
    access: "viewer",
    params: LinkParams,
    query: Schema.Struct({ kind: Schema.optionalKey(MappingKind) }),
    response: Schema.Array(Mapping),
    handle: async ({ server, params, query }) =>
      (await openLink(server, params.linkId)).mappings.list(query.kind === undefined ? {} : { kind: query.kind })
  }),
  route({
    method: "put",
    path: "/links/{linkId}/mappings",
    operationId: "setMapping",
    summary: "Remembers a manual link of an invoice key to a ConnectWise id",
    tag: "reconciliation",
    access: "finance",
    params: LinkParams,
    body: Schema.Struct({ ref: MappingRefBody, targetId: Schema.Int.check(Schema.isGreaterThan(0)) }),
    response: Mapping,
    handle: async ({ server, params, body, principal }) => {
      const link = await openLink(server, params.linkId)
      const saved = await link.mappings.set(body.ref, body.targetId, { by: principal.user, method: "manual" })
      await store(
        server.storage.approvals.append(params.linkId, {
          at: server.now(),
          actor: principal.user,
          action: "mapping.set",
          changes: [{ ref: body.ref, after: body.targetId }]
        })
      )
      return saved
    }
  }),
  route({
    method: "post",
    path: "/links/{linkId}/mappings/remove",
    operationId: "removeMapping",
    summary: "Forgets a remembered link",
    tag: "reconciliation",
    access: "finance",
    params: LinkParams,
    body: Schema.Struct({ ref: MappingRefBody }),
    response: Removed,
    handle: async ({ server, params, body, principal }) => {
      const removed = await (await openLink(server, params.linkId)).mappings.remove(body.ref)
      if (removed) {
        await store(
          server.storage.approvals.append(params.linkId, {
            at: server.now(),
            actor: principal.user,
            action: "mapping.remove",
            changes: [{ ref: body.ref, after: null }]
          })
        )
      }
      return { removed }
    }
  }),
  route({
    method: "get",
    path: "/links/{linkId}/approvals",
    operationId: "listApprovals",
    summary: "The approval audit: who approved which changes, with the values before and after, newest first",
    tag: "reconciliation",
    access: "viewer",
    params: LinkParams,
    query: Schema.Struct({ limit: Schema.optionalKey(IntFromText(1, 1_000)) }),
    response: Schema.Array(
      Schema.Struct({
        at: Schema.Int,
        actor: Schema.String,
        action: Schema.String,
        month: Schema.optionalKey(Schema.String),
        runId: Schema.optionalKey(Schema.String),
        changes: Schema.Json
      }).annotate({ identifier: "Approval" })
    ),
    handle: async ({ server, params, query }) =>
      store(server.storage.approvals.list(params.linkId, { limit: query.limit ?? 100 }))
  })
]
