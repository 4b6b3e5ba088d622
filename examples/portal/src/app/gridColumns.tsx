import type { CellKeyDownEvent, ColDef, ICellRendererParams, ValueSetterParams } from "ag-grid-community"
import type { RowDecision, TargetNames } from "./api.ts"
import { type Chip, chipOf, connectwiseValues, describeDeviation, namesKey, resolutionOf, type Side } from "./chips.ts"
import { formatDate, formatDecimal } from "./format.ts"
import type { Line } from "./Reconcile.tsx"

/** What the columns need from the page: who may decide, how to decide, and the ConnectWise names. */
export interface ColumnContext {
  readonly canDecide: boolean
  readonly names: TargetNames
  readonly openPicker: (line: Line, side: Side) => void
  readonly setRow: (keys: ReadonlyArray<string>, patch: (d: RowDecision) => RowDecision | undefined) => void
  /** Forgets a remembered exclusion: its product's or customer's lines are reconciled again. */
  readonly stopIgnoring: (ref: { readonly kind: "product" | "customer"; readonly key: string }) => Promise<void>
  /** Whether the view holds excluded rows, so "Excluded because" is worth its width. */
  readonly showExcluded: boolean
}

/** Why a row is left out: the reason given, and for how long (every month for a product or customer, or this month). */
export const exclusionOf = (line: Line): { readonly reason: string; readonly scope: string } | undefined => {
  const remembered = line.entry.excluded
  if (remembered?.scope === "always") {
    return { reason: remembered.reason ?? "", scope: `every month · ${remembered.kind ?? "product"}` }
  }
  // This month's exclusion is the draft's decision, which the person may just have changed.
  if (line.decision?.exclude !== true) return undefined
  return { reason: line.decision.excludeReason ?? "", scope: "this month" }
}

/** The same as one sentence, for the filter and the CSV export. */
export const excludedBecause = (line: Line): string => {
  const exclusion = exclusionOf(line)
  if (exclusion === undefined) return ""
  return exclusion.reason === "" ? `(${exclusion.scope})` : `${exclusion.reason} (${exclusion.scope})`
}

/** Approves a row (every change it proposes) or takes its approval back. */
export const approveDecision = (d: RowDecision, on: boolean): RowDecision => {
  const { approve: _, ...rest } = d
  return on ? { ...rest, approve: "all" } : rest
}

const chipFor = (line: Line, side: Side, names: TargetNames): Chip =>
  chipOf(resolutionOf(line.entry.row, side), line.decision?.[side], names[namesKey[side]])
const chipText = (line: Line, side: Side, names: TargetNames) => chipFor(line, side, names).text

/** A side's link as a chip: how it is linked (remembered, certain, suggested, none); a click opens the picker. */
const chipColumn = (ctx: ColumnContext, side: Side, headerName: string): ColDef<Line> => ({
  colId: side,
  headerName,
  width: 175,
  valueGetter: (p) => (p.data === undefined ? "" : chipText(p.data, side, ctx.names)),
  cellRenderer: (p: ICellRendererParams<Line>) => {
    if (p.data === undefined) return null
    const chip = chipFor(p.data, side, ctx.names)
    return (
      <button
        type="button"
        className={`chip chip-${chip.kind}`}
        tabIndex={-1}
        disabled={!ctx.canDecide}
        onClick={() => p.data !== undefined && ctx.openPicker(p.data, side)}
        aria-label={`${headerName}: ${chip.text}. Change the link`}
      >
        {chip.text}
      </button>
    )
  }
})

/** Why an excluded row is left out and for how long; "Stop ignoring" for a remembered exclusion. */
const excludedColumn = (ctx: ColumnContext): ColDef<Line> => ({
  colId: "excluded-because",
  headerName: "Excluded because",
  width: 320,
  hide: !ctx.showExcluded,
  filter: "agTextColumnFilter",
  valueGetter: (p) => (p.data === undefined ? "" : excludedBecause(p.data)),
  tooltipValueGetter: (p) =>
    p.data?.entry.excluded?.scope === "always"
      ? `by ${p.data.entry.excluded.by ?? "?"} on ${formatDate((p.data.entry.excluded.at ?? "").slice(0, 10))}`
      : "",
  cellRenderer: (p: ICellRendererParams<Line>) => {
    const exclusion = p.data === undefined ? undefined : exclusionOf(p.data)
    if (exclusion === undefined) return null
    const remembered = p.data?.entry.excluded
    const ref =
      remembered?.scope === "always" && remembered.kind !== undefined && remembered.key !== undefined
        ? { kind: remembered.kind, key: remembered.key }
        : undefined
    return (
      <span className="excluded-because">
        <span className="reason" title={exclusion.reason}>
          {exclusion.reason === "" ? "no reason given" : exclusion.reason}
        </span>
        <small>{exclusion.scope}</small>
        {ctx.canDecide && ref !== undefined && (
          <button
            type="button"
            tabIndex={-1}
            className="link-button"
            aria-label={`Stop ignoring this ${ref.kind}`}
            onClick={() => void ctx.stopIgnoring(ref)}
          >
            Stop ignoring
          </button>
        )}
      </span>
    )
  }
})

/** The reconciliation grid's columns, left to right as a finance team reads an invoice line. */
export const gridColumns = (ctx: ColumnContext): Array<ColDef<Line>> => {
  return [
    {
      colId: "customer-name",
      headerName: "Exact customer",
      width: 180,
      filter: "agTextColumnFilter",
      valueGetter: (p) => (p.data === undefined ? "" : `${p.data.entry.row.customer.name ?? ""}`),
      tooltipValueGetter: (p) => p.data?.entry.row.customer.code ?? ""
    },
    chipColumn(ctx, "customer", "ConnectWise company"),
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
    excludedColumn(ctx),
    chipColumn(ctx, "product", "ConnectWise product"),
    chipColumn(ctx, "agreement", "Agreement"),
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
            disabled={!ctx.canDecide}
            aria-label={`Approve ${p.data.entry.row.customer.name ?? ""} ${p.data.entry.row.product.code ?? ""}`}
            onChange={(e) => {
              const on = e.target.checked
              if (p.data !== undefined) ctx.setRow([p.data.key], (d) => approveDecision(d, on))
            }}
          />
        )
    },
    {
      colId: "effective",
      headerName: "Effective date",
      width: 140,
      pinned: "right",
      editable: ctx.canDecide,
      cellEditor: "agDateStringCellEditor",
      valueGetter: (p) => p.data?.decision?.effectiveDate ?? p.data?.entry.row.period.start ?? "",
      valueFormatter: (p) => formatDate(p.value as string),
      valueSetter: (p: ValueSetterParams<Line>) => {
        const value = typeof p.newValue === "string" ? p.newValue : ""
        if (p.data === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false
        ctx.setRow([p.data.key], (d) => ({ ...d, effectiveDate: value }))
        return true
      }
    }
  ]
}

/** The row's decision with the side linked as chosen, or (no choice) back to what the engine found. */
export const withChoice = (d: RowDecision, side: Side, choice: RowDecision["customer"] | undefined): RowDecision => {
  const { [side]: _, ...rest } = d
  return choice === undefined ? rest : { ...rest, [side]: choice }
}

/**
 * The grid's keys: Enter or F2 on a chip opens its picker, Space on Approve toggles it, Enter on a
 * remembered exclusion's reason stops ignoring it (as its button does).
 */
export const gridKeyHandler = (ctx: ColumnContext) => (event: CellKeyDownEvent<Line>) => {
  const key = (event.event as KeyboardEvent | null)?.key
  const col = event.column.getColId()
  if (event.data === undefined || !ctx.canDecide) return
  if ((key === "Enter" || key === "F2") && (col === "customer" || col === "product" || col === "agreement")) {
    ctx.openPicker(event.data, col)
  }
  const remembered = event.data.entry.excluded
  if (key === "Enter" && col === "excluded-because" && remembered?.kind !== undefined && remembered.key !== undefined) {
    void ctx.stopIgnoring({ kind: remembered.kind, key: remembered.key })
  }
  if (key === " " && col === "approve") {
    const line = event.data
    ctx.setRow([line.key], (d) => approveDecision(d, d.approve === undefined))
    event.event?.preventDefault()
  }
}
