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

/** The grid's keys: Enter or F2 on a chip opens its picker, Space on Approve toggles it. */
export const gridKeyHandler = (ctx: ColumnContext) => (event: CellKeyDownEvent<Line>) => {
  const key = (event.event as KeyboardEvent | null)?.key
  const col = event.column.getColId()
  if (event.data === undefined || !ctx.canDecide) return
  if ((key === "Enter" || key === "F2") && (col === "customer" || col === "product" || col === "agreement")) {
    ctx.openPicker(event.data, col)
  }
  if (key === " " && col === "approve") {
    const line = event.data
    ctx.setRow([line.key], (d) => approveDecision(d, d.approve === undefined))
    event.event?.preventDefault()
  }
}
