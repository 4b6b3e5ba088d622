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
