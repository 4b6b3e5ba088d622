import type { LinkApi, LinkRunOptions, LinkRunResult, ProgressEvent } from "@psa-ledger/link"
import { ApiError } from "../ApiError.ts"
import type { ServerContext } from "./context.ts"
import { toApiError } from "./errors.ts"
import { saveLoadedMonth } from "./loadedMonths.ts"
import { store } from "./session.ts"

// A run row left "running" by a process that died must not hold its link forever.
const STALE_RUN_MS = 6 * 3_600_000

/**
 * Claims the link for a run in this process (synchronously, so two requests at once cannot both
 * pass), then refuses when another process has a run of the link going (its stored run).
 */
const claim = async (ctx: ServerContext, link: LinkApi, job: string) => {
  const here = ctx.active.get(link.id)
  if (here !== undefined) {
    throw new ApiError(409, "Busy", `the link has a ${here.job} run going`, {
      details: here.runId === undefined ? { job: here.job } : { job: here.job, runId: here.runId }
    })
  }
  const slot: { job: string; runId?: string | undefined } = { job }
  ctx.active.set(link.id, slot)
  try {
    const recent = await link.runs.list({ limit: 50 })
    // A run whose plan is left unfinished died with its row `running`: the link itself answers for
    // it (`UnfinishedRun`, or `Busy` while its lease is alive), so it does not make the link busy here.
    const dead = new Set((await link.runs.unfinished()).flatMap((u) => [u.runId, u.lastRunId]))
    const now = ctx.now()
    const running = recent.find(
      (r) => r.status === "running" && !dead.has(r.id) && now - r.startedAt.epochMilliseconds < STALE_RUN_MS
    )
    if (running !== undefined) {
      throw new ApiError(409, "Busy", `the link has a ${running.job} run going`, {
        details: { job: running.job, runId: running.id }
      })
    }
    return { slot }
  } catch (error) {
    ctx.active.delete(link.id)
    throw error
  }
}

/**
 * Starts a run in the background, independent of the request: answers with the run's id as soon
 * as the run is recorded. Progress goes to the run events (readable by every process); the end is
 * the run's stored status. `after` runs once the run has finished (the approval audit).
 */
export const startRun = async (
  ctx: ServerContext,
  link: LinkApi,
  job: string,
  start: (options: LinkRunOptions) => Promise<LinkRunResult<unknown>>,
  after?: (result: LinkRunResult<unknown>) => Promise<void>
): Promise<{ readonly runId: string }> => {
  const { slot } = await claim(ctx, link, job)
  const pending: Array<ProgressEvent> = []
  let lastWrite = Promise.resolve()
  const write = (runId: string, event: ProgressEvent) => {
    lastWrite = lastWrite.then(() =>
      store(
        ctx.storage.runEvents.append(link.id, runId, {
          type: "progress",
          data: { phase: event.phase, done: event.done, ...(event.total === undefined ? {} : { total: event.total }) },
          at: ctx.now()
        })
      ).then(
        () => undefined,
        () => undefined
      )
    )
  }
  const onProgress = (event: ProgressEvent) => {
    if (slot.runId === undefined) pending.push(event)
    else write(slot.runId, event)
  }
  // The runner names the run as soon as it is recorded, before its body starts; a run that fails
  // before that (busy, storage down) settles the other way.
  let started: (runId: string) => void = () => {}
  let notStarted: (error: unknown) => void = () => {}
  const recorded = new Promise<string>((resolve, reject) => {
    started = resolve
    notStarted = reject
  })
  const running = start({
    onProgress,
    signal: ctx.shutdown.signal,
    onStart: (runId) => {
      slot.runId = runId
      for (const event of pending.splice(0)) write(runId, event)
      started(runId)
    }
  })
    .then(async (result) => {
      slot.runId ??= result.runId
      started(result.runId)
      await lastWrite
      if (after !== undefined)
        await after(result).catch((error) => ctx.log("error", "after-run step failed", { error: String(error) }))
      return result
    })
    .catch((error: unknown) => {
      notStarted(error)
      ctx.log("error", `${job} failed to start or ended with an error`, {
        linkId: link.id,
        error: toApiError(error).message
      })
    })
    .finally(() => {
      if (ctx.active.get(link.id) === slot) ctx.active.delete(link.id)
    })
  ctx.work.add(running)
  void running.finally(() => ctx.work.delete(running))
  try {
    return { runId: await recorded }
  } catch (error) {
    throw toApiError(error)
  }
}

/**
 * Starts loading a month in the background; a second call while it loads returns the same job. The
 * loaded month goes to storage, where every process finds it.
 */
export const loadMonth = (ctx: ServerContext, link: LinkApi, month: string, by: string) => {
  const key = `${link.id} ${month}`
  const current = ctx.months.get(key)
  if (current?.state === "loading") return current
  const job = {
    state: "loading" as "loading" | "ready" | "failed",
    startedAt: ctx.now(),
    promise: Promise.resolve()
  } as import("./context.ts").MonthJob
  job.promise = link.reconciliation
    .load(month, {
      onProgress: (event) => {
        job.progress = { phase: event.phase, done: event.done, total: event.total }
      },
      signal: ctx.shutdown.signal
    })
    .then((grid) => saveLoadedMonth(ctx, link.id, grid, by))
    .then(
      () => {
        job.state = "ready"
      },
      (error: unknown) => {
        const api = toApiError(error)
        job.error = { code: api.code, message: api.message }
        job.state = "failed"
      }
    )
  ctx.months.set(key, job)
  ctx.work.add(job.promise)
  void job.promise.finally(() => ctx.work.delete(job.promise))
  return job
}
