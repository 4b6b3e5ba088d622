import { LinkId } from "@psa-ledger/reconcile-core"
import { DateTime, Schema } from "effect"
import { ApiError } from "../ApiError.ts"
import { canSeeLink } from "../Auth.ts"
import { Reply, route } from "../internal/route.ts"
import { nextRunsOf } from "../internal/scheduling.ts"
import { LinkParams, LinkTestAnswer, Removed, Text } from "../internal/schemas.ts"
import { store } from "../internal/session.ts"

/** Who runs the schedules: the deployment's `scheduling` setting. */
const SchedulingMode = Schema.Literals(["in-process", "workers"]).annotate({ identifier: "SchedulingMode" })

/** When a schedule runs next: ISO 8601 with the UTC offset of the schedule's time zone. */
const NextRun = Schema.Struct({ job: Schema.String, at: Schema.String, timeZone: Schema.String }).annotate({
  identifier: "NextRun"
})

const LinkSummary = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  version: Schema.Int,
  updatedAt: Schema.String,
  lastRun: Schema.optionalKey(
    Schema.Struct({ id: Schema.String, job: Schema.String, status: Schema.String, startedAt: Schema.String })
  ),
  /** The next run of each enabled schedule (the Exact keep-alive too), soonest first. */
  nextRuns: Schema.Array(NextRun),
  /** Who runs them: the server (`in-process`) or the worker fleet (`workers`). */
  scheduling: SchedulingMode
}).annotate({ identifier: "LinkSummary" })

const LinkSchedules = Schema.Struct({
  scheduling: SchedulingMode,
  schedules: Schema.Array(
    Schema.Struct({
      job: Schema.String,
      cron: Schema.String,
      timeZone: Schema.String,
      /** The next three due times, soonest first (empty when `problem` is set). */
      nextRuns: Schema.Array(Schema.String),
      /** Why the schedule cannot run (croner refused its cron or time zone). */
      problem: Schema.optionalKey(Schema.String)
    })
  )
}).annotate({ identifier: "LinkSchedules" })

/** A link's configuration as the deployment shows it: every secret as `{ set, updatedAt }`, never its value. */
const LinkDetail = Schema.Struct({
  id: Schema.String,
  version: Schema.Int,
  updatedAt: Schema.String,
  config: Schema.Json
}).annotate({ identifier: "Link" })

const AuditTrail = Schema.Array(
  Schema.Struct({ at: Schema.String, actor: Schema.String, action: Schema.String, fields: Schema.Array(Schema.String) })
)

const asJson = (view: unknown) => JSON.parse(JSON.stringify(view)) as Schema.Json

/** Links: list with status, get, create, update with version, remove, test, look-ups, audit; Exact connect. */
export const linkRoutes = [
  route({
    method: "get",
    path: "/links",
    operationId: "listLinks",
    summary: "The links the user may see, each with its latest run and its next scheduled runs",
    tag: "links",
    access: "viewer",
    response: Schema.Array(LinkSummary),
    handle: async ({ deployment, principal, server }) => {
      const links = (await deployment.links.list()).filter((l) => canSeeLink(principal, l.id))
      const [schedules, scheduling] = await Promise.all([deployment.schedules(), deployment.scheduling()])
      const now = server.now()
      return Promise.all(
        links.map(async (l) => {
          const [run] = await store(server.storage.runs.list(l.id, { limit: 1 }))
          return {
            id: l.id,
            name: l.config.name,
            version: l.version,
            updatedAt: l.updatedAt,
            scheduling,
            nextRuns: nextRunsOf(
              schedules.filter((s) => s.linkId === l.id),
              now,
              1
            )
              .flatMap((s) =>
                s.nextRuns[0] === undefined
                  ? []
                  : [{ job: s.job, at: s.nextRuns[0], timeZone: s.timeZone, ms: s.nextMs }]
              )
              .sort((a, b) => a.ms - b.ms)
              .map(({ ms: _, ...next }) => next),
            ...(run === undefined
              ? {}
              : {
                  lastRun: {
                    id: run.id,
                    job: run.job,
                    status: run.status,
                    startedAt: DateTime.formatIso(run.startedAt)
                  }
                })
          }
        })
      )
    }
  }),
  route({
    method: "get",
    path: "/links/{linkId}",
    operationId: "getLink",
    summary: "A link's configuration (secrets shown as set or not, never their values) and version",
    tag: "links",
    access: "viewer",
    params: LinkParams,
    response: LinkDetail,
    handle: async ({ deployment, params }) => {
      const view = await deployment.links.get(params.linkId)
      if (view === undefined) throw new ApiError(404, "NotFound", "no such link")
      return asJson(view)
    }
  }),
  route({
    method: "post",
    path: "/links",
    operationId: "createLink",
    summary: "Adds a link from a configuration (`LinkConfigInput`; its secrets are sealed, never returned)",
    tag: "links",
    access: "admin",
    body: Schema.Struct({ id: LinkId, config: Schema.Json }),
    response: LinkDetail,
    status: 201,
    handle: async ({ deployment, body, principal }) =>
      asJson(await deployment.links.create(body.id, body.config, { actor: principal.user }))
  }),
  route({
    method: "put",
    path: "/links/{linkId}",
    operationId: "updateLink",
    summary: "Replaces a link's configuration; secrets left out keep their value; a stale version is 409",
    tag: "links",
    access: "admin",
    params: LinkParams,
    body: Schema.Struct({ version: Schema.Int, config: Schema.Json }),
    response: LinkDetail,
    handle: async ({ deployment, params, body, principal }) =>
      asJson(
        await deployment.links.update(params.linkId, body.config, {
          expectedVersion: body.version,
          actor: principal.user
        })
      )
  }),
  route({
    method: "delete",
    path: "/links/{linkId}",
    operationId: "removeLink",
    summary: "Removes a link's configuration, secrets and loaded months (its mappings, runs and ledger stay)",
    tag: "links",
    access: "admin",
    params: LinkParams,
    response: Removed,
    handle: async ({ server, deployment, params, principal }) => {
      const removed = await deployment.links.remove(params.linkId, { actor: principal.user })
      // Loaded months are read from the link's sources with its settings: a link made again under
      // this id loads its own.
      if (removed) await store(server.storage.loadedMonths.remove(params.linkId))
      return { removed }
    }
  }),
  route({
    method: "post",
    path: "/links/{linkId}/test",
    operationId: "testLink",
    summary: "Tests both connections; each ok, or a reason a person can act on",
    tag: "links",
    access: "admin",
    params: LinkParams,
    response: LinkTestAnswer,
    handle: async ({ deployment, params }) => deployment.links.test(params.linkId)
  }),
  route({
    method: "get",
    path: "/links/{linkId}/lookups",
    operationId: "getLookups",
    summary:
      "The settings form's options: ConnectWise agreement types, billing terms, tax codes; Exact divisions, journals, VAT codes, GL accounts",
    tag: "links",
    access: "admin",
    params: LinkParams,
    response: Schema.Json,
    handle: async ({ deployment, params }) => asJson(await deployment.lookups(params.linkId))
  }),
  route({
    method: "get",
    path: "/links/{linkId}/schedules",
    operationId: "getLinkSchedules",
    summary:
      "The link's enabled schedules with their next three runs (in each schedule's time zone), and who runs them",
    tag: "links",
    access: "viewer",
    params: LinkParams,
    response: LinkSchedules,
    handle: async ({ deployment, params, server }) => {
      if ((await deployment.links.get(params.linkId)) === undefined) throw new ApiError(404, "NotFound", "no such link")
      const [schedules, scheduling] = await Promise.all([deployment.schedules(), deployment.scheduling()])
      return {
        scheduling,
        schedules: nextRunsOf(
          schedules.filter((s) => s.linkId === params.linkId),
          server.now(),
          3
        ).map(({ nextMs: _, ...schedule }) => schedule)
      }
    }
  }),
  route({
    method: "get",
    path: "/links/{linkId}/audit",
    operationId: "getLinkAudit",
    summary: "Who changed which fields of the link's configuration, newest first",
    tag: "links",
    access: "viewer",
    params: LinkParams,
    response: AuditTrail,
    handle: async ({ deployment, params }) => deployment.links.audit(params.linkId, { limit: 200 })
  }),
  route({
    method: "post",
    path: "/links/{linkId}/exact/connect",
    operationId: "connectExact",
    summary: "Starts Exact Online's consent: the authorization URL to send the user to (one-use state, ten minutes)",
    tag: "links",
    access: "admin",
    params: LinkParams,
    body: Schema.Struct({ returnTo: Schema.optionalKey(Text) }),
    response: Schema.Struct({ url: Schema.String, expiresAt: Schema.String }),
    handle: async ({ deployment, params, body, principal }) => {
      const returnTo = body.returnTo ?? `/links/${params.linkId}`
      // Only a path on this site: an open redirect after consent would hand the user to anyone.
      if (!returnTo.startsWith("/") || returnTo.startsWith("//")) {
        throw new ApiError(400, "InvalidInput", "returnTo must be a path on this site", { field: "returnTo" })
      }
      const start = await deployment.exact.connect(params.linkId, { returnTo, actor: principal.user })
      return { url: start.url, expiresAt: String(start.expiresAt) }
    }
  }),
  route({
    method: "get",
    path: "/oauth/exact/callback",
    operationId: "exactCallback",
    summary: "Exact Online's redirect after consent: exchanges the code once, stores the chain, redirects to returnTo",
    tag: "links",
    access: "public",
    query: Schema.Struct({ code: Text, state: Text }),
    response: "redirect",
    handle: async ({ deployment, query }) => {
      const connected = await deployment.exact.complete({ code: query.code, state: query.state })
      return new Reply(undefined, { status: 303, headers: { location: connected.returnTo } })
    }
  })
]
