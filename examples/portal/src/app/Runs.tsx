import { useEffect, useMemo, useState } from "react"
import { api, type LogEntry, type Run } from "./api.ts"
import { formatDateTime } from "./format.ts"

const LEVELS = ["debug", "info", "warn", "error"]

const duration = (run: Run): string => {
  if (run.finishedAt === undefined || run.finishedAt === null) return run.status === "running" ? "running" : ""
  const ms = Date.parse(run.finishedAt) - Date.parse(run.startedAt)
  return ms < 1_000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`
}

const counts = (run: Run) =>
  Object.entries(run.counts)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ")

/** Whether the run's mail went out, in the runs page's words. */
export const MAIL_LABELS: Readonly<Record<NonNullable<Run["mail"]>, string>> = {
  sent: "sent",
  failed: "not sent: see the log",
  "not configured": "no mail set up",
  "held for the retry": "after the retry"
}

/** Every run of the link, newest first; a run's log with a level filter, search and download. */
export const RunsPage = ({ linkId }: { readonly linkId: string }) => {
  const [runs, setRuns] = useState<ReadonlyArray<Run> | undefined>(undefined)
  const [open, setOpen] = useState<string | undefined>(undefined)
  useEffect(() => {
    void api.GET("/links/{linkId}/runs", { params: { path: { linkId } } }).then(({ data }) => setRuns(data ?? []))
  }, [linkId])
  return (
    <section>
      <h1>Runs</h1>
      {runs === undefined ? (
        <p>Loading…</p>
      ) : runs.length === 0 ? (
        <p className="empty">No runs yet. Applying a month's changes or transferring invoices starts one.</p>
      ) : (
        <table className="runs">
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Status</th>
              <th scope="col">Trigger</th>
              <th scope="col">Started</th>
              <th scope="col">Duration</th>
              <th scope="col">Counts</th>
              <th scope="col">Mail</th>
              <th scope="col">Log</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <tr key={run.id} data-run={run.id}>
                <td>{run.job}</td>
                <td className={`status-${run.status}`}>{run.status}</td>
                <td>{run.trigger}</td>
                <td>{formatDateTime(run.startedAt)}</td>
                <td>{duration(run)}</td>
                <td>{counts(run)}</td>
                <td className={run.mail === "failed" ? "bad" : undefined} data-testid="run-mail">
                  {run.mail === undefined || run.mail === null ? "—" : MAIL_LABELS[run.mail]}
                </td>
                <td>
                  <button
                    type="button"
                    onClick={() => setOpen(run.id)}
                    aria-label={`Show log of the ${run.job} run ${run.id}`}
                  >
                    Show log
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {open !== undefined && <RunLog linkId={linkId} runId={open} />}
    </section>
  )
}

const RunLog = ({ linkId, runId }: { readonly linkId: string; readonly runId: string }) => {
  const [entries, setEntries] = useState<ReadonlyArray<LogEntry>>([])
  const [level, setLevel] = useState("info")
  const [search, setSearch] = useState("")
  useEffect(() => {
    let cancelled = false
    const read = async () => {
      const all: Array<LogEntry> = []
      let after = 0
      for (;;) {
        const { data } = await api.GET("/links/{linkId}/runs/{runId}/log", {
          params: { path: { linkId, runId }, query: { after: String(after), limit: "1000" } }
        })
        if (data === undefined) break
        all.push(...data.entries)
        if (data.next === undefined || data.entries.length === 0) break
        after = data.next
      }
      if (!cancelled) setEntries(all)
    }
    void read()
    return () => {
      cancelled = true
    }
  }, [linkId, runId])
  const shown = useMemo(
    () =>
      entries.filter(
        (e) =>
          LEVELS.indexOf(e.level) >= LEVELS.indexOf(level) &&
          (search === "" || e.message.toLowerCase().includes(search.toLowerCase()))
      ),
    [entries, level, search]
  )
  return (
    <section aria-label="Run log" className="log">
      <h2>Log of run {runId}</h2>
      <div className="toolbar">
        <label>
          Level at least{" "}
          <select value={level} onChange={(e) => setLevel(e.target.value)}>
            {LEVELS.map((l) => (
              <option key={l}>{l}</option>
            ))}
          </select>
        </label>
        <label>
          Search the log <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </label>
        <a href={`/api/v1/links/${encodeURIComponent(linkId)}/runs/${encodeURIComponent(runId)}/log.txt`} download>
          Download the log
        </a>
      </div>
      {shown.length === 0 ? (
        <p>No log lines at this level{search === "" ? "" : " matching the search"}.</p>
      ) : (
        <ol className="loglines" aria-label="Log lines">
          {shown.map((e) => (
            <li key={e.seq} className={`level-${e.level}`}>
              <time dateTime={e.at}>{formatDateTime(e.at)}</time> <strong>{e.level}</strong> {e.message}
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}
