import { useEffect, useState } from "react"
import { api, type LinkSummary, problem, type Run } from "./api.ts"
import { formatDateTime, formatScheduled, JOB_LABELS } from "./format.ts"

type Check = { readonly ok: boolean; readonly detail?: string; readonly message?: string }
type Checks = { readonly connectwise: Check; readonly exact: Check }

/** The rows of a grid that need a person, as the reconciliation page's view counts them. */
const NEEDS_A_PERSON = ["unlinked", "problem", "suggested"] as const

/** How many lines of the newest month need a person, when that month is loaded on the server. */
const attentionOf = async (linkId: string): Promise<{ month: string; count: number } | undefined> => {
  const path = { linkId }
  const month = (await api.GET("/links/{linkId}/months", { params: { path } })).data?.months[0]
  if (month === undefined) return undefined
  const status = (await api.GET("/links/{linkId}/months/{month}", { params: { path: { linkId, month } } })).data
  if (status?.state !== "ready") return undefined
  const grid = (
    await api.GET("/links/{linkId}/months/{month}/grid", {
      params: { path: { linkId, month }, query: { limit: "1" } }
    })
  ).data
  if (grid === undefined) return undefined
  return { month, count: NEEDS_A_PERSON.reduce((n, state) => n + (grid.counts[state] ?? 0), 0) }
}

/** Each link with its connections (tested on request), its latest runs and a way into its month. */
export const LinksPage = (props: {
  readonly links: ReadonlyArray<LinkSummary>
  readonly role: string
  readonly onOpen: (id: string) => void
}) => (
  <section>
    <h1>Links</h1>
    {props.role === "admin" && (
      <p>
        <a href="#/links/new">Add a link</a>
      </p>
    )}
    {props.links.length === 0 && <p className="empty">No links yet: an administrator adds one.</p>}
    <ul className="cards">
      {props.links.map((link) => (
        <LinkCard key={link.id} link={link} admin={props.role === "admin"} onOpen={props.onOpen} />
      ))}
    </ul>
  </section>
)

const LinkCard = ({
  link,
  admin,
  onOpen
}: {
  readonly link: LinkSummary
  readonly admin: boolean
  readonly onOpen: (id: string) => void
}) => {
  const [runs, setRuns] = useState<ReadonlyArray<Run>>([])
  const [checks, setChecks] = useState<Checks | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)
  const [testing, setTesting] = useState(false)
  const [attention, setAttention] = useState<{ month: string; count: number } | undefined>(undefined)
  useEffect(() => {
    void api
      .GET("/links/{linkId}/runs", { params: { path: { linkId: link.id } } })
      .then(({ data }) => setRuns(data ?? []))
    void attentionOf(link.id).then(setAttention)
  }, [link.id])
  const test = async () => {
    setTesting(true)
    setError(undefined)
    const {
      data,
      error: e,
      response
    } = await api.POST("/links/{linkId}/test", { params: { path: { linkId: link.id } } })
    setTesting(false)
    if (data === undefined) setError(problem(e, response.status))
    else setChecks(data as Checks)
  }
  return (
    <li className="card">
      <h2>{link.name}</h2>
      <p>
        <button type="button" onClick={() => onOpen(link.id)}>
          Open reconciliation
        </button>{" "}
        {admin && (
          <button type="button" onClick={() => void test()} disabled={testing}>
            {testing ? "Testing…" : "Test connections"}
          </button>
        )}{" "}
        {admin && <a href={`#/links/${encodeURIComponent(link.id)}/settings`}>Settings</a>}
      </p>
      {checks !== undefined && (
        <ul aria-label="Connections">
          {(
            [
              ["ConnectWise PSA", checks.connectwise],
              ["Exact Online", checks.exact]
            ] as const
          ).map(([system, check]) => (
            <li key={system}>
              {system}:{" "}
              {check.ok ? (
                <strong className="good">connected</strong>
              ) : (
                <strong className="bad">{check.message}</strong>
              )}{" "}
              {check.detail}
            </li>
          ))}
        </ul>
      )}
      {error !== undefined && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {attention !== undefined && (
        <p className={attention.count > 0 ? "attention" : undefined} data-testid="attention">
          {attention.count === 0
            ? `Nothing needs a person in ${attention.month}.`
            : `${attention.count} ${attention.count === 1 ? "line needs" : "lines need"} a person in ${attention.month}.`}
        </p>
      )}
      <h3>Next scheduled runs</h3>
      {link.nextRuns.length === 0 ? (
        <p>No schedules: an administrator sets them in the link's settings.</p>
      ) : (
        <>
          <table aria-label="Next scheduled runs">
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Next run</th>
              </tr>
            </thead>
            <tbody>
              {link.nextRuns.map((next) => (
                <tr key={next.job}>
                  <td>{JOB_LABELS[next.job] ?? next.job}</td>
                  <td>
                    <time dateTime={next.at}>{formatScheduled(next.at, next.timeZone)}</time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p>{link.scheduling === "workers" ? "Run by the workers." : "Run by this server."}</p>
        </>
      )}
      <h3>Latest runs</h3>
      {runs.length === 0 ? (
        <p>No runs yet: load a month and apply, or transfer invoices.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Status</th>
              <th scope="col">Started</th>
            </tr>
          </thead>
          <tbody>
            {runs.slice(0, 5).map((r) => (
              <tr key={r.id}>
                <td>{r.job}</td>
                <td>{r.status}</td>
                <td>{formatDateTime(r.startedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </li>
  )
}
