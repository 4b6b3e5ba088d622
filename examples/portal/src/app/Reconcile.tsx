import type { CellKeyDownEvent, ColDef, GridApi } from "ag-grid-community"
import { themeQuartz } from "ag-grid-community"
import { AgGridReact } from "ag-grid-react"
import { type Dispatch, type SetStateAction, useCallback, useEffect, useMemo, useRef, useState } from "react"
import { ApplyDialog, CostImpact } from "./Apply.tsx"
import {
  api,
  type GridEntry,
  type MonthStatus,
  type PlanPreview,
  problem,
  type RowDecision,
  type RowState,
  type Run,
  type TargetNames
} from "./api.ts"
import { namesKey, type Side } from "./chips.ts"
import { ExcludeDialog, forgetExclusion } from "./Exclusions.tsx"
import { formatMonth } from "./format.ts"
import { approveDecision, gridColumns, gridKeyHandler, withChoice } from "./gridColumns.tsx"
import { InvoiceFileBar } from "./InvoiceFile.tsx"
import { Picker } from "./Picker.tsx"

type View = "person" | "deviations" | "sync" | "excluded" | "all"
type Decisions = Record<string, RowDecision>

/** A grid row as the grid shows it: the server's row with this draft's decision. */
export interface Line {
  readonly key: string
  readonly entry: GridEntry
  readonly decision: RowDecision | undefined
  readonly view: Exclude<View, "all">
}

const VIEWS: ReadonlyArray<readonly [View, string]> = [
  ["person", "Needs a person"],
  ["deviations", "Deviations"],
  ["sync", "In sync"],
  ["excluded", "Excluded"],
  ["all", "All rows"]
]

/**
 * The row's state apart from this month's exclusion: the server marks a row the saved draft
 * leaves out as `excluded`, and says where it belongs once the person takes that back.
 */
export const stateOf = (entry: GridEntry): RowState =>
  entry.state === "excluded" && entry.excluded?.scope === "month" ? (entry.stateIfIncluded ?? "unlinked") : entry.state

const viewOf = (entry: GridEntry, decision: RowDecision | undefined): Line["view"] => {
  // A product or customer the link always ignores stays excluded whatever the draft says.
  if (decision?.exclude === true || entry.excluded?.scope === "always") return "excluded"
  const state = stateOf(entry)
  if (state === "excluded") return "excluded"
  if (state === "ok") return "sync"
  if (state === "deviation") return "deviations"
  return "person"
}

const VIEW_ORDER: Record<Line["view"], number> = { person: 0, deviations: 1, sync: 2, excluded: 3 }
const STATE_ORDER: Record<string, number> = { unlinked: 0, problem: 1, suggested: 2, deviation: 3, ok: 4, excluded: 5 }

const theme = themeQuartz.withParams({ fontSize: 13, headerFontSize: 13, spacing: 6 })

/**
 * Saves the month's draft as the user works: one save at a time, the latest state last; a
 * colleague's save in between replaces the shown decisions (and says so).
 */
const useDraftSaving = (
  linkId: string,
  month: string,
  version: { current: number },
  setDecisions: Dispatch<SetStateAction<Decisions>>,
  setError: (message: string) => void
) => {
  const [saveState, setSaveState] = useState<"saved" | "saving" | "unsaved">("saved")
  const pending = useRef<Decisions | undefined>(undefined)
  const saving = useRef<Promise<void> | undefined>(undefined)
  // Decisions are saved as the user works: one save at a time, the latest state last.
  const save = useCallback(
    (next: Decisions) => {
      pending.current = next
      setSaveState("unsaved")
      if (saving.current !== undefined) return
      const run = async () => {
        while (pending.current !== undefined) {
          const body = pending.current
          pending.current = undefined
          setSaveState("saving")
          const {
            data,
            error: e,
            response
          } = await api.PUT("/links/{linkId}/months/{month}/draft", {
            params: { path: { linkId, month } },
            body: { version: version.current, decisions: body }
          })
          if (data !== undefined) version.current = data.version
          else if (response.status === 409) {
            const draft = await api.GET("/links/{linkId}/months/{month}/draft", { params: { path: { linkId, month } } })
            version.current = draft.data?.version ?? 0
            setDecisions({ ...(draft.data?.decisions ?? {}) })
            setError("A colleague saved this month's draft meanwhile: their decisions are shown now; redo yours.")
          } else setError(problem(e, response.status))
        }
        setSaveState("saved")
        saving.current = undefined
      }
      saving.current = run()
    },
    [linkId, month, version, setDecisions, setError]
  )

  const decide = useCallback(
    (change: (current: Decisions) => Decisions) => {
      setDecisions((current) => {
        const next = change(current)
        save(next)
        return next
      })
    },
    [save, setDecisions]
  )

  const setRow = useCallback(
    (keys: ReadonlyArray<string>, patch: (d: RowDecision) => RowDecision | undefined) =>
      decide((current) => {
        const next = { ...current }
        for (const key of keys) {
          const updated = patch({ ...(next[key] ?? {}) })
          if (updated === undefined || Object.keys(updated).length === 0) delete next[key]
          else next[key] = updated
        }
        return next
      }),
    [decide]
  )

  return { saveState, setRow, saving }
}

/**
 * The saved draft's monthly cost impact: planned by the server (nothing written) a moment after
 * the decisions are saved, so the summary bar shows what applying would cost as the person works.
 */
const useDraftImpact = (
  linkId: string,
  month: string,
  entries: ReadonlyArray<GridEntry> | undefined,
  saveState: "saved" | "saving" | "unsaved",
  decisions: Decisions
) => {
  const [impact, setImpact] = useState<PlanPreview["summary"]["impact"] | undefined>(undefined)
  useEffect(() => {
    setImpact(undefined)
    // Read again when the rows (a load, an exclusion) or the saved decisions change.
    if (entries === undefined || saveState !== "saved") return
    void decisions
    let current = true
    const timer = setTimeout(() => {
      // The summary alone: the operations of a large month would be megabytes per save.
      void api
        .POST("/links/{linkId}/months/{month}/plan/summary", { params: { path: { linkId, month } } })
        .then(({ data }) => {
          if (current && data !== undefined) setImpact(data.summary.impact)
        })
    }, 500)
    return () => {
      current = false
      clearTimeout(timer)
    }
  }, [linkId, month, entries, saveState, decisions])
  return impact
}

/** Rows per state, rows approved, the monthly cost impact, and whether every decision is saved. */
const SummaryBar = ({
  unlinked,
  perView,
  approved,
  impact,
  saveState
}: {
  readonly unlinked: number
  readonly perView: Readonly<Record<string, number>>
  readonly approved: number
  /** The saved draft's monthly cost impact, as the server plans it; undefined while it is worked out. */
  readonly impact: PlanPreview["summary"]["impact"] | undefined
  readonly saveState: "saved" | "saving" | "unsaved"
}) => (
  <section className="summary" aria-label="Summary">
    <span>
      <strong data-testid="count-unlinked">{unlinked}</strong> unlinked
    </span>
    <span>
      <strong>{perView.person}</strong> need a person
    </span>
    <span>
      <strong>{perView.deviations}</strong> deviations
    </span>
    <span>
      <strong>{perView.sync}</strong> in sync
    </span>
    <span>
      <strong>{perView.excluded}</strong> excluded
    </span>
    <span>
      <strong data-testid="count-approved">{approved}</strong> rows approved
    </span>
    <span aria-live="polite" data-testid="summary-impact" title="The monthly cost impact of the approved changes">
      {impact === undefined ? "…" : <CostImpact impact={impact} testId="summary-impact" />} a month
    </span>
    <span className="save" aria-live="polite">
      {saveState === "saved" ? "All decisions saved" : saveState === "saving" ? "Saving…" : "Not saved yet"}
    </span>
  </section>
)

/** What a person can do with the selected rows, and the way on to applying the approved ones. */
const SelectionActions = ({
  selectedCount,
  approved,
  onSelected,
  onExclude,
  onExport,
  onReview
}: {
  readonly selectedCount: number
  readonly approved: number
  /** Changes the decision of every selected row. */
  readonly onSelected: (patch: (d: RowDecision) => RowDecision | undefined) => void
  readonly onExclude: () => void
  readonly onExport: () => void
  readonly onReview: () => void
}) => {
  const [effectiveDate, setEffectiveDate] = useState("")
  return (
    <div className="toolbar" role="toolbar" aria-label="Selected rows">
      <span>{selectedCount} selected</span>
      <button type="button" disabled={selectedCount === 0} onClick={() => onSelected((d) => approveDecision(d, true))}>
        Approve selected
      </button>
      <button type="button" disabled={selectedCount === 0} onClick={() => onSelected((d) => approveDecision(d, false))}>
        Clear approval
      </button>
      <button type="button" disabled={selectedCount === 0} onClick={onExclude}>
        Exclude selected…
      </button>
      <button
        type="button"
        disabled={selectedCount === 0}
        title="Takes back this month's exclusion; a product or customer always ignored has “Stop ignoring” in its row"
        onClick={() => onSelected(({ exclude: _, excludeReason: __, ...d }) => d)}
      >
        Include again
      </button>
      <label>
        Effective date <input type="date" value={effectiveDate} onChange={(e) => setEffectiveDate(e.target.value)} />
      </label>
      <button
        type="button"
        disabled={selectedCount === 0 || effectiveDate === ""}
        onClick={() => onSelected((d) => ({ ...d, effectiveDate }))}
      >
        Set date on selected
      </button>
      <button type="button" onClick={onExport}>
        Export CSV
      </button>
      <span className="spacer" />
      <button type="button" className="primary" disabled={approved === 0} onClick={onReview}>
        Review and apply {approved} approved rows
      </button>
    </div>
  )
}

/** The month's grid rows (1,000 a page), the ConnectWise names they show, and the saved draft. */
const readMonthGrid = async (linkId: string, month: string) => {
  const rows: Array<GridEntry> = []
  const names: TargetNames = { companies: {}, products: {}, agreements: {} }
  for (let offset = 0; ; offset += 1_000) {
    const {
      data,
      error: e,
      response
    } = await api.GET("/links/{linkId}/months/{month}/grid", {
      params: { path: { linkId, month }, query: { offset: String(offset), limit: "1000" } }
    })
    if (data === undefined) throw new Error(problem(e, response.status))
    rows.push(...data.rows)
    Object.assign(names.companies, data.names.companies)
    Object.assign(names.products, data.names.products)
    Object.assign(names.agreements, data.names.agreements)
    if (offset + 1_000 >= data.total) break
  }
  const draft = await api.GET("/links/{linkId}/months/{month}/draft", { params: { path: { linkId, month } } })
  return { rows, names, version: draft.data?.version ?? 0, decisions: { ...(draft.data?.decisions ?? {}) } }
}

/** The grid's lines (unlinked first), those the view shows, and the counts per view. */
const useLines = (entries: ReadonlyArray<GridEntry> | undefined, decisions: Decisions, view: View) => {
  const lines = useMemo<ReadonlyArray<Line>>(
    () =>
      (entries ?? [])
        .map((entry) => {
          const decision = decisions[entry.row.key]
          return { key: entry.row.key, entry, decision, view: viewOf(entry, decision) }
        })
        // Unlinked first; what this draft excludes sorts with the excluded, last.
        .sort(
          (a, b) =>
            VIEW_ORDER[a.view] - VIEW_ORDER[b.view] ||
            (STATE_ORDER[stateOf(a.entry)] ?? 9) - (STATE_ORDER[stateOf(b.entry)] ?? 9)
        ),
    [entries, decisions]
  )
  const shown = useMemo(() => (view === "all" ? lines : lines.filter((l) => l.view === view)), [lines, view])
  const perView = useMemo(() => {
    const counts: Record<string, number> = { person: 0, deviations: 0, sync: 0, excluded: 0, all: lines.length }
    for (const l of lines) counts[l.view] = (counts[l.view] ?? 0) + 1
    return counts
  }, [lines])
  const unlinked = useMemo(
    () => lines.filter((l) => stateOf(l.entry) === "unlinked" && l.view !== "excluded").length,
    [lines]
  )
  // An excluded row is never planned, so its approval (kept in the draft) is not counted.
  const approved = useMemo(
    () => lines.filter((l) => l.decision?.approve !== undefined && l.view !== "excluded").length,
    [lines]
  )
  return { shown, perView, unlinked, approved }
}

/** The spreadsheet itself: virtualised rows, sorting, filters, multi-row selection, keyboard. */
const ReconcileGrid = (props: {
  readonly rows: ReadonlyArray<Line>
  readonly columns: Array<ColDef<Line>>
  readonly search: string
  readonly view: View
  readonly grid: { current: GridApi<Line> | null }
  readonly onSelectionChanged: (count: number) => void
  readonly onCellKeyDown: (event: CellKeyDownEvent<Line>) => void
}) => (
  <div className="grid" style={{ height: "calc(100vh - 290px)", minHeight: 320 }}>
    <AgGridReact<Line>
      theme={theme}
      rowData={props.rows as Array<Line>}
      columnDefs={props.columns}
      defaultColDef={{ sortable: true, resizable: true, filter: true }}
      getRowId={(p) => p.data.key}
      // No row animation: a row leaving a view would linger, fading, beside its new copy when
      // it comes back (a search, a view switch), so a screen reader or a script sees it twice.
      animateRows={false}
      rowSelection={{ mode: "multiRow", checkboxes: true, headerCheckbox: true, enableClickSelection: false }}
      quickFilterText={props.search}
      onGridReady={(e) => {
        props.grid.current = e.api
      }}
      onFirstDataRendered={() => window.performance.mark("grid-interactive")}
      onSelectionChanged={(e) => props.onSelectionChanged(e.api.getSelectedRows().length)}
      onCellKeyDown={props.onCellKeyDown}
      overlayNoRowsTemplate={
        props.view === "person"
          ? "Nothing needs a person: look at the deviations, approve, then apply."
          : "No rows in this view."
      }
      tooltipShowDelay={300}
      suppressColumnVirtualisation
    />
  </div>
)

/** The month pulldown (newest first), "Load invoice", and the load's progress. */
const MonthBar = ({
  months,
  month,
  onMonth,
  status,
  loaded,
  onLoad
}: {
  readonly months: ReadonlyArray<string>
  readonly month: string
  readonly onMonth: (month: string) => void
  readonly status: MonthStatus | undefined
  readonly loaded: boolean
  readonly onLoad: () => void
}) => (
  <>
    <div className="toolbar">
      <label>
        Month{" "}
        <select value={month} onChange={(e) => onMonth(e.target.value)}>
          {months.map((m) => (
            <option key={m} value={m}>
              {formatMonth(m)}
            </option>
          ))}
        </select>
      </label>
      <button type="button" onClick={onLoad} disabled={month === "" || status?.state === "loading"}>
        {loaded ? "Load again" : "Load invoice"}
      </button>
      {months.length === 0 && <span>No invoices found in the link's source yet.</span>}
    </div>
    {status?.state === "loading" && (
      <div className="progress">
        <label htmlFor="load-progress">Loading {status.progress?.phase ?? ""}…</label>
        <progress
          id="load-progress"
          value={status.progress?.done ?? 0}
          max={status.progress?.total ?? Math.max(1, (status.progress?.done ?? 0) * 2)}
        />
      </div>
    )}
  </>
)

/** The views (Needs a person first) with their counts, and the search over every column. */
const ViewBar = ({
  view,
  onView,
  perView,
  search,
  onSearch
}: {
  readonly view: View
  readonly onView: (view: View) => void
  readonly perView: Readonly<Record<string, number>>
  readonly search: string
  readonly onSearch: (text: string) => void
}) => (
  <div className="views" role="toolbar" aria-label="Views">
    {VIEWS.map(([id, label]) => (
      <button key={id} type="button" aria-pressed={view === id} onClick={() => onView(id)}>
        {label} ({perView[id] ?? 0})
      </button>
    ))}
    <label className="search">
      Search{" "}
      <input type="search" value={search} placeholder="customer, product…" onChange={(e) => onSearch(e.target.value)} />
    </label>
  </div>
)

/** Asks the server to load the month and follows it until it is ready; why it failed, if it did. */
const loadMonth = async (
  linkId: string,
  month: string,
  onStatus: (status: MonthStatus | undefined) => void
): Promise<string | undefined> => {
  const started = await api.POST("/links/{linkId}/months/{month}/load", { params: { path: { linkId, month } } })
  if (started.error !== undefined) return problem(started.error, started.response.status)
  for (;;) {
    const { data } = await api.GET("/links/{linkId}/months/{month}", { params: { path: { linkId, month } } })
    onStatus(data)
    if (data === undefined || data.state === "failed") {
      return data?.error?.message ?? "Loading the month failed: try again."
    }
    if (data.state === "ready") return undefined
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

/**
 * The month being reconciled: the months with invoices (newest first), the chosen one's load state,
 * and once loaded its grid rows, the ConnectWise names they show and the saved draft.
 */
const useMonth = (linkId: string, setError: (message: string | undefined) => void) => {
  const [months, setMonths] = useState<ReadonlyArray<string> | undefined>(undefined)
  const [month, setMonth] = useState<string>("")
  const [status, setStatus] = useState<MonthStatus | undefined>(undefined)
  const [entries, setEntries] = useState<ReadonlyArray<GridEntry> | undefined>(undefined)
  const [names, setNames] = useState<TargetNames>({ companies: {}, products: {}, agreements: {} })
  const [decisions, setDecisions] = useState<Decisions>({})
  const version = useRef(0)
  // Asked again after a new invoice file is uploaded (its months may differ).
  const [monthsAsked, setMonthsAsked] = useState(0)
  const readMonths = useCallback(() => setMonthsAsked((n) => n + 1), [])

  useEffect(() => {
    void monthsAsked
    void api.GET("/links/{linkId}/months", { params: { path: { linkId } } }).then(({ data, error: e, response }) => {
      if (data === undefined) {
        // No months to pick (the source refused, or a CSV link has no file yet): say why, and let
        // the page offer what fixes it.
        setMonths([])
        return setError(problem(e, response.status))
      }
      setError(undefined)
      setMonths(data.months)
      setMonth((current) => (current !== "" && data.months.includes(current) ? current : (data.months[0] ?? "")))
    })
  }, [linkId, setError, monthsAsked])

  const readGrid = useCallback(async () => {
    const read = await readMonthGrid(linkId, month)
    version.current = read.version
    setDecisions(read.decisions)
    setNames(read.names)
    setEntries(read.rows)
    window.performance.mark("grid-data")
  }, [linkId, month])

  // What the server knows of the month: loaded already (this or an earlier visit), or not yet.
  useEffect(() => {
    if (month === "") return
    setEntries(undefined)
    setStatus(undefined)
    void api.GET("/links/{linkId}/months/{month}", { params: { path: { linkId, month } } }).then(({ data }) => {
      setStatus(data)
      if (data?.state === "ready") void readGrid().catch((e: Error) => setError(e.message))
    })
  }, [linkId, month, readGrid, setError])

  const load = async () => {
    setError(undefined)
    setEntries(undefined)
    const failed = await loadMonth(linkId, month, setStatus)
    if (failed !== undefined) return setError(failed)
    await readGrid().catch((e: Error) => setError(e.message))
  }

  return {
    months,
    month,
    setMonth,
    status,
    entries,
    names,
    decisions,
    setDecisions,
    version,
    load,
    readGrid,
    readMonths
  }
}

/**
 * "Stop ignoring" a remembered exclusion. It changes every month's rows of that product or
 * customer and the server marks them again, so the grid is read again rather than patched here.
 */
const useStopIgnoring = (
  linkId: string,
  readGrid: () => Promise<void>,
  setError: (message: string | undefined) => void
) =>
  useCallback(
    async (ref: { readonly kind: "product" | "customer"; readonly key: string }) => {
      setError(undefined)
      const failed = await forgetExclusion(linkId, ref)
      if (failed !== undefined) return setError(failed)
      await readGrid().catch((e: Error) => setError(e.message))
    },
    [linkId, readGrid, setError]
  )

/** "Review and apply": once every decision is saved, the server plans the draft for the confirmation. */
const planReview =
  (
    linkId: string,
    month: string,
    saving: { readonly current: Promise<void> | undefined },
    setError: (message: string | undefined) => void,
    setPlan: (plan: PlanPreview) => void
  ) =>
  async () => {
    setError(undefined)
    while (saving.current !== undefined) await saving.current
    const {
      data,
      error: e,
      response
    } = await api.POST("/links/{linkId}/months/{month}/plan", {
      params: { path: { linkId, month } }
    })
    if (data === undefined) return setError(problem(e, response.status))
    setPlan(data)
  }

export const ReconcilePage = ({ linkId, role }: { readonly linkId: string; readonly role: string }) => {
  const canDecide = role === "finance" || role === "admin"
  const [view, setView] = useState<View>("person")
  const [search, setSearch] = useState("")
  const [error, setError] = useState<string | undefined>(undefined)
  const [picker, setPicker] = useState<{ readonly line: Line; readonly side: Side } | undefined>(undefined)
  const [plan, setPlan] = useState<PlanPreview | undefined>(undefined)
  const [selectedCount, setSelectedCount] = useState(0)
  const [excluding, setExcluding] = useState<ReadonlyArray<Line> | undefined>(undefined)
  const grid = useRef<GridApi<Line> | null>(null)
  const {
    months,
    month,
    setMonth,
    status,
    entries,
    names,
    decisions,
    setDecisions,
    version,
    load,
    readGrid,
    readMonths
  } = useMonth(linkId, setError)

  const { saveState, setRow, saving } = useDraftSaving(linkId, month, version, setDecisions, setError)

  const { shown, perView, unlinked, approved } = useLines(entries, decisions, view)
  const impact = useDraftImpact(linkId, month, entries, saveState, decisions)

  const openPicker = useCallback((line: Line, side: Side) => setPicker({ line, side }), [])

  const stopIgnoring = useStopIgnoring(linkId, readGrid, setError)

  // Only the Excluded view holds nothing but excluded rows: there the reason is worth its width.
  const showExcluded = view === "excluded"
  const columns = useMemo(
    () => gridColumns({ canDecide, openPicker, setRow, names, stopIgnoring, showExcluded }),
    [canDecide, openPicker, setRow, names, stopIgnoring, showExcluded]
  )

  const selectedKeys = () => (grid.current?.getSelectedRows() ?? []).map((l) => l.key)

  const review = planReview(linkId, month, saving, setError, setPlan)

  const onCellKeyDown = gridKeyHandler({ canDecide, openPicker, setRow, names, stopIgnoring, showExcluded })

  if (months === undefined) return <p>{error ?? "Reading the months…"}</p>
  return (
    <section className="reconcile">
      <h1>Reconciliation</h1>
      <InvoiceFileBar linkId={linkId} canUpload={canDecide} onUploaded={readMonths} />
      <MonthBar
        months={months}
        month={month}
        onMonth={setMonth}
        status={status}
        loaded={entries !== undefined}
        onLoad={() => {
          setPlan(undefined)
          void load()
        }}
      />
      {error !== undefined && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {entries === undefined ? (
        status?.state !== "loading" && <p className="empty">Pick a month and choose “Load invoice” to see its lines.</p>
      ) : (
        <>
          <SummaryBar unlinked={unlinked} perView={perView} approved={approved} impact={impact} saveState={saveState} />
          <ViewBar view={view} onView={setView} perView={perView} search={search} onSearch={setSearch} />
          {canDecide && (
            <SelectionActions
              selectedCount={selectedCount}
              approved={approved}
              onSelected={(patch) => setRow(selectedKeys(), patch)}
              onExclude={() => setExcluding(grid.current?.getSelectedRows() ?? [])}
              onExport={() => grid.current?.exportDataAsCsv({ fileName: `psa-ledger-${month}.csv` })}
              onReview={() => void review()}
            />
          )}
          <ReconcileGrid
            rows={shown}
            columns={columns}
            search={search}
            view={view}
            grid={grid}
            onSelectionChanged={setSelectedCount}
            onCellKeyDown={onCellKeyDown}
          />
        </>
      )}
      {picker !== undefined && (
        <Picker
          linkId={linkId}
          month={month}
          row={picker.line.entry.row}
          side={picker.side}
          decision={picker.line.decision}
          names={names[namesKey[picker.side]]}
          onClose={() => setPicker(undefined)}
          onChoose={(choice) => {
            setRow([picker.line.key], (d) => withChoice(d, picker.side, choice))
            setPicker(undefined)
          }}
          onCreated={() => {
            setPicker(undefined)
            setPlan(undefined)
            void load()
          }}
        />
      )}
      {excluding !== undefined && (
        <ExcludeDialog
          linkId={linkId}
          rows={excluding.map((l) => l.entry.row)}
          onMonth={(reason) =>
            setRow(
              excluding.map((l) => l.key),
              (d) => ({ ...d, exclude: true, ...(reason === "" ? {} : { excludeReason: reason }) })
            )
          }
          onRemembered={() => void readGrid().catch((e: Error) => setError(e.message))}
          onClose={() => setExcluding(undefined)}
        />
      )}
      {plan !== undefined && (
        <ApplyDialog
          linkId={linkId}
          month={month}
          plan={plan}
          onClose={() => setPlan(undefined)}
          onReload={() => {
            setPlan(undefined)
            void load()
          }}
        />
      )}
    </section>
  )
}

export type { Run }
