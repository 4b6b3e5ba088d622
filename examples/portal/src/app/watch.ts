// A run's live progress over server-sent events, then the finished run.
import { api, type Run } from "./api.ts"

export type Progress = { readonly phase?: string; readonly done?: number; readonly total?: number }

export const watchRun = (
  linkId: string,
  runId: string,
  on: { readonly progress: (p: Progress) => void; readonly log?: (line: string) => void }
): Promise<Run | undefined> =>
  new Promise((resolve) => {
    const source = new EventSource(
      `/api/v1/links/${encodeURIComponent(linkId)}/runs/${encodeURIComponent(runId)}/events`
    )
    source.addEventListener("progress", (event) => on.progress(JSON.parse((event as MessageEvent).data) as Progress))
    source.addEventListener("log", (event) => {
      const entry = JSON.parse((event as MessageEvent).data) as { level: string; message: string }
      on.log?.(`${entry.level} ${entry.message}`)
    })
    source.addEventListener("end", () => {
      source.close()
      void api
        .GET("/links/{linkId}/runs/{runId}", { params: { path: { linkId, runId } } })
        .then(({ data }) => resolve(data))
    })
  })

/**
 * A run queued for the workers (the deployment's scheduling is `workers`): waits until a worker has
 * started it and named its run, then follows that run like any other. `queued` is told the job's
 * state while it waits; a job whose last try failed before it named a run resolves `undefined`.
 */
export const watchQueued = async (
  linkId: string,
  jobId: string,
  on: { readonly progress: (p: Progress) => void; readonly queued: (state: string) => void }
): Promise<Run | undefined> => {
  for (;;) {
    const { data } = await api.GET("/links/{linkId}/queued-runs/{jobId}", { params: { path: { linkId, jobId } } })
    if (data?.runId !== undefined) return watchRun(linkId, data.runId, on)
    if (data === undefined || data.state === "failed") return undefined
    on.queued(data.state)
    await new Promise((resolve) => setTimeout(resolve, 1_000))
  }
}
