import { useEffect, useRef, useState } from "react"
import { type ApplyResult, api, type Operation, type PlanPreview, problem, type Run } from "./api.ts"
import { formatDate, formatDecimal, formatMoney } from "./format.ts"
import { RunProgress } from "./RunProgress.tsx"
import { type Progress, watchRun } from "./watch.ts"

const KINDS: Record<string, string> = {
  CreateProduct: "Create products",
  CreateAgreement: "Create agreements",
  AddAddition: "Add agreement additions",
  UpdateAdditionQuantity: "Change quantities",
  UpdateAdditionUnitCost: "Change unit costs",
  UpdateAdditionUnitPrice: "Change unit prices",
  CancelAddition: "Cancel additions",
  RememberMapping: "Remember links"
}

const describe = (op: Operation): string => {
  const o = op as Record<string, unknown>
  const when = typeof o.effectiveDate === "string" ? ` from ${formatDate(o.effectiveDate)}` : ""
  switch (op._tag) {
    case "UpdateAdditionQuantity":
    case "UpdateAdditionUnitCost":
    case "UpdateAdditionUnitPrice":
      return `addition #${String(o.additionId)} on agreement #${String(o.agreementId)}: ${formatDecimal(String(o.from))} → ${formatDecimal(String(o.to))}${when}`
    case "AddAddition":
      return `${formatDecimal(String(o.quantity))} × ${formatDecimal(String(o.unitCost), 2)}${when}`
    case "CancelAddition":
      return `addition #${String(o.additionId)}${when}`
    case "RememberMapping":
      return `${String(o.kind ?? "")} ${String(o.sourceKey ?? "")} → #${String(o.targetId ?? "")}`
    default:
      return ""
  }
}

const STATUSES = [
  ["applied", "Applied"],
  ["already-done", "Already done"],
  ["failed", "Failed"],
  ["skipped", "Skipped"]
] as const
type OperationStatus = (typeof STATUSES)[number][0]

/** The result per operation, filterable by status; each described from the plan it came from. */
const ResultTable = (props: { readonly result: ApplyResult; readonly plan: PlanPreview }) => {
  const [status, setStatus] = useState<OperationStatus | "all">(
    (props.result.counts.failed ?? 0) > 0 ? "failed" : "all"
  )
  const byKey = new Map(props.plan.plan.operations.map((op) => [(op as { idempotencyKey: string }).idempotencyKey, op]))
  const shown = props.result.operations.filter((o) => status === "all" || o.status === status)
  return (
    <section aria-label="Result per operation" data-testid="operation-results">
      <label>
        Show{" "}
        <select value={status} onChange={(e) => setStatus(e.target.value as OperationStatus | "all")}>
          <option value="all">All ({props.result.operations.length})</option>
          {STATUSES.map(([id, label]) => (
            <option key={id} value={id}>
              {label} ({props.result.counts[id] ?? 0})
            </option>
          ))}
        </select>
      </label>
      {shown.length === 0 ? (
        <p>No operation has this status.</p>
      ) : (
        <table className="results">
          <thead>
            <tr>
              <th scope="col">Change</th>
              <th scope="col">What</th>
              <th scope="col">Result</th>
              <th scope="col">Reason</th>
              <th scope="col">Field</th>
            </tr>
          </thead>
          <tbody>
            {shown.slice(0, 500).map((o) => {
              const op = byKey.get(o.key)
              return (
                <tr key={o.key} data-status={o.status}>
                  <td>{KINDS[o.op] ?? o.op}</td>
                  <td>{op === undefined ? o.key : describe(op)}</td>
                  <td>{STATUSES.find(([id]) => id === o.status)?.[1] ?? o.status}</td>
                  <td>{o.message ?? ""}</td>
                  <td>{[o.record, o.field].filter((t) => t !== undefined).join(" · ")}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
    </section>
  )
}

/** A plan's monthly cost impact per currency, or "none". */
export const CostImpact = ({
  impact,
  testId = "impact"
}: {
  readonly impact: PlanPreview["summary"]["impact"]
  readonly testId?: string
}) =>
  impact.length === 0
    ? "none"
    : impact.map((i) => (
        <strong key={i.currency} data-testid={`${testId}-${i.currency}`}>
          {formatMoney(i.cost, i.currency)}{" "}
        </strong>
      ))

/** What applying the plan will change, by kind, with the monthly cost impact and what will not be planned. */
const ChangesByKind = ({ plan }: { readonly plan: PlanPreview }) => {
  const ops = plan.plan.operations
  const byKind = new Map<string, Array<Operation>>()
  for (const op of ops) byKind.set(op._tag, [...(byKind.get(op._tag) ?? []), op])
  const impact = plan.summary.impact
  return (
    <>
      {ops.length === 0 && <p>The approved rows need no change in ConnectWise.</p>}
      <ul className="kinds">
        {[...byKind].map(([kind, list]) => (
          <li key={kind}>
            <details>
              <summary>
                {KINDS[kind] ?? kind}: <strong>{list.length}</strong>
              </summary>
              <ul>
                {list.slice(0, 200).map((op) => (
                  <li key={(op as { idempotencyKey: string }).idempotencyKey}>{describe(op)}</li>
                ))}
              </ul>
            </details>
          </li>
        ))}
      </ul>
      <p>
        Monthly cost impact: <CostImpact impact={impact} />
      </p>
      {plan.plan.skipped.length > 0 && (
        <details data-testid="plan-skipped">
          <summary>
            Approved but not planned: <strong>{plan.plan.skipped.length}</strong>
          </summary>
          <ul>
            {plan.plan.skipped.slice(0, 200).map((row) => (
              <li key={row.rowKey}>{row.reason}</li>
            ))}
          </ul>
        </details>
      )}
    </>
  )
}

/** The confirmation listing the changes by kind with the cost impact, then live progress and the result. */
export const ApplyDialog = (props: {
  readonly linkId: string
  readonly month: string
  readonly plan: PlanPreview
  readonly onClose: () => void
  readonly onReload: () => void
}) => {
  const dialog = useRef<HTMLDialogElement>(null)
  const [runId, setRunId] = useState<string | undefined>(undefined)
  const [progress, setProgress] = useState<Progress>({})
  const [lines, setLines] = useState<ReadonlyArray<string>>([])
  const [run, setRun] = useState<Run | undefined>(undefined)
  const [result, setResult] = useState<ApplyResult | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)
  useEffect(() => {
    dialog.current?.showModal()
  }, [])
  const ops = props.plan.plan.operations

  const apply = async () => {
    setError(undefined)
    setRun(undefined)
    setResult(undefined)
    setLines([])
    const {
      data,
      error: e,
      response
    } = await api.POST("/links/{linkId}/months/{month}/apply", {
      params: { path: { linkId: props.linkId, month: props.month } },
      body: { version: props.plan.draftVersion }
    })
    if (data === undefined) return setError(problem(e, response.status))
    setRunId(data.runId)
    const finished = await watchRun(props.linkId, data.runId, {
      progress: setProgress,
      log: (line) => setLines((current) => [...current.slice(-199), line])
    })
    setRun(finished)
    const read = await api.GET("/links/{linkId}/months/{month}/apply/{runId}", {
      params: { path: { linkId: props.linkId, month: props.month, runId: data.runId } }
    })
    if (read.data === undefined) setError(problem(read.error, read.response.status))
    else setResult(read.data)
  }

  const problems = lines.filter((l) => l.startsWith("warn ") || l.startsWith("error "))
  // From the run's typed report: the failed operations go again, what went through is already done.
  const failedCount = result?.counts.failed ?? run?.counts.failed ?? 0
  return (
    <dialog ref={dialog} className="apply" aria-labelledby="apply-title" onClose={props.onClose}>
      <h2 id="apply-title">
        {runId === undefined
          ? `Apply ${ops.length} changes to ConnectWise`
          : run === undefined
            ? "Applying…"
            : "Applied"}
      </h2>
      {runId === undefined && <ChangesByKind plan={props.plan} />}
      {runId !== undefined && run === undefined && (
        <RunProgress id="apply-progress" progress={progress} max={Math.max(1, ops.length)} />
      )}
      {run !== undefined && (
        <div className="result" data-testid="apply-result" data-status={run.status}>
          <p>
            Run {run.id}: <strong>{run.status}</strong>
          </p>
          <ul>
            {Object.entries(run.counts).map(([k, v]) => (
              <li key={k}>
                {k}: {v}
              </li>
            ))}
          </ul>
          {run.summary !== undefined && run.summary !== null && <p>{run.summary}</p>}
        </div>
      )}
      {result !== undefined && <ResultTable result={result} plan={props.plan} />}
      {run !== undefined && problems.length > 0 && (
        <section aria-label="What did not go through">
          <h3>What did not go through</h3>
          <ul className="loglines">
            {problems.map((l, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: log lines are append-only
              <li key={i}>{l}</li>
            ))}
          </ul>
        </section>
      )}
      {lines.length > 0 && (
        <details>
          <summary>Log ({lines.length} lines)</summary>
          <ol className="loglines" aria-label="Log lines">
            {lines.map((l, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: log lines are append-only
              <li key={i}>{l}</li>
            ))}
          </ol>
        </details>
      )}
      {error !== undefined && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <p className="actions">
        {runId === undefined && (
          <button type="button" className="primary" disabled={ops.length === 0} onClick={() => void apply()}>
            Apply {ops.length} changes
          </button>
        )}
        {run !== undefined && failedCount > 0 && (
          <button type="button" onClick={() => void apply()}>
            Retry {failedCount} failed
          </button>
        )}
        {run !== undefined && (
          <button type="button" className="primary" onClick={props.onReload}>
            Load the month again
          </button>
        )}
        <button type="button" onClick={() => dialog.current?.close()}>
          Close
        </button>
      </p>
    </dialog>
  )
}
