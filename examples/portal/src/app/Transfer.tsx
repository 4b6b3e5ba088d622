import { useState } from "react"
import { api, problem, type Run, type Schemas } from "./api.ts"
import { formatDate, formatMoney } from "./format.ts"
import { RunProgress } from "./RunProgress.tsx"
import { type Progress, watchQueued, watchRun } from "./watch.ts"

type Plan = Schemas["TransferPlanEncoded"]
type Op = Plan["operations"][number]
type TransferResult = Schemas["StoredTransferReport"]

const OUTCOMES: Readonly<Record<TransferResult["invoices"][number]["status"], string>> = {
  created: "booked",
  processed: "booked (finished from an earlier run)",
  totalDiffers: "booked, total differs",
  alreadyTransferred: "already transferred",
  blocked: "blocked",
  failed: "failed"
}

/** What the run did with each invoice: the Exact number it is booked under, or why it is not. */
const TransferResultTable = ({ result }: { readonly result: TransferResult }) => {
  const note = (i: TransferResult["invoices"][number]): string =>
    [
      ...(i.reasons ?? []),
      ...(i.failure === undefined
        ? []
        : [`${i.step ?? ""}: ${i.failure.message}${i.failure.field === undefined ? "" : ` (${i.failure.field})`}`]),
      ...(i.status === "totalDiffers"
        ? [`Exact ${formatMoney(i.exactTotal ?? "")}, ConnectWise ${formatMoney(i.connectwiseTotal ?? "")}`]
        : []),
      ...(i.changes ?? []),
      ...(i.warnings ?? [])
    ].join("; ")
  return (
    <table className="results" aria-label="Result per invoice" data-testid="transfer-invoices">
      <thead>
        <tr>
          <th scope="col">ConnectWise invoice</th>
          <th scope="col">Result</th>
          <th scope="col">Exact number</th>
          <th scope="col">Note</th>
        </tr>
      </thead>
      <tbody>
        {result.invoices.map((i) => (
          <tr key={i.connectwiseInvoiceId} data-status={i.status}>
            <td>{i.number}</td>
            <td className={i.status === "failed" || i.status === "totalDiffers" ? "bad" : undefined}>
              {OUTCOMES[i.status]}
            </td>
            <td>{i.exactInvoiceNumber ?? ""}</td>
            <td>{note(i)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

const lastMonth = (): { from: string; to: string } => {
  const now = new Date()
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1))
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1))
  return { from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) }
}

/** ConnectWise invoices to Exact Online: a preview grouped by what will happen, then the run. */
export const TransferPage = ({ linkId, role }: { readonly linkId: string; readonly role: string }) => {
  const canRun = role === "finance" || role === "admin"
  const [range, setRange] = useState(lastMonth())
  const [unposted, setUnposted] = useState(false)
  const [plan, setPlan] = useState<Plan | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)
  const [progress, setProgress] = useState<Progress | undefined>(undefined)
  const [run, setRun] = useState<Run | undefined>(undefined)
  const [result, setResult] = useState<TransferResult | undefined>(undefined)
  const body = unposted ? { unposted: true as const } : range

  const preview = async (keepRun = false) => {
    setError(undefined)
    if (!keepRun) setRun(undefined)
    const {
      data,
      error: e,
      response
    } = await api.POST("/links/{linkId}/transfer/preview", {
      params: { path: { linkId } },
      body
    })
    if (data === undefined) return setError(problem(e, response.status))
    setPlan(data)
  }
  const start = async (kind: "run" | "payments") => {
    setError(undefined)
    setRun(undefined)
    setResult(undefined)
    const started =
      kind === "run"
        ? await api.POST("/links/{linkId}/transfer/run", { params: { path: { linkId } }, body })
        : await api.POST("/links/{linkId}/transfer/payments", { params: { path: { linkId } } })
    if (started.data === undefined) return setError(problem(started.error, started.response.status))
    setProgress({})
    // A run id, or (the deployment's workers run it) the queued job's id.
    const { runId, jobId } = started.data as { runId?: unknown; jobId?: unknown }
    const finished =
      typeof jobId === "string"
        ? await watchQueued(linkId, jobId, {
            progress: setProgress,
            queued: (state) => setProgress({ phase: state === "queued" ? "queued for the workers" : state })
          })
        : await watchRun(linkId, String(runId), { progress: setProgress })
    setProgress(undefined)
    setRun(finished)
    if (kind === "run" && finished !== undefined) {
      // A run that failed before it had an outcome per invoice has none: its log says why.
      const kept = await api.GET("/links/{linkId}/transfer/runs/{runId}", {
        params: { path: { linkId, runId: finished.id } }
      })
      if (kept.data !== undefined) setResult(kept.data)
    }
    if (kind === "run") await preview(true)
  }

  return (
    <section>
      <h1>Transfer invoices to Exact Online</h1>
      <div className="toolbar">
        <label>
          From{" "}
          <input
            type="date"
            value={range.from}
            disabled={unposted}
            onChange={(e) => setRange({ ...range, from: e.target.value })}
          />
        </label>
        <label>
          Until (not included){" "}
          <input
            type="date"
            value={range.to}
            disabled={unposted}
            onChange={(e) => setRange({ ...range, to: e.target.value })}
          />
        </label>
        <label>
          <input type="checkbox" checked={unposted} onChange={(e) => setUnposted(e.target.checked)} /> Everything not
          yet transferred
        </label>
        <button type="button" onClick={() => void preview()}>
          Preview
        </button>
        {canRun && (
          <button type="button" onClick={() => void start("payments")} disabled={progress !== undefined}>
            Sync payments
          </button>
        )}
      </div>
      {error !== undefined && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {progress !== undefined && <RunProgress id="transfer-progress" progress={progress} />}
      {run !== undefined && (
        <p data-testid="transfer-result" data-status={run.status}>
          Run {run.id}: <strong>{run.status}</strong>{" "}
          {Object.entries(run.counts)
            .map(([k, v]) => `${k} ${v}`)
            .join(", ")}
          {run.summary !== undefined && run.summary !== null && ` · ${run.summary}`}
        </p>
      )}
      {result !== undefined && result.invoices.length > 0 && <TransferResultTable result={result} />}
      {plan === undefined ? (
        <p className="empty">Pick the invoice dates (or everything not yet transferred) and choose Preview.</p>
      ) : (
        <TransferPreview
          plan={plan}
          canRun={canRun}
          running={progress !== undefined}
          onTransfer={() => void start("run")}
        />
      )}
    </section>
  )
}

/** The preview of a transfer, grouped by what will happen to each invoice, with the button that runs it. */
const TransferPreview = ({
  plan,
  canRun,
  running,
  onTransfer
}: {
  readonly plan: Plan
  readonly canRun: boolean
  readonly running: boolean
  readonly onTransfer: () => void
}) => {
  const invoices = plan.operations.filter(
    (op): op is Extract<Op, { _tag: "CreateSalesInvoice" | "CreateSalesEntry" }> =>
      op._tag === "CreateSalesInvoice" || op._tag === "CreateSalesEntry"
  )
  const accounts = plan.operations.filter((op) => op._tag === "CreateAccount")
  return (
    <>
      <h2>Ready ({invoices.length})</h2>
      {invoices.length === 0 ? (
        <p>Nothing to transfer in this range.</p>
      ) : (
        <table data-testid="ready">
          <thead>
            <tr>
              <th scope="col">ConnectWise invoice</th>
              <th scope="col">Date</th>
              <th scope="col">Description</th>
              <th scope="col">Exact customer</th>
              <th scope="col">Journal</th>
              <th scope="col">Amount excl. VAT</th>
            </tr>
          </thead>
          <tbody>
            {invoices.map((op) => (
              <tr key={op.idempotencyKey}>
                <td>{op.yourRef}</td>
                <td>{formatDate(op._tag === "CreateSalesInvoice" ? op.invoiceDate : op.entryDate)}</td>
                <td>{op.description}</td>
                <td>{op.account._tag === "ExistingAccount" ? "exists" : "created first"}</td>
                <td>{op.journal}</td>
                <td>{formatMoney(op._tag === "CreateSalesInvoice" ? op.totalExclVat : op.total, op.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Needs a customer in Exact ({accounts.length})</h2>
      {accounts.length === 0 ? (
        <p>Every customer exists in Exact Online.</p>
      ) : (
        <ul>
          {accounts.map((op) => (
            <li key={op.idempotencyKey}>
              {op._tag === "CreateAccount" ? `${op.name} (${op.code}) will be created in Exact Online` : ""}
            </li>
          ))}
        </ul>
      )}
      <h2>Blocked ({plan.blocked.length})</h2>
      {plan.blocked.length === 0 ? (
        <p>Nothing is blocked.</p>
      ) : (
        <ul>
          {plan.blocked.map((b) => (
            <li key={b.connectwiseInvoiceId}>
              {b.number}: {b.reasons.join("; ")}
            </li>
          ))}
        </ul>
      )}
      <h2>Already transferred ({plan.skipped.length})</h2>
      {plan.skipped.length > 0 && (
        <ul>
          {plan.skipped.map((s) => (
            <li key={s.connectwiseInvoiceId}>
              {s.number}: {s.reason}
            </li>
          ))}
        </ul>
      )}
      {canRun && (
        <p className="actions">
          <button type="button" className="primary" disabled={invoices.length === 0 || running} onClick={onTransfer}>
            Transfer {invoices.length} invoices
          </button>
        </p>
      )}
    </>
  )
}
