import { useEffect, useRef, useState } from "react"
import { api, problem, type ReconciliationRow, type RowDecision } from "./api.ts"
import { chipOf, type Names, resolutionOf, type Side } from "./chips.ts"
import { formatScore } from "./format.ts"

type Choice = NonNullable<RowDecision["customer"]>

const NAMES: Record<Side, string> = {
  customer: "ConnectWise company",
  product: "ConnectWise product",
  agreement: "agreement"
}

/** Links one side of a row: a suggestion (best first, with its score and reason), an id, or a new record. */
export const Picker = (props: {
  readonly linkId: string
  readonly month: string
  readonly row: ReconciliationRow
  readonly side: Side
  readonly decision: RowDecision | undefined
  /** The ConnectWise names of this side's ids, from the grid page. */
  readonly names?: Names | undefined
  readonly onClose: () => void
  readonly onChoose: (choice: Choice | undefined) => void
  readonly onCreated: () => void
}) => {
  const dialog = useRef<HTMLDialogElement>(null)
  const [id, setId] = useState("")
  const [filter, setFilter] = useState("")
  const [error, setError] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  useEffect(() => {
    dialog.current?.showModal()
  }, [])
  const resolution = resolutionOf(props.row, props.side)
  const current = chipOf(resolution, props.decision?.[props.side], props.names)
  const nameOf = (id: number) => props.names?.[String(id)]
  const candidates =
    resolution._tag === "Suggested"
      ? resolution.candidates.map((c) => ({ id: c.targetId, note: `score ${formatScore(c.score)}, ${c.reason}` }))
      : resolution._tag === "Ambiguous"
        ? resolution.candidateIds.map((c) => ({ id: c, note: resolution.reason }))
        : []
  const shown = candidates.filter(
    (c) => filter === "" || `${c.id} ${nameOf(c.id) ?? ""} ${c.note}`.toLowerCase().includes(filter.toLowerCase())
  )
  const create = async () => {
    setBusy(true)
    setError(undefined)
    const path = { linkId: props.linkId, month: props.month, rowKey: props.row.key }
    const result =
      props.side === "agreement"
        ? await api.POST("/links/{linkId}/months/{month}/rows/{rowKey}/agreement", {
            params: { path },
            body: {
              name: `${props.row.customer.name ?? "Customer"} – managed services`,
              startDate: props.row.period.start
            }
          })
        : await api.POST("/links/{linkId}/months/{month}/rows/{rowKey}/product", {
            params: { path },
            body: {
              ...(props.row.product.code === undefined ? {} : { identifier: props.row.product.code }),
              ...(props.row.product.description === undefined ? {} : { description: props.row.product.description }),
              ...(props.row.unitCost == null ? {} : { cost: props.row.unitCost }),
              ...(props.row.unitPrice == null ? {} : { price: props.row.unitPrice })
            }
          })
    setBusy(false)
    if (result.error !== undefined) return setError(problem(result.error, result.response.status))
    props.onCreated()
  }
  return (
    <dialog ref={dialog} className="picker" aria-labelledby="picker-title" onClose={props.onClose}>
      <h2 id="picker-title">
        Link the {NAMES[props.side]} of {props.row.customer.name ?? ""} · {props.row.product.code ?? ""}
      </h2>
      <p>Now: {current.text}</p>
      {candidates.length > 0 && (
        <>
          <label>
            Filter the suggestions <input value={filter} onChange={(e) => setFilter(e.target.value)} />
          </label>
          <ul className="candidates" aria-label="Suggestions, best first">
            {shown.map((c) => (
              <li key={c.id}>
                <button type="button" onClick={() => props.onChoose({ _tag: "UseTarget", targetId: c.id })}>
                  Use {nameOf(c.id) ?? `#${c.id}`} ({nameOf(c.id) === undefined ? "" : `#${c.id}, `}
                  {c.note})
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault()
          if (/^\d+$/.test(id)) props.onChoose({ _tag: "UseTarget", targetId: Number(id) })
          else setError("Enter the ConnectWise id as digits.")
        }}
      >
        <label>
          ConnectWise id <input inputMode="numeric" value={id} onChange={(e) => setId(e.target.value)} />
        </label>{" "}
        <button type="submit">Use this id</button>
      </form>
      {props.side !== "customer" && (
        <p>
          <button type="button" disabled={busy} onClick={() => void create()}>
            {props.side === "agreement" ? "Create agreement…" : "Create product…"}
          </button>{" "}
          (prefilled from this row: {props.row.customer.name ?? ""}, {props.row.product.description ?? ""})
        </p>
      )}
      {error !== undefined && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <p className="actions">
        {props.decision?.[props.side] !== undefined && (
          <button type="button" onClick={() => props.onChoose(undefined)}>
            Undo my choice
          </button>
        )}
        <button type="button" onClick={() => dialog.current?.close()}>
          Cancel
        </button>
      </p>
    </dialog>
  )
}
