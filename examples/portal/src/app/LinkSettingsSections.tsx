// The sections of a link's settings form, each editing its part of the draft. Look-ups fill the
// pickers, so nobody types an id; the write-only keys show only whether they are set.
import {
  type ChangeEvent,
  cloneElement,
  type Dispatch,
  type ReactElement,
  type SetStateAction,
  useEffect,
  useId,
  useState
} from "react"
import { api, problem } from "./api.ts"
import { CsvPreview } from "./CsvPreview.tsx"
import { formatDateTime, formatScheduled, JOB_LABELS } from "./format.ts"
import { type Draft, type Json, obj, type Schedule, str } from "./linkDraft.ts"

type Secret = { readonly set: true; readonly updatedAt: string } | { readonly set: false }
export type Option = { readonly id: string | number; readonly code?: string; readonly name: string }

/** The pickers' options, from both systems (`GET /links/{id}/lookups`). */
export type Lookups = {
  readonly connectwise: {
    readonly agreementTypes: ReadonlyArray<Option>
    readonly billingTerms: ReadonlyArray<Option>
    readonly billingCycles: ReadonlyArray<Option>
    readonly productTypes: ReadonlyArray<Option>
    readonly subcategories: ReadonlyArray<Option>
    readonly taxCodes: ReadonlyArray<Option>
  }
  readonly exact: {
    readonly divisions: ReadonlyArray<Option>
    readonly journals: ReadonlyArray<Option>
    readonly vatCodes: ReadonlyArray<Option>
    readonly paymentConditions: ReadonlyArray<Option>
    readonly glAccounts: ReadonlyArray<Option>
  }
}
type Check = { readonly ok: boolean; readonly detail?: string; readonly message?: string }

/** The connection test's answer for each system. */
export type Checks = { readonly connectwise: Check; readonly exact: Check }

/** What a section edits: the draft, and how to change it. */
export interface DraftEdit {
  readonly draft: Draft
  readonly setDraft: Dispatch<SetStateAction<Draft>>
}

/** A setter per draft field, and the value/onChange pair of a text box bound to one. */
export const editorsOf = ({ draft, setDraft }: DraftEdit) => {
  const set =
    <K extends keyof Draft>(key: K) =>
    (value: Draft[K]) =>
      setDraft((d) => ({ ...d, [key]: value }))
  const text = (key: keyof Draft) => ({
    value: String(draft[key]),
    onChange: (e: ChangeEvent<HTMLInputElement>) => set(key)(e.target.value as never)
  })
  return { set, text }
}

/** A labelled control with an optional hint, the hint its description (not part of its name). */
export const Field = (props: {
  readonly label: string
  readonly hint?: string
  readonly children: ReactElement<{ id?: string; "aria-describedby"?: string }>
}) => {
  const id = useId()
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      {cloneElement(props.children, {
        id,
        ...(props.hint === undefined ? {} : { "aria-describedby": `${id}-hint` })
      })}
      {props.hint !== undefined && <small id={`${id}-hint`}>{props.hint}</small>}
    </div>
  )
}

/** A write-only key: whether it is set and since when, and a box for a new one. */
const SecretField = (props: {
  readonly label: string
  readonly state: Secret | undefined
  readonly value: string
  readonly onChange: (value: string) => void
}) => {
  const id = useId()
  const hint = `${id}-hint`
  const set = props.state?.set === true ? props.state : undefined
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        type="password"
        autoComplete="new-password"
        value={props.value}
        aria-describedby={hint}
        placeholder={set === undefined ? "" : "leave empty to keep the current one"}
        onChange={(e) => props.onChange(e.target.value)}
      />
      <small id={hint} data-testid={`secret-${props.label}`}>
        {set === undefined
          ? props.state === undefined
            ? "Not stored until the link is saved."
            : "Not set."
          : `Set, updated ${formatDateTime(set.updatedAt)}. The value is never shown.`}
      </small>
    </div>
  )
}

export const optionLabel = (o: Option) => (o.code !== undefined && o.code !== "" ? `${o.code} · ${o.name}` : o.name)

export const Choice = (props: {
  readonly label: string
  readonly value: string
  readonly options: ReadonlyArray<Option>
  readonly by?: "id" | "code"
  readonly empty?: string
  readonly onChange: (value: string) => void
}) => (
  <Field label={props.label}>
    <select value={props.value} onChange={(e) => props.onChange(e.target.value)}>
      <option value="">{props.empty ?? "— none —"}</option>
      {props.options.map((o) => {
        const value = props.by === "code" ? str(o.code) : str(o.id)
        return (
          <option key={`${o.id}`} value={value}>
            {optionLabel(o)}
          </option>
        )
      })}
    </select>
  </Field>
)

/** The two systems' addresses and keys. */
export const ConnectionFields = (props: DraftEdit & { readonly stored: { readonly config: Json } | undefined }) => {
  const { draft, stored } = props
  const { set, text } = editorsOf(props)
  const cw = obj(stored?.config.connectwise)
  const ex = obj(stored?.config.exact)
  return (
    <>
      <fieldset>
        <legend>ConnectWise PSA</legend>
        <Field label="API address" hint="The host (api-eu.myconnectwise.net) or a full https:// address">
          <input {...text("cwBaseUrl")} required />
        </Field>
        <Field label="Company id">
          <input {...text("cwCompanyId")} required />
        </Field>
        <Field label="Public key">
          <input {...text("cwPublicKey")} autoComplete="off" required />
        </Field>
        <SecretField
          label="Private key"
          state={stored === undefined ? undefined : (cw.privateKey as Secret | undefined)}
          value={draft.cwPrivateKey}
          onChange={set("cwPrivateKey")}
        />
        <Field label="Client id" hint="The integration's clientId from developer.connectwise.com">
          <input {...text("cwClientId")} />
        </Field>
      </fieldset>
      <fieldset>
        <legend>Exact Online</legend>
        <Field label="Exact address" hint="Leave empty for Exact's own; a proxy or the sandbox">
          <input {...text("exBaseUrl")} />
        </Field>
        <Field label="App client id">
          <input {...text("exClientId")} required />
        </Field>
        <SecretField
          label="App client secret"
          state={stored === undefined ? undefined : (ex.clientSecret as Secret | undefined)}
          value={draft.exClientSecret}
          onChange={set("exClientSecret")}
        />
        <Field label="Redirect URI" hint="Registered for the app in the Exact App Center, character for character">
          <input {...text("exRedirectUri")} required />
        </Field>
      </fieldset>
    </>
  )
}

/** "Test connection" and "Connect Exact Online", with each system's answer. */
export const ConnectionCheck = ({
  busy,
  checks,
  onTest,
  onConnect
}: {
  readonly busy: string | undefined
  readonly checks: Checks | undefined
  readonly onTest: () => void
  readonly onConnect: () => void
}) => (
  <section aria-labelledby="check-title">
    <h2 id="check-title">Connections</h2>
    <p>
      <button type="button" onClick={onTest} disabled={busy !== undefined}>
        {busy === "test" ? "Testing…" : "Test connection"}
      </button>{" "}
      <button type="button" onClick={onConnect} disabled={busy !== undefined}>
        {busy === "connect" ? "Opening Exact Online…" : "Connect Exact Online"}
      </button>
    </p>
    {checks !== undefined && (
      <ul aria-label="Connection test">
        {(
          [
            ["ConnectWise PSA", checks.connectwise],
            ["Exact Online", checks.exact]
          ] as const
        ).map(([system, c]) => (
          <li key={system} data-ok={c.ok}>
            {system}:{" "}
            {c.ok ? <strong className="good">connected</strong> : <strong className="bad">not connected</strong>}{" "}
            {c.ok ? c.detail : c.message}
          </li>
        ))}
      </ul>
    )}
  </section>
)

/** Where the month's invoice comes from and how it is compared. */
export const InvoiceFields = (
  props: DraftEdit & { readonly lookups: Lookups | undefined; readonly linkId?: string | undefined }
) => {
  const { draft } = props
  const { set, text } = editorsOf(props)
  const lk = props.lookups
  return (
    <fieldset>
      <legend>Invoice</legend>
      <Choice
        label="Exact administration"
        value={draft.exDivision}
        options={lk?.exact.divisions ?? []}
        empty="— as chosen on Exact's consent page —"
        onChange={set("exDivision")}
      />
      <Field label="The month's invoice comes from">
        <select value={draft.sourceKind} onChange={(e) => set("sourceKind")(e.target.value as Draft["sourceKind"])}>
          <option value="sales">Exact sales invoices</option>
          <option value="purchase">Exact purchase invoices of one supplier</option>
          <option value="csv">A CSV export</option>
        </select>
      </Field>
      {draft.sourceKind === "sales" && (
        <Field label="Unit cost from">
          <select
            value={draft.salesUnitCost}
            onChange={(e) => set("salesUnitCost")(e.target.value as Draft["salesUnitCost"])}
          >
            <option value="item">the item's standard cost</option>
            <option value="line">the invoice line's cost price</option>
            <option value="netPrice">the line's net price</option>
          </select>
        </Field>
      )}
      {draft.sourceKind === "purchase" && (
        <>
          <Field label="Supplier (Exact account id)">
            <input {...text("purchaseSupplier")} required />
          </Field>
          <Field label="A line names its customer by">
            <select
              value={draft.purchaseCustomerBy}
              onChange={(e) => set("purchaseCustomerBy")(e.target.value as Draft["purchaseCustomerBy"])}
            >
              <option value="project">project</option>
              <option value="costCenter">cost center</option>
              <option value="costUnit">cost unit</option>
              <option value="description">a pattern in the description</option>
            </select>
          </Field>
          {draft.purchaseCustomerBy === "description" && (
            <Field label="Pattern" hint="A regular expression; the group named customer is the code or name">
              <input {...text("purchasePattern")} required />
            </Field>
          )}
        </>
      )}
      {draft.sourceKind === "csv" && (
        <>
          <Field label="Customer column">
            <input {...text("csvCustomer")} required />
          </Field>
          <Field label="Product column">
            <input {...text("csvProduct")} required />
          </Field>
          <Field label="Quantity column">
            <input {...text("csvQuantity")} required />
          </Field>
          <Field label="Unit cost column">
            <input {...text("csvUnitCost")} required />
          </Field>
          <Field label="Date column" hint="A date or YYYY-MM per row, so one file can hold several months (optional)">
            <input {...text("csvMonth")} />
          </Field>
          <Field label="Customer name column" hint="Optional">
            <input {...text("csvCustomerName")} />
          </Field>
          <Field label="Product description column" hint="Optional">
            <input {...text("csvProductDescription")} />
          </Field>
          <Field label="Separator">
            <select
              value={draft.csvDelimiter}
              onChange={(e) => set("csvDelimiter")(e.target.value as Draft["csvDelimiter"])}
            >
              <option value=";">semicolon</option>
              <option value=",">comma</option>
              <option value={"\t"}>tab</option>
            </select>
          </Field>
          <Field label="Currency" hint="Of every row, unless the file has a currency column (e.g. EUR)">
            <input {...text("csvCurrency")} pattern="[A-Za-z]{3}" />
          </Field>
          <Field label="Encoding" hint="Exports from Windows programs are often Windows-1252">
            <select
              value={draft.csvEncoding}
              onChange={(e) => set("csvEncoding")(e.target.value as Draft["csvEncoding"])}
            >
              <option value="utf-8">UTF-8</option>
              <option value="windows-1252">Windows-1252</option>
            </select>
          </Field>
          {props.linkId !== undefined && <CsvPreview linkId={props.linkId} draft={draft} />}
        </>
      )}
      <Field label="Compare">
        <select value={draft.compare} onChange={(e) => set("compare")(e.target.value as Draft["compare"])}>
          <option value="unitCost">unit cost</option>
          <option value="unitPrice">unit price</option>
          <option value="both">both</option>
        </select>
      </Field>
      <Field label="Tolerance (EUR)" hint="A difference up to this much is not a deviation, e.g. 0.01">
        <input {...text("tolerance")} inputMode="decimal" pattern="\d+([.,]\d+)?" />
      </Field>
    </fieldset>
  )
}

/** The defaults of agreements and products created from the grid. */
export const NewRecordDefaults = (props: DraftEdit & { readonly lookups: Lookups | undefined }) => {
  const { draft } = props
  const { set, text } = editorsOf(props)
  const lk = props.lookups
  return (
    <fieldset>
      <legend>New agreements and products</legend>
      <Choice
        label="Agreement type"
        value={draft.agreementTypeId}
        options={lk?.connectwise.agreementTypes ?? []}
        onChange={set("agreementTypeId")}
      />
      <Field label="Agreement name" hint="{customer} is the company's name">
        <input {...text("agreementName")} />
      </Field>
      <Choice
        label="Billing terms"
        value={draft.billingTermsId}
        options={lk?.connectwise.billingTerms ?? []}
        onChange={set("billingTermsId")}
      />
      <Choice
        label="Billing cycle"
        value={draft.billingCycleId}
        options={lk?.connectwise.billingCycles ?? []}
        empty="— the agreement type's —"
        onChange={set("billingCycleId")}
      />
      <Field label="Product class">
        <select value={draft.productClass} onChange={(e) => set("productClass")(e.target.value)}>
          <option value="">— ConnectWise's default —</option>
          {["Agreement", "Bundle", "Inventory", "NonInventory", "Service"].map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </Field>
      <Choice
        label="Product subcategory"
        value={draft.productSubcategoryId}
        options={lk?.connectwise.subcategories ?? []}
        empty="— ConnectWise's default —"
        onChange={set("productSubcategoryId")}
      />
      <Choice
        label="Product type"
        value={draft.productTypeId}
        options={lk?.connectwise.productTypes ?? []}
        empty="— ConnectWise's default —"
        onChange={set("productTypeId")}
      />
      <label className="check">
        <input
          type="checkbox"
          checked={draft.productTaxable}
          onChange={(e) => set("productTaxable")(e.target.checked)}
        />{" "}
        New products are taxable
      </label>
    </fieldset>
  )
}

/** A two-column picker: for each ConnectWise code, the Exact code it maps to. */
const CodeMap = (props: {
  readonly caption: string
  /** The ConnectWise side: the map's key, the row's heading, and its picker's accessible name. */
  readonly rows: ReadonlyArray<{ readonly key: string; readonly label: string; readonly select: string }>
  /** The Exact side's codes. */
  readonly options: ReadonlyArray<Option>
  readonly empty: string
  readonly value: Readonly<Record<string, string>>
  readonly onChange: (value: Record<string, string>) => void
}) => (
  <table className="mapping">
    <caption>{props.caption}</caption>
    <tbody>
      {props.rows.map((row) => (
        <tr key={row.key}>
          <th scope="row">{row.label}</th>
          <td>
            <select
              aria-label={row.select}
              value={props.value[row.key] ?? ""}
              onChange={(e) => props.onChange({ ...props.value, [row.key]: e.target.value })}
            >
              <option value="">{props.empty}</option>
              {props.options.map((v) => (
                <option key={`${v.id}`} value={str(v.code)}>
                  {optionLabel(v)}
                </option>
              ))}
            </select>
          </td>
        </tr>
      ))}
    </tbody>
  </table>
)

/** Booking mode, journal, and the VAT code and payment condition maps, as pickers from both systems. */
export const TransferFields = (props: DraftEdit & { readonly lookups: Lookups | undefined }) => {
  const { draft, setDraft } = props
  const { set } = editorsOf(props)
  const lk = props.lookups
  return (
    <fieldset>
      <legend>Transfer to Exact Online</legend>
      <Field label="Booking mode">
        <select value={draft.mode} onChange={(e) => set("mode")(e.target.value as Draft["mode"])}>
          <option value="entry">sales entries (ConnectWise's number)</option>
          <option value="invoice">sales invoices (Exact's number)</option>
        </select>
      </Field>
      <Choice
        label="Sales journal"
        by="code"
        value={draft.journal}
        options={lk?.exact.journals ?? []}
        empty="— no transfer —"
        onChange={set("journal")}
      />
      <CodeMap
        caption="VAT code per ConnectWise tax code"
        rows={(lk?.connectwise.taxCodes ?? []).map((t) => ({
          key: str(t.code),
          label: optionLabel(t),
          select: `VAT code for ${str(t.code)}`
        }))}
        options={lk?.exact.vatCodes ?? []}
        empty="— not mapped —"
        value={draft.vatCodes}
        onChange={(vatCodes) => setDraft((d) => ({ ...d, vatCodes }))}
      />
      <CodeMap
        caption="Payment condition per ConnectWise billing terms"
        rows={(lk?.connectwise.billingTerms ?? []).map((t) => ({
          key: str(t.id),
          label: t.name,
          select: `Payment condition for ${t.name}`
        }))}
        options={lk?.exact.paymentConditions ?? []}
        empty="— Exact's default —"
        value={draft.paymentConditions}
        onChange={(paymentConditions) => setDraft((d) => ({ ...d, paymentConditions }))}
      />
    </fieldset>
  )
}

/**
 * What a cron means, as the server reads it: in words where it can say it, the zone, and the next
 * due time; or why it is refused. Asked a moment after the typing stops.
 */
const CronPreview = ({ cron, id }: { readonly cron: string; readonly id: string }) => {
  const [preview, setPreview] = useState<{ text: string; ok: boolean } | undefined>(undefined)
  useEffect(() => {
    if (cron.trim() === "") return setPreview({ text: "Type a cron: minute hour day month weekday", ok: false })
    let current = true
    const timer = setTimeout(() => {
      void api.GET("/schedule-preview", { params: { query: { cron } } }).then(({ data, error, response }) => {
        if (!current) return
        if (data === undefined) return setPreview({ text: problem(error, response.status), ok: false })
        const next = data.nextRuns[0]
        const words = data.description ?? "On the times this cron gives"
        const when = next === undefined ? "never" : formatScheduled(next, data.timeZone)
        setPreview({ text: `${words}, ${data.timeZone} · next ${when}`, ok: true })
      })
    }, 250)
    return () => {
      current = false
      clearTimeout(timer)
    }
  }, [cron])
  return (
    <small id={id} className={preview?.ok === false ? "bad" : undefined} data-testid="cron-preview">
      {preview?.text ?? " "}
    </small>
  )
}

/** Who gets the run mails and when, and the link's schedules. */
export const MailAndSchedules = (props: DraftEdit) => {
  const { draft, setDraft } = props
  const { set, text } = editorsOf(props)
  return (
    <fieldset>
      <legend>Mail and schedules</legend>
      <Field label="Mail runs to" hint="E-mail addresses, separated by commas">
        <input {...text("mailTo")} />
      </Field>
      <Field label="Mail">
        <select value={draft.mailWhen} onChange={(e) => set("mailWhen")(e.target.value as Draft["mailWhen"])}>
          <option value="problems">only when a run failed or was partial</option>
          <option value="always">after every run</option>
        </select>
      </Field>
      <table className="mapping">
        <caption>Schedules</caption>
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">When (cron)</th>
            <th scope="col">On</th>
            <th scope="col">
              <span className="sr-only">Remove</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {draft.schedules.map((s, i) => {
            const change = (patch: Partial<Schedule>) =>
              setDraft((d) => ({ ...d, schedules: d.schedules.map((x, j) => (j === i ? { ...x, ...patch } : x)) }))
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: schedules have no id; the row is its place
              <tr key={i}>
                <td>
                  <select aria-label={`Job ${i + 1}`} value={s.job} onChange={(e) => change({ job: e.target.value })}>
                    {Object.entries(JOB_LABELS).map(([job, label]) => (
                      <option key={job} value={job}>
                        {label}
                      </option>
                    ))}
                  </select>
                </td>
                <td className="cron">
                  <input
                    aria-label={`Cron ${i + 1}`}
                    aria-describedby={`cron-preview-${i}`}
                    value={s.cron}
                    onChange={(e) => change({ cron: e.target.value })}
                  />
                  <CronPreview cron={s.cron} id={`cron-preview-${i}`} />
                </td>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Enabled ${i + 1}`}
                    checked={s.enabled}
                    onChange={(e) => change({ enabled: e.target.checked })}
                  />
                </td>
                <td>
                  <button
                    type="button"
                    onClick={() => setDraft((d) => ({ ...d, schedules: d.schedules.filter((_, j) => j !== i) }))}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
      <button
        type="button"
        onClick={() =>
          setDraft((d) => ({
            ...d,
            schedules: [...d.schedules, { job: "transfer.run", cron: "0 6 * * 1-5", enabled: true }]
          }))
        }
      >
        Add a schedule
      </button>
    </fieldset>
  )
}
