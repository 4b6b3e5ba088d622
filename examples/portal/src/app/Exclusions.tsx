// Exclusions: "leave these lines out", for one month (the draft's decision) or for good (the
// link's remembered exclusions of an Exact product or customer, which every later load honours).
import { useCallback, useEffect, useId, useRef, useState } from "react"
import { api, type Exclusion, type GridEntry, problem } from "./api.ts"
import { formatDate } from "./format.ts"

/** How far an exclusion reaches: this month's draft only, or every month of the link. */
export type ExcludeScope = "month" | "product" | "customer"

/** One product or customer the selected rows have, as the link would remember it. */
export interface ExclusionTarget {
  readonly kind: "product" | "customer"
  readonly key: string
  /** What the person sees it called: the code and the name or description. */
  readonly label: string
}

/** The distinct products or customers of some rows, in the order the rows show them. */
export const targetsOf = (
  rows: ReadonlyArray<GridEntry["row"]>,
  kind: ExclusionTarget["kind"]
): ReadonlyArray<ExclusionTarget> => {
  const seen = new Map<string, ExclusionTarget>()
  for (const row of rows) {
    const [key, code, name] =
      kind === "product"
        ? [row.product.key, row.product.code, row.product.description]
        : [row.customer.key, row.customer.code, row.customer.name]
    if (key === "" || seen.has(key)) continue
    const label = [code, name].filter((part) => part !== "").join(" ")
    seen.set(key, { kind, key, label: label === "" ? key : label })
  }
  return [...seen.values()]
}

/** Remembers each target as "always ignore", one request each; the first refusal stops and says why. */
export const rememberExclusions = async (
  linkId: string,
  targets: ReadonlyArray<ExclusionTarget>,
  reason: string
): Promise<string | undefined> => {
  for (const target of targets) {
    const { error, response } = await api.POST("/links/{linkId}/exclusions", {
      params: { path: { linkId } },
      body: { kind: target.kind, key: target.key, reason, label: target.label }
    })
    if (error !== undefined || !response.ok) return `${target.label}: ${problem(error, response.status)}`
  }
  return undefined
}

/** Stops ignoring one remembered product or customer. */
export const forgetExclusion = async (
  linkId: string,
  ref: { readonly kind: "product" | "customer"; readonly key: string }
): Promise<string | undefined> => {
  const { error, response } = await api.DELETE("/links/{linkId}/exclusions/{kind}/{key}", {
    params: { path: { linkId, kind: ref.kind, key: ref.key } }
  })
  return error !== undefined || !response.ok ? problem(error, response.status) : undefined
}

const SCOPES: ReadonlyArray<readonly [ExcludeScope, string]> = [
  ["month", "This month only"],
  ["product", "Always: ignore the product of these lines"],
  ["customer", "Always: ignore the customer of these lines"]
]

/**
 * "Exclude selected…": leave the selected rows out of this month (saved in the draft), or
 * remember their products or customers as always ignored, with the reason a colleague will read.
 */
export const ExcludeDialog = (props: {
  readonly linkId: string
  readonly rows: ReadonlyArray<GridEntry["row"]>
  readonly onMonth: (reason: string) => void
  readonly onRemembered: () => void
  readonly onClose: () => void
}) => {
  const dialog = useRef<HTMLDialogElement>(null)
  const reasonId = useId()
  const [scope, setScope] = useState<ExcludeScope>("month")
  const [reason, setReason] = useState("")
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | undefined>(undefined)
  useEffect(() => {
    dialog.current?.showModal()
  }, [])

  // ConnectWise-only rows (an addition nobody invoiced) have no Exact product or customer to remember.
  const invoiceRows = props.rows.filter((row) => row.origin === "invoice")
  const targets = scope === "month" ? [] : targetsOf(invoiceRows, scope)
  const needsReason = scope !== "month"
  const ready = !busy && (!needsReason || (reason.trim() !== "" && targets.length > 0))

  const submit = async () => {
    setError(undefined)
    if (scope === "month") {
      props.onMonth(reason.trim())
      return dialog.current?.close()
    }
    setBusy(true)
    const failed = await rememberExclusions(props.linkId, targets, reason.trim())
    setBusy(false)
    if (failed !== undefined) return setError(failed)
    props.onRemembered()
    dialog.current?.close()
  }

  return (
    <dialog ref={dialog} className="exclude" aria-labelledby="exclude-title" onClose={props.onClose}>
      <h2 id="exclude-title">Exclude {props.rows.length} selected rows</h2>
      <fieldset>
        <legend>For how long</legend>
        {SCOPES.map(([id, label]) => (
          <label key={id} className="choice">
            <input type="radio" name="exclude-scope" value={id} checked={scope === id} onChange={() => setScope(id)} />{" "}
            {label}
            {id !== "month" && ` (${targetsOf(invoiceRows, id).length})`}
          </label>
        ))}
      </fieldset>
      {targets.length > 0 && (
        <section aria-label={scope === "product" ? "Products to ignore" : "Customers to ignore"}>
          <p>Every month, the lines of these are left out and never planned:</p>
          <ul className="targets">
            {targets.slice(0, 50).map((t) => (
              <li key={t.key}>{t.label}</li>
            ))}
            {targets.length > 50 && <li>and {targets.length - 50} more</li>}
          </ul>
        </section>
      )}
      {needsReason && targets.length === 0 && (
        <p role="status">The selected rows have no invoice line, so there is nothing to remember.</p>
      )}
      <label htmlFor={reasonId}>Reason{needsReason ? " (required)" : " (optional)"}</label>
      <input
        id={reasonId}
        type="text"
        value={reason}
        required={needsReason}
        placeholder="e.g. billed by the distributor directly"
        onChange={(e) => setReason(e.target.value)}
      />
      {error !== undefined && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="buttons">
        <button type="button" className="primary" disabled={!ready} onClick={() => void submit()}>
          {scope === "month" ? "Exclude this month" : `Always ignore ${targets.length}`}
        </button>
        <button type="button" onClick={() => dialog.current?.close()}>
          Cancel
        </button>
      </div>
    </dialog>
  )
}

/**
 * The link's remembered exclusions in its settings: what is always ignored, why, by whom and
 * since when, and "Stop ignoring" (settings are an administrator's page).
 */
export const ExclusionsSection = (props: { readonly linkId: string }) => {
  const [exclusions, setExclusions] = useState<ReadonlyArray<Exclusion> | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)
  const read = useCallback(async () => {
    const {
      data,
      error: e,
      response
    } = await api.GET("/links/{linkId}/exclusions", {
      params: { path: { linkId: props.linkId } }
    })
    if (data === undefined) setError(problem(e, response.status))
    else setExclusions(data)
  }, [props.linkId])
  useEffect(() => {
    void read()
  }, [read])

  const stop = async (exclusion: Exclusion) => {
    setError(undefined)
    const failed = await forgetExclusion(props.linkId, exclusion)
    if (failed !== undefined) return setError(failed)
    await read()
  }

  return (
    <section className="exclusions" aria-labelledby="exclusions-title">
      <h2 id="exclusions-title">Always ignored</h2>
      {error !== undefined && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {exclusions === undefined ? (
        error === undefined && <p>Reading the exclusions…</p>
      ) : exclusions.length === 0 ? (
        <p className="empty">
          Nothing is always ignored. In the reconciliation grid, select rows and choose “Exclude selected…” to ignore
          their product or customer every month.
        </p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">What</th>
              <th scope="col">Name</th>
              <th scope="col">Reason</th>
              <th scope="col">By</th>
              <th scope="col">Since</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {exclusions.map((x) => (
              <tr key={`${x.kind}:${x.key}`}>
                <td>{x.kind === "product" ? "Product" : "Customer"}</td>
                <td title={x.key}>{typeof x.label === "string" ? x.label : x.key}</td>
                <td>{x.reason}</td>
                <td>{x.createdBy ?? ""}</td>
                <td>{formatDate(x.createdAt.slice(0, 10))}</td>
                <td>
                  <button
                    type="button"
                    aria-label={`Stop ignoring ${typeof x.label === "string" ? x.label : x.key}`}
                    onClick={() => void stop(x)}
                  >
                    Stop ignoring
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
