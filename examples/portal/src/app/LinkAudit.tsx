// The link's configuration audit in its settings: who changed which fields, newest first. Values
// are not shown (the audit keeps field names only, so no secret or old key is ever in it).
import { useEffect, useState } from "react"
import { api, problem } from "./api.ts"
import { formatDateTime } from "./format.ts"

/** What each audited action did, in the words of the settings page. */
const ACTIONS: Readonly<Record<string, string>> = {
  "link.create": "created the link",
  "link.update": "changed settings",
  "link.import": "imported the link from a file",
  "link.remove": "removed the link",
  "exact.connect": "connected Exact Online"
}

type AuditEntry = {
  readonly at: string
  readonly actor: string
  readonly action: string
  readonly fields: ReadonlyArray<string>
}

/** Who changed what in the link's configuration, the latest 200 changes. */
export const LinkAudit = ({ linkId, version }: { readonly linkId: string; readonly version: number | undefined }) => {
  const [entries, setEntries] = useState<ReadonlyArray<AuditEntry> | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)
  // Read again after each save: the version changes with it.
  useEffect(() => {
    void version
    void api.GET("/links/{linkId}/audit", { params: { path: { linkId } } }).then(({ data, error: e, response }) => {
      if (data === undefined) setError(problem(e, response.status))
      else setEntries(data)
    })
  }, [linkId, version])
  return (
    <section className="audit" aria-labelledby="audit-title">
      <h2 id="audit-title">Changes</h2>
      {error !== undefined && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {entries !== undefined && entries.length === 0 && <p className="empty">No change recorded yet.</p>}
      {entries !== undefined && entries.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Fields</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: entries have no id; newest first, read whole
              <tr key={i}>
                <td>
                  <time dateTime={e.at}>{formatDateTime(e.at)}</time>
                </td>
                <td>{e.actor}</td>
                <td>{ACTIONS[e.action] ?? e.action}</td>
                <td>{e.fields.length === 0 ? "—" : e.fields.join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
