import { StoredTransferReport } from "@psa-ledger/link"
import { LogEntry, Run, TransferPlan } from "@psa-ledger/reconcile-core"
import { Option, Schema } from "effect"
import { ApiError } from "../ApiError.ts"
import { startRun } from "../internal/jobs.ts"
import { toJson } from "../internal/json.ts"
import { queueManualRun } from "../internal/queue.ts"
import { Reply, route } from "../internal/route.ts"
import { IntFromText, LinkParams, RunParams, RunQueued, RunStarted, Text } from "../internal/schemas.ts"
import { store } from "../internal/session.ts"
import { runEventStream } from "../internal/sse.ts"

const Day = Schema.String.check(Schema.isPattern(/^\d{4}-\d{2}-\d{2}$/, { expected: "a date such as 2026-03-31" }))
const TransferRangeBody = Schema.Union([
  Schema.Struct({ from: Day, to: Day }),
  Schema.Struct({ unposted: Schema.Literal(true) })
])

const LogPage = Schema.Struct({
  entries: Schema.Array(LogEntry),
  /** Pass as `after` for the next page; absent at the end of the log so far. */
  next: Schema.optionalKey(Schema.Int)
}).annotate({ identifier: "LogPage" })

const UnfinishedRunView = Schema.Struct({
  /** The run that made the plan: resume and abandon name it. */
  runId: Schema.String,
  job: Schema.String,
  /** When the plan was stored (ISO-8601). */
  savedAt: Schema.String,
  /** The run that last worked on the plan: `runId`, or an earlier resume that died too. */
  lastRunId: Schema.String,
  /** What the plan was of: an apply's month and operation count, a transfer's range. */
  details: Schema.Record(Schema.String, Schema.Json)
}).annotate({ identifier: "UnfinishedRun" })

const QueuedRunParams = Schema.Struct({ linkId: LinkParams.fields.linkId, jobId: Text })

const QueuedRunStatus = Schema.Struct({
  jobId: Schema.String,
  job: Schema.String,
  /** `queued` (also between retries), `running`, `done`, or `failed` after its last try. */
  state: Schema.Literals(["queued", "running", "done", "failed"]),
  /** The link's run of the latest attempt, once a worker started it. */
  runId: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "QueuedRunStatus" })

const AbandonBody = Schema.Struct({ reason: Text })
const Abandoned = Schema.Struct({
  /** `false` when the run had no open plan (finished, abandoned or resumed meanwhile). */
  abandoned: Schema.Boolean
}).annotate({ identifier: "Abandoned" })

/** Transfer (preview, run, payment sync) and runs (list, get, log, text, events). */
export const runRoutes = [
  route({
    method: "post",
    path: "/links/{linkId}/transfer/preview",
    operationId: "previewTransfer",
    summary: "What a transfer of the range would do, without writing",
    tag: "transfer",
    access: "viewer",
    params: LinkParams,
    body: TransferRangeBody,
    response: TransferPlan,
    handle: async ({ server, params, body }) =>
      (await server.deployment.links.open(params.linkId)).transfer.preview(body)
  }),
  route({
    method: "post",
    path: "/links/{linkId}/transfer/run",
    operationId: "runTransfer",
    summary:
      "Transfers the range's ConnectWise invoices to Exact Online as a run (202 with its id; 409 when busy); in workers mode queued for the workers (202 with the job's id)",
    tag: "transfer",
    access: "finance",
    params: LinkParams,
    body: TransferRangeBody,
    response: Schema.Union([RunStarted, RunQueued]),
    status: 202,
    handle: async ({ server, params, body, principal }) => {
      const jobId = await queueManualRun(server, params.linkId, "transfer.run", principal.user, { range: body })
      if (jobId !== undefined) {
        await store(
          server.storage.approvals.append(params.linkId, {
            at: server.now(),
            actor: principal.user,
            action: "transfer.run",
            changes: { range: body, queued: jobId }
          })
        )
        return { jobId, queued: true as const }
      }
      const link = await server.deployment.links.open(params.linkId)
      return startRun(
        server,
        link,
        "transfer.run",
        (options) => link.transfer.run(body, options),
        async (result) => {
          await store(
            server.storage.approvals.append(params.linkId, {
              at: server.now(),
              actor: principal.user,
              action: "transfer.run",
              runId: result.runId,
              changes: { range: body, status: result.status }
            })
          )
        }
      )
    }
  }),
  route({
    method: "get",
    path: "/links/{linkId}/transfer/runs/{runId}",
    operationId: "getTransferResult",
    summary:
      "A transfer run's result per ConnectWise invoice: created (with the Exact entry or invoice number), already transferred, blocked with the reasons, failed with the typed error, total differs",
    tag: "transfer",
    access: "viewer",
    params: RunParams,
    response: StoredTransferReport,
    handle: async ({ server, params }) => {
      const run = Option.getOrUndefined(await store(server.storage.runs.get(params.linkId, params.runId)))
      const kept =
        run?.job === "transfer.run"
          ? Option.getOrUndefined(await store(server.storage.runs.result(params.linkId, params.runId)))
          : undefined
      // A transfer that never got as far as its outcome (it failed loading, or still runs) has none.
      if (kept === undefined) throw new ApiError(404, "NotFound", `no transfer result of run ${params.runId}`)
      return Schema.decodeUnknownSync(StoredTransferReport)(kept)
    }
  }),
  route({
    method: "post",
    path: "/links/{linkId}/transfer/payments",
    operationId: "syncPayments",
    summary:
      "Records Exact Online's payments on the ConnectWise invoices as a run (202 with its id); in workers mode queued for the workers (202 with the job's id)",
    tag: "transfer",
    access: "finance",
    params: LinkParams,
    response: Schema.Union([RunStarted, RunQueued]),
    status: 202,
    handle: async ({ server, params, principal }) => {
      const jobId = await queueManualRun(server, params.linkId, "transfer.syncPayments", principal.user)
      if (jobId !== undefined) return { jobId, queued: true as const }
      const link = await server.deployment.links.open(params.linkId)
      return startRun(server, link, "transfer.syncPayments", (options) => link.transfer.syncPayments(options))
    }
  }),
  route({
    method: "get",
    path: "/links/{linkId}/queued-runs/{jobId}",
    operationId: "getQueuedRun",
    summary: "Where a run queued for the workers is, and the link's run once a worker started it",
    tag: "runs",
    access: "viewer",
    params: QueuedRunParams,
    response: QueuedRunStatus,
    handle: async ({ server, params }) => {
      const status =
        server.queue === undefined ? undefined : await (await server.queue.get()).status(params.linkId, params.jobId)
      if (status === undefined) throw new ApiError(404, "NotFound", "no such queued run")
      const { linkId: _, ...shown } = status
      return shown
    }
  }),
  route({
    method: "get",
    path: "/links/{linkId}/runs",
    operationId: "listRuns",
    summary: "The link's runs, newest first; page with `before` (a run id of the previous page)",
    tag: "runs",
    access: "viewer",
    params: LinkParams,
    query: Schema.Struct({ limit: Schema.optionalKey(IntFromText(1, 200)), before: Schema.optionalKey(Text) }),
    response: Schema.Array(Run),
    handle: async ({ server, params, query }) =>
      store(
        server.storage.runs.list(params.linkId, {
          limit: query.limit ?? 50,
          ...(query.before === undefined ? {} : { before: query.before })
        })
      )
  }),
  route({
    method: "get",
    path: "/links/{linkId}/unfinished-runs",
    operationId: "listUnfinishedRuns",
    summary:
      "Runs whose process died before they finished their stored plan, oldest first; while there is one, apply and transfer answer 409 UnfinishedRun",
    tag: "runs",
    access: "viewer",
    params: LinkParams,
    response: Schema.Array(UnfinishedRunView),
    handle: async ({ server, params }) => {
      const link = await server.deployment.links.open(params.linkId)
      return (await link.runs.unfinished()).map((u) => ({
        ...u,
        details: toJson(u.details) as Record<string, Schema.Json>
      }))
    }
  }),
  route({
    method: "post",
    path: "/links/{linkId}/unfinished-runs/{runId}/resume",
    operationId: "resumeRun",
    summary:
      "Finishes the unfinished run's stored plan as a new run (202 with its id): nothing it did is done again; 400 when the run has no open plan",
    tag: "runs",
    access: "finance",
    params: RunParams,
    response: RunStarted,
    status: 202,
    handle: async ({ server, params, principal }) => {
      const link = await server.deployment.links.open(params.linkId)
      const [open] = (await link.runs.unfinished()).filter((u) => u.runId === params.runId)
      return startRun(
        server,
        link,
        open?.job ?? "resume",
        (options) => link.runs.resume(params.runId, options),
        async (result) => {
          await store(
            server.storage.approvals.append(params.linkId, {
              at: server.now(),
              actor: principal.user,
              action: "runs.resume",
              runId: result.runId,
              changes: { resumes: params.runId, status: result.status }
            })
          )
        }
      )
    }
  }),
  route({
    method: "post",
    path: "/links/{linkId}/unfinished-runs/{runId}/abandon",
    operationId: "abandonRun",
    summary:
      "Gives up the unfinished run's stored plan with a reason (then plan again); 409 Busy while a run still works on it",
    tag: "runs",
    access: "finance",
    params: RunParams,
    body: AbandonBody,
    response: Abandoned,
    handle: async ({ server, params, body, principal }) => {
      const link = await server.deployment.links.open(params.linkId)
      const abandoned = await link.runs.abandon(params.runId, { reason: body.reason })
      if (abandoned) {
        await store(
          server.storage.approvals.append(params.linkId, {
            at: server.now(),
            actor: principal.user,
            action: "runs.abandon",
            runId: params.runId,
            changes: { reason: body.reason }
          })
        )
      }
      return { abandoned }
    }
  }),
  route({
    method: "get",
    path: "/links/{linkId}/runs/{runId}",
    operationId: "getRun",
    summary: "One run: job, status, counts and summary",
    tag: "runs",
    access: "viewer",
    params: RunParams,
    response: Run,
    handle: async ({ server, params }) => {
      const run = await store(server.storage.runs.get(params.linkId, params.runId))
      if (Option.isNone(run)) throw new ApiError(404, "NotFound", "no such run")
      return run.value
    }
  }),
  route({
    method: "get",
    path: "/links/{linkId}/runs/{runId}/log",
    operationId: "getRunLog",
    summary: "The run's log entries after `after`, in pages of at most 1,000",
    tag: "runs",
    access: "viewer",
    params: RunParams,
    query: Schema.Struct({
      after: Schema.optionalKey(IntFromText(0, Number.MAX_SAFE_INTEGER)),
      limit: Schema.optionalKey(IntFromText(1, 1_000))
    }),
    response: LogPage,
    handle: async ({ server, params, query }) => {
      const limit = query.limit ?? 1_000
      const entries = await store(
        server.storage.runs.readLog(params.linkId, params.runId, { afterSeq: query.after ?? 0, limit })
      )
      const last = entries.at(-1)
      return { entries, ...(entries.length === limit && last !== undefined ? { next: last.seq } : {}) }
    }
  }),
  route({
    method: "get",
    path: "/links/{linkId}/runs/{runId}/log.txt",
    operationId: "downloadRunLog",
    summary: "The whole log as readable text, one line per entry (a download)",
    tag: "runs",
    access: "viewer",
    params: RunParams,
    response: "text",
    handle: async ({ server, params }) => {
      const link = await server.deployment.links.open(params.linkId)
      const text = await link.runs.log(params.runId).text()
      return new Reply(text, {
        headers: {
          "content-type": "text/plain; charset=utf-8",
          "content-disposition": `attachment; filename="run-${params.runId.replace(/[^A-Za-z0-9-]/g, "")}.log"`
        }
      })
    }
  }),
  route({
    method: "get",
    path: "/links/{linkId}/runs/{runId}/events",
    operationId: "streamRunEvents",
    summary: "Server-sent events of the run (progress, log, end), from any server; resumable with Last-Event-ID",
    tag: "runs",
    access: "viewer",
    params: RunParams,
    response: "sse",
    handle: async ({ server, params, request }) => {
      const run = await store(server.storage.runs.get(params.linkId, params.runId))
      if (Option.isNone(run)) throw new ApiError(404, "NotFound", "no such run")
      return runEventStream(server, params.linkId, params.runId, request)
    }
  })
]
