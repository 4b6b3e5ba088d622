import type { CellKeyDownEvent, ColDef, GridApi, ICellRendererParams, ValueSetterParams } from "ag-grid-community"
import { themeQuartz } from "ag-grid-community"
import { AgGridReact } from "ag-grid-react"
import { useCallback, useEffect, useMemo, useRef, useState } from "react"
import { ApplyDialog } from "./Apply.tsx"
import {
  api,
  type GridEntry,
  type MonthStatus,
  type PlanPreview,
  problem,
  type RowDecision,
  type Run,
  type TargetNames
} from "./api.ts"
import { type Chip, chipOf, connectwiseValues, describeDeviation, namesKey, resolutionOf, type Side } from "./chips.ts"
import { formatDate, formatDecimal, formatMonth } from "./format.ts"
import { Picker } from "./Picker.tsx"

type View = "person" | "deviations" | "sync" | "excluded" | "all"
type Decisions = Record<string, RowDecision>

/** A grid row as the grid shows it: the server's row with this draft's decision. */
interface Line {
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

const viewOf = (entry: GridEntry, decision: RowDecision | undefined): Line["view"] => {
  if (decision?.exclude === true) return "excluded"
  if (entry.state === "ok") return "sync"
  if (entry.state === "deviation") return "deviations"
  return "person"
}

const STATE_ORDER: Record<string, number> = { unlinked: 0, problem: 1, suggested: 2, deviation: 3, ok: 4 }

const theme = themeQuartz.withParams({ fontSize: 13, headerFontSize: 13, spacing: 6 })

export const ReconcilePage = ({ linkId, role }: { readonly linkId: string; readonly role: string }) => {
  const canDecide = role === "finance" || role === "admin"
  const [months, setMonths] = useState<ReadonlyArray<string> | undefined>(undefined)
  const [month, setMonth] = useState<string>("")
  const [status, setStatus] = useState<MonthStatus | undefined>(undefined)
  const [entries, setEntries] = useState<ReadonlyArray<GridEntry> | undefined>(undefined)
  const [names, setNames] = useState<TargetNames>({ companies: {}, products: {}, agreements: {} })
  const [decisions, setDecisions] = useState<Decisions>({})
  const [view, setView] = useState<View>("person")
  const [search, setSearch] = useState("")
  const [error, setError] = useState<string | undefined>(undefined)
  const [saveState, setSaveState] = useState<"saved" | "saving" | "unsaved">("saved")
  const [picker, setPicker] = useState<{ readonly line: Line; readonly side: Side } | undefined>(undefined)
  const [plan, setPlan] = useState<PlanPreview | undefined>(undefined)
  const [selectedCount, setSelectedCount] = useState(0)
  const [effectiveDate, setEffectiveDate] = useState("")
  const version = useRef(0)
  const grid = useRef<GridApi<Line> | null>(null)
  const pending = useRef<Decisions | undefined>(undefined)
  const saving = useRef<Promise<void> | undefined>(undefined)

  useEffect(() => {
    void api.GET("/links/{linkId}/months", { params: { path: { linkId } } }).then(({ data, error: e, response }) => {
      if (data === undefined) return setError(problem(e, response.status))
      setMonths(data.months)
      setMonth(data.months[0] ?? "")
    })
  }, [linkId])

  const readGrid = useCallback(async () => {
    const all: Array<GridEntry> = []
    const named: TargetNames = { companies: {}, products: {}, agreements: {} }
    for (let offset = 0; ; offset += 1_000) {
      const {
        data,
        error: e,
        response
      } = await api.GET("/links/{linkId}/months/{month}/grid", {
        params: { path: { linkId, month }, query: { offset: String(offset), limit: "1000" } }
      })
      if (data === undefined) throw new Error(problem(e, response.status))
      all.push(...data.rows)
      Object.assign(named.companies, data.names.companies)
      Object.assign(named.products, data.names.products)
      Object.assign(named.agreements, data.names.agreements)
      if (offset + 1_000 >= data.total) break
    }
    const draft = await api.GET("/links/{linkId}/months/{month}/draft", { params: { path: { linkId, month } } })
    version.current = draft.data?.version ?? 0
    setDecisions({ ...(draft.data?.decisions ?? {}) })
    setNames(named)
    setEntries(all)
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
  }, [linkId, month, readGrid])

  const load = async () => {
    setError(undefined)
    setEntries(undefined)
    setPlan(undefined)
    const started = await api.POST("/links/{linkId}/months/{month}/load", { params: { path: { linkId, month } } })
    if (started.error !== undefined) return setError(problem(started.error, started.response.status))
    for (;;) {
      const { data } = await api.GET("/links/{linkId}/months/{month}", { params: { path: { linkId, month } } })
      setStatus(data)
      if (data === undefined || data.state === "failed") {
        return setError(data?.error?.message ?? "Loading the month failed: try again.")
      }
      if (data.state === "ready") break
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    await readGrid().catch((e: Error) => setError(e.message))
  }

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
    [linkId, month]
  )

  const decide = useCallback(
    (change: (current: Decisions) => Decisions) => {
      setDecisions((current) => {
        const next = change(current)
        save(next)
        return next
      })
    },
    [save]
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

  const lines = useMemo<ReadonlyArray<Line>>(
    () =>
      (entries ?? [])
        .map((entry) => {
          const decision = decisions[entry.row.key]
          return { key: entry.row.key, entry, decision, view: viewOf(entry, decision) }
        })
        .sort((a, b) => (STATE_ORDER[a.entry.state] ?? 9) - (STATE_ORDER[b.entry.state] ?? 9)),
    [entries, decisions]
  )
  const shown = useMemo(() => (view === "all" ? lines : lines.filter((l) => l.view === view)), [lines, view])
  const perView = useMemo(() => {
    const counts: Record<string, number> = { person: 0, deviations: 0, sync: 0, excluded: 0, all: lines.length }
    for (const l of lines) counts[l.view] = (counts[l.view] ?? 0) + 1
    return counts
  }, [lines])
  const unlinked = useMemo(
    () => lines.filter((l) => l.entry.state === "unlinked" && l.view !== "excluded").length,
    [lines]
  )
  const approved = useMemo(() => Object.values(decisions).filter((d) => d.approve !== undefined).length, [decisions])

  const openPicker = useCallback((line: Line, side: Side) => setPicker({ line, side }), [])

  const columns = useMemo<Array<ColDef<Line>>>(() => {
    const chipColumn = (side: Side, headerName: string): ColDef<Line> => ({
      colId: side,
      headerName,
      width: 175,
      valueGetter: (p) => (p.data === undefined ? "" : chipText(p.data, side, names)),
      cellRenderer: (p: ICellRendererParams<Line>) => {
        if (p.data === undefined) return null
        const chip = chipFor(p.data, side, names)
        return (
          <button
            type="button"
            className={`chip chip-${chip.kind}`}
            tabIndex={-1}
            disabled={!canDecide}
            onClick={() => p.data !== undefined && openPicker(p.data, side)}
            aria-label={`${headerName}: ${chip.text}. Change the link`}
          >
            {chip.text}
          </button>
        )
      }
    })
    return [
      {
        colId: "customer-name",
        headerName: "Exact customer",
        width: 180,
        filter: "agTextColumnFilter",
        valueGetter: (p) => (p.data === undefined ? "" : `${p.data.entry.row.customer.name ?? ""}`),
        tooltipValueGetter: (p) => p.data?.entry.row.customer.code ?? ""
      },
      chipColumn("customer", "ConnectWise company"),
      {
        colId: "product-name",
        headerName: "Product",
        width: 170,
        filter: "agTextColumnFilter",
        valueGetter: (p) =>
          p.data === undefined
            ? ""
            : `${p.data.entry.row.product.code ?? ""} ${p.data.entry.row.product.description ?? ""}`
      },
      chipColumn("product", "ConnectWise product"),
      chipColumn("agreement", "Agreement"),
      {
        colId: "quantity",
        headerName: "Invoice qty",
        width: 110,
        type: "rightAligned",
        valueGetter: (p) => p.data?.entry.row.quantity ?? "",
        valueFormatter: (p) => formatDecimal(p.value as string)
      },
      {
        colId: "cw-quantity",
        headerName: "ConnectWise qty",
        width: 130,
        type: "rightAligned",
        valueGetter: (p) => (p.data === undefined ? "" : connectwiseValues(p.data.entry.row).quantity),
        valueFormatter: (p) => formatDecimal(p.value as string)
      },
      {
        colId: "unit-cost",
        headerName: "Invoice unit cost",
        width: 130,
        type: "rightAligned",
        valueGetter: (p) => p.data?.entry.row.unitCost ?? "",
        valueFormatter: (p) => formatDecimal(p.value as string, 2)
      },
      {
        colId: "cw-unit-cost",
        headerName: "ConnectWise unit cost",
        width: 160,
        type: "rightAligned",
        valueGetter: (p) => (p.data === undefined ? "" : connectwiseValues(p.data.entry.row).unitCost),
        valueFormatter: (p) => formatDecimal(p.value as string, 2)
      },
      {
        colId: "deviation",
        headerName: "Deviation",
        width: 230,
        filter: "agTextColumnFilter",
        valueGetter: (p) => p.data?.entry.row.deviations.map((d) => describeDeviation(d).what).join("; ") ?? ""
      },
      {
        colId: "change",
        headerName: "Proposed change",
        width: 200,
        valueGetter: (p) =>
          p.data?.entry.row.deviations
            .map((d) => describeDeviation(d).change)
            .filter((c) => c !== "")
            .join("; ") ?? ""
      },
      {
        colId: "approve",
        headerName: "Approve",
        width: 100,
        pinned: "right",
        valueGetter: (p) => p.data?.decision?.approve !== undefined,
        cellRenderer: (p: ICellRendererParams<Line>) =>
          p.data === undefined ? null : (
            <input
              type="checkbox"
              tabIndex={-1}
              checked={p.data.decision?.approve !== undefined}
              disabled={!canDecide}
              aria-label={`Approve ${p.data.entry.row.customer.name ?? ""} ${p.data.entry.row.product.code ?? ""}`}
              onChange={(e) => {
                const on = e.target.checked
                if (p.data !== undefined) setRow([p.data.key], (d) => approveDecision(d, on))
              }}
            />
          )
      },
      {
        colId: "effective",
        headerName: "Effective date",
        width: 140,
        pinned: "right",
        editable: canDecide,
        cellEditor: "agDateStringCellEditor",
        valueGetter: (p) => p.data?.decision?.effectiveDate ?? p.data?.entry.row.period.start ?? "",
        valueFormatter: (p) => formatDate(p.value as string),
        valueSetter: (p: ValueSetterParams<Line>) => {
          const value = typeof p.newValue === "string" ? p.newValue : ""
          if (p.data === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false
          setRow([p.data.key], (d) => ({ ...d, effectiveDate: value }))
          return true
        }
      }
    ]
  }, [canDecide, openPicker, setRow, names])

  const selectedKeys = () => (grid.current?.getSelectedRows() ?? []).map((l) => l.key)

  const review = async () => {
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

  const onCellKeyDown = (event: CellKeyDownEvent<Line>) => {
    const key = (event.event as KeyboardEvent | null)?.key
    const col = event.column.getColId()
    if (event.data === undefined || !canDecide) return
    if ((key === "Enter" || key === "F2") && (col === "customer" || col === "product" || col === "agreement")) {
      openPicker(event.data, col)
    }
    if (key === " " && col === "approve") {
      const line = event.data
      setRow([line.key], (d) => approveDecision(d, d.approve === undefined))
      event.event?.preventDefault()
    }
  }

  if (months === undefined) return <p>{error ?? "Reading the months…"}</p>
  return (
    <section className="reconcile">
      <h1>Reconciliation</h1>
      <div className="toolbar">
        <label>
          Month{" "}
          <select value={month} onChange={(e) => setMonth(e.target.value)}>
            {months.map((m) => (
              <option key={m} value={m}>
                {formatMonth(m)}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => void load()} disabled={month === "" || status?.state === "loading"}>
          {entries === undefined ? "Load invoice" : "Load again"}
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
      {error !== undefined && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {entries === undefined ? (
        status?.state !== "loading" && <p className="empty">Pick a month and choose “Load invoice” to see its lines.</p>
      ) : (
        <>
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
            <span className="save" aria-live="polite">
              {saveState === "saved" ? "All decisions saved" : saveState === "saving" ? "Saving…" : "Not saved yet"}
            </span>
          </section>
          <div className="views" role="toolbar" aria-label="Views">
            {VIEWS.map(([id, label]) => (
              <button key={id} type="button" aria-pressed={view === id} onClick={() => setView(id)}>
                {label} ({perView[id] ?? 0})
              </button>
            ))}
            <label className="search">
              Search{" "}
              <input
                type="search"
                value={search}
                placeholder="customer, product…"
                onChange={(e) => setSearch(e.target.value)}
              />
            </label>
          </div>
          {canDecide && (
            <div className="toolbar" role="toolbar" aria-label="Selected rows">
              <span>{selectedCount} selected</span>
              <button
                type="button"
                disabled={selectedCount === 0}
                onClick={() => setRow(selectedKeys(), (d) => approveDecision(d, true))}
              >
                Approve selected
              </button>
              <button
                type="button"
                disabled={selectedCount === 0}
                onClick={() => setRow(selectedKeys(), (d) => approveDecision(d, false))}
              >
                Clear approval
              </button>
              <button
                type="button"
                disabled={selectedCount === 0}
                onClick={() => setRow(selectedKeys(), (d) => ({ ...d, exclude: true }))}
              >
                Exclude selected
              </button>
              <button
                type="button"
                disabled={selectedCount === 0}
                onClick={() => setRow(selectedKeys(), ({ exclude: _, ...d }) => d)}
              >
                Include again
              </button>
              <label>
                Effective date{" "}
                <input type="date" value={effectiveDate} onChange={(e) => setEffectiveDate(e.target.value)} />
              </label>
              <button
                type="button"
                disabled={selectedCount === 0 || effectiveDate === ""}
                onClick={() => setRow(selectedKeys(), (d) => ({ ...d, effectiveDate }))}
              >
                Set date on selected
              </button>
              <button
                type="button"
                onClick={() => grid.current?.exportDataAsCsv({ fileName: `psa-ledger-${month}.csv` })}
              >
                Export CSV
              </button>
              <span className="spacer" />
              <button type="button" className="primary" disabled={approved === 0} onClick={() => void review()}>
                Review and apply {approved} approved rows
              </button>
            </div>
          )}
          <div className="grid" style={{ height: "calc(100vh - 290px)", minHeight: 320 }}>
            <AgGridReact<Line>
              theme={theme}
              rowData={shown as Array<Line>}
              columnDefs={columns}
              defaultColDef={{ sortable: true, resizable: true, filter: true }}
              getRowId={(p) => p.data.key}
              // No row animation: a row leaving a view would linger, fading, beside its new copy when
              // it comes back (a search, a view switch), so a screen reader or a script sees it twice.
              animateRows={false}
              rowSelection={{ mode: "multiRow", checkboxes: true, headerCheckbox: true, enableClickSelection: false }}
              quickFilterText={search}
              onGridReady={(e) => {
                grid.current = e.api
              }}
              onFirstDataRendered={() => window.performance.mark("grid-interactive")}
              onSelectionChanged={(e) => setSelectedCount(e.api.getSelectedRows().length)}
              onCellKeyDown={onCellKeyDown}
              overlayNoRowsTemplate={
                view === "person"
                  ? "Nothing needs a person: look at the deviations, approve, then apply."
                  : "No rows in this view."
              }
              tooltipShowDelay={300}
              suppressColumnVirtualisation
            />
          </div>
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
            setRow([picker.line.key], (d) => {
              const { [picker.side]: _, ...rest } = d
              return choice === undefined ? rest : { ...rest, [picker.side]: choice }
            })
            setPicker(undefined)
          }}
          onCreated={() => {
            setPicker(undefined)
            void load()
          }}
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

const approveDecision = (d: RowDecision, on: boolean): RowDecision => {
  const { approve: _, ...rest } = d
  return on ? { ...rest, approve: "all" } : rest
}

const chipFor = (line: Line, side: Side, names: TargetNames): Chip =>
  chipOf(resolutionOf(line.entry.row, side), line.decision?.[side], names[namesKey[side]])
const chipText = (line: Line, side: Side, names: TargetNames) => chipFor(line, side, names).text

export type { Run }
