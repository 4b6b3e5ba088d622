import { type KeyboardEvent, useEffect, useId, useRef, useState } from "react"
import { api, problem, type ReconciliationRow, type RowDecision } from "./api.ts"
import { chipOf, type Names, namesKey, resolutionOf, type Side } from "./chips.ts"
import { formatScore } from "./format.ts"

type Choice = NonNullable<RowDecision["customer"]>

/** One entry of the picker's list: a suggestion of the engine, or a ConnectWise record the search found. */
interface Option {
  readonly id: number
  readonly name: string | undefined
  readonly note: string
  readonly group: "suggestion" | "match"
}

/** How long typing may pause before ConnectWise is searched: one call per word, not per key. */
const DEBOUNCE_MS = 250

/** The company a row's agreement belongs to: the one chosen, remembered or certain for its customer. */
const companyOf = (row: ReconciliationRow, decision: RowDecision | undefined): number | undefined => {
  const chosen = decision?.customer
  if (chosen?._tag === "UseTarget") return chosen.targetId
  const r = row.customerResolution
  return r._tag === "Mapped" || r._tag === "Matched" ? r.targetId : undefined
}

/** ConnectWise records whose name or code contains the text, searched as the person types (debounced). */
const useSearch = (linkId: string, month: string, side: Side, q: string, companyId: number | undefined) => {
  const [state, setState] = useState<{
    readonly q: string
    readonly hits: ReadonlyArray<{ id: number; name: string; detail?: string }>
    readonly more: boolean
    readonly error?: string
  }>({ q: "", hits: [], more: false })
  useEffect(() => {
    const text = q.trim()
    if (text === "") {
      setState({ q: "", hits: [], more: false })
      return
    }
    const controller = new AbortController()
    const timer = setTimeout(() => {
      void api
        .GET("/links/{linkId}/lookups/{kind}", {
          params: {
            path: { linkId, kind: namesKey[side] },
            query: {
              q: text,
              month,
              limit: "20",
              ...(side === "agreement" && companyId !== undefined ? { companyId: String(companyId) } : {})
            }
          },
          signal: controller.signal
        })
        .then(({ data, error, response }) => {
          if (data !== undefined) setState({ q: text, hits: data.hits, more: data.more })
          else setState({ q: text, hits: [], more: false, error: problem(error, response.status) })
        })
        .catch(() => undefined)
    }, DEBOUNCE_MS)
    return () => {
      clearTimeout(timer)
      controller.abort()
    }
  }, [linkId, month, side, q, companyId])
  return state
}

const NAMES: Record<Side, string> = {
  customer: "ConnectWise company",
  product: "ConnectWise product",
  agreement: "agreement"
}

/** The engine's candidates for a side, best first, as options of the list. */
const suggestionsOf = (
  resolution: ReturnType<typeof resolutionOf>,
  nameOf: (id: number) => string | undefined
): ReadonlyArray<Option> =>
  resolution._tag === "Suggested"
    ? resolution.candidates.map((c) => ({
        id: c.targetId,
        name: nameOf(c.targetId),
        note: `score ${formatScore(c.score)}, ${c.reason}`,
        group: "suggestion"
      }))
    : resolution._tag === "Ambiguous"
      ? resolution.candidateIds.map((c) => ({ id: c, name: nameOf(c), note: resolution.reason, group: "suggestion" }))
      : []

/** Creates the row's missing agreement or product in ConnectWise, prefilled from the row; the problem, if any. */
const createFromRow = async (
  linkId: string,
  month: string,
  row: ReconciliationRow,
  side: Side
): Promise<string | undefined> => {
  const path = { linkId, month, rowKey: row.key }
  const result =
    side === "agreement"
      ? await api.POST("/links/{linkId}/months/{month}/rows/{rowKey}/agreement", {
          params: { path },
          body: { name: `${row.customer.name ?? "Customer"} – managed services`, startDate: row.period.start }
        })
      : await api.POST("/links/{linkId}/months/{month}/rows/{rowKey}/product", {
          params: { path },
          body: {
            ...(row.product.code === undefined ? {} : { identifier: row.product.code }),
            ...(row.product.description === undefined ? {} : { description: row.product.description }),
            ...(row.unitCost == null ? {} : { cost: row.unitCost }),
            ...(row.unitPrice == null ? {} : { price: row.unitPrice })
          }
        })
  return result.error === undefined ? undefined : problem(result.error, result.response.status)
}

/** What the search is doing, for the live status line under the list. */
const searchStatus = (state: {
  readonly searching: boolean
  /** The typed text, trimmed. */
  readonly q: string
  readonly suggestions: number
  readonly found: { readonly hits: ReadonlyArray<unknown>; readonly more: boolean; readonly error?: string }
  readonly what: string
}): string => {
  const { searching, q, found, what } = state
  if (searching) return "Searching ConnectWise…"
  if (q === "") return state.suggestions === 0 ? `No suggestion: type to search every ConnectWise ${what}.` : ""
  if (found.error !== undefined) return found.error
  if (found.hits.length === 0) return `No ConnectWise ${what} matches “${q}”.`
  return `${found.hits.length}${found.more ? "+" : ""} found`
}

/** Links by a ConnectWise id typed by hand, for a record the search does not find. */
const UseIdForm = (props: { readonly onUse: (id: number) => void; readonly onInvalid: () => void }) => {
  const [id, setId] = useState("")
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault()
        if (/^\d+$/.test(id)) props.onUse(Number(id))
        else props.onInvalid()
      }}
    >
      <label>
        ConnectWise id <input inputMode="numeric" value={id} onChange={(e) => setId(e.target.value)} />
      </label>{" "}
      <button type="submit">Use this id</button>
    </form>
  )
}

/**
 * Links one side of a row: a combobox listing the engine's suggestions first (best first, with
 * score and reason), then every ConnectWise record matching what is typed; arrow keys move, Enter
 * picks, Escape clears the text (then closes). Or an id, or a new record.
 */
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
  const ids = useId()
  const [q, setQ] = useState("")
  const [active, setActive] = useState(0)
  const [error, setError] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  useEffect(() => {
    dialog.current?.showModal()
  }, [])
  const resolution = resolutionOf(props.row, props.side)
  const current = chipOf(resolution, props.decision?.[props.side], props.names)
  const nameOf = (id: number) => props.names?.[String(id)]
  const suggestions = suggestionsOf(resolution, nameOf)
  const found = useSearch(props.linkId, props.month, props.side, q, companyOf(props.row, props.decision))
  const suggested = new Set(suggestions.map((s) => s.id))
  const options: ReadonlyArray<Option> = [
    ...suggestions,
    ...found.hits
      .filter((h) => !suggested.has(h.id))
      .map((h) => ({ id: h.id, name: h.name, note: h.detail ?? "", group: "match" as const }))
  ]
  const searching = q.trim() !== "" && found.q !== q.trim()
  const at = Math.min(active, Math.max(0, options.length - 1))
  const optionId = (index: number) => `${ids}-option-${index}`
  const choose = (option: Option | undefined) => {
    if (option !== undefined) props.onChoose({ _tag: "UseTarget", targetId: option.id })
  }
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault()
      const step = e.key === "ArrowDown" ? 1 : -1
      setActive(options.length === 0 ? 0 : (at + step + options.length) % options.length)
    } else if (e.key === "Enter") {
      e.preventDefault()
      choose(options[at])
    } else if (e.key === "Escape" && q !== "") {
      // The first Escape clears the text; the next one closes the dialog as usual.
      e.preventDefault()
      setQ("")
      setActive(0)
    }
  }
  const label = (o: Option) =>
    `Use ${o.name ?? `#${o.id}`} (${o.name === undefined ? "" : `#${o.id}`}${o.note === "" ? "" : `${o.name === undefined ? "" : ", "}${o.note}`})`
  const create = async () => {
    setBusy(true)
    setError(undefined)
    const failed = await createFromRow(props.linkId, props.month, props.row, props.side)
    setBusy(false)
    if (failed !== undefined) return setError(failed)
    props.onCreated()
  }
  const what = NAMES[props.side]
  return (
    <dialog ref={dialog} className="picker" aria-labelledby="picker-title" onClose={props.onClose}>
      <h2 id="picker-title">
        Link the {what} of {props.row.customer.name ?? ""} · {props.row.product.code ?? ""}
      </h2>
      <p>Now: {current.text}</p>
      <label htmlFor={`${ids}-search`}>Search ConnectWise {namesKey[props.side]}</label>
      <input
        id={`${ids}-search`}
        role="combobox"
        aria-expanded={options.length > 0}
        aria-controls={`${ids}-list`}
        aria-autocomplete="list"
        aria-activedescendant={options.length === 0 ? undefined : optionId(at)}
        aria-describedby={`${ids}-hint`}
        autoComplete="off"
        placeholder="Type part of the name or code"
        value={q}
        onChange={(e) => {
          setQ(e.target.value)
          setActive(suggestions.length)
        }}
        onKeyDown={onKeyDown}
      />
      <p id={`${ids}-hint`} className="hint">
        Suggestions first, then every ConnectWise record that matches. ↑ ↓ to move, Enter to use, Escape to clear.
      </p>
      <div
        id={`${ids}-list`}
        role="listbox"
        aria-label={`Suggestions and matches for the ${what}`}
        className="candidates"
      >
        {options.map((o, index) => (
          // biome-ignore lint/a11y/useKeyWithClickEvents: the combobox above handles the keys for its listbox
          <div
            key={`${o.group}-${o.id}`}
            id={optionId(index)}
            role="option"
            aria-selected={index === at}
            data-group={o.group}
            className={index === at ? "active" : undefined}
            tabIndex={-1}
            onClick={() => choose(o)}
          >
            {label(o)}
            {o.group === "suggestion" && <span className="tag"> suggestion</span>}
          </div>
        ))}
      </div>
      <p role="status" className="hint">
        {searchStatus({ searching, q: q.trim(), suggestions: suggestions.length, found, what })}
      </p>
      <UseIdForm
        onUse={(targetId) => props.onChoose({ _tag: "UseTarget", targetId })}
        onInvalid={() => setError("Enter the ConnectWise id as digits.")}
      />
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
