// A link's settings for an administrator: a short wizard for a new link (connections → test and
// connect Exact Online → settings) and one form for an existing link. The write-only keys are never
// shown: a form sees `{ set, updatedAt }` and sends a key only when a new one is typed. Look-ups
// (agreement types, billing terms and cycles, product types and subcategories, tax codes; journals,
// VAT codes, payment conditions, divisions) come from the server, so nobody types an id. Saving
// carries the version; a colleague's save in between is reported as such.
import { cloneElement, type ReactElement, useCallback, useEffect, useId, useState } from "react"
import { api, problem } from "./api.ts"
import { formatDateTime, JOB_LABELS } from "./format.ts"
import { configOf, type Draft, draftOf, emptyDraft, type Json, obj, type Schedule, str } from "./linkDraft.ts"

type Secret = { readonly set: true; readonly updatedAt: string } | { readonly set: false }
type Option = { readonly id: string | number; readonly code?: string; readonly name: string }
type Lookups = {
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
  }
}
type Check = { readonly ok: boolean; readonly detail?: string; readonly message?: string }
type Checks = { readonly connectwise: Check; readonly exact: Check }

/** A labelled control with an optional hint, the hint its description (not part of its name). */
const Field = (props: {
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

const optionLabel = (o: Option) => (o.code !== undefined && o.code !== "" ? `${o.code} · ${o.name}` : o.name)

const Choice = (props: {
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

type Step = "connections" | "check" | "settings"

/**
 * The settings page. `linkId` undefined: the wizard for a new link; otherwise the form for that link
 * (`step` in the address follows the wizard after Exact's consent brings the user back).
 */
export const LinkSettingsPage = (props: {
  readonly linkId: string | undefined
  readonly wizard: boolean
  readonly onSaved: (id: string) => void
  readonly onDone: (id: string) => void
}) => {
  const [linkId, setLinkId] = useState(props.linkId)
  const [newId, setNewId] = useState("")
  const [draft, setDraft] = useState<Draft>(() => emptyDraft(window.location.origin))
  const [stored, setStored] = useState<{ version: number; config: Json } | undefined>(undefined)
  const [lookups, setLookups] = useState<Lookups | undefined>(undefined)
  const [lookupError, setLookupError] = useState<string | undefined>(undefined)
  const [checks, setChecks] = useState<Checks | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)
  const [notice, setNotice] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState<string | undefined>(undefined)
  const [step, setStep] = useState<Step>(props.wizard && props.linkId === undefined ? "connections" : "check")
  const wizard = props.wizard

  const load = useCallback(async (id: string) => {
    const { data, error: e, response } = await api.GET("/links/{linkId}", { params: { path: { linkId: id } } })
    if (data === undefined) {
      setError(problem(e, response.status))
      return
    }
    const config = obj(data.config)
    setStored({ version: data.version, config })
    setDraft(draftOf(config, window.location.origin))
  }, [])

  const loadLookups = useCallback(async (id: string) => {
    setLookupError(undefined)
    const {
      data,
      error: e,
      response
    } = await api.GET("/links/{linkId}/lookups", {
      params: { path: { linkId: id } }
    })
    if (data === undefined) setLookupError(problem(e, response.status))
    else setLookups(data as Lookups)
  }, [])

  useEffect(() => {
    if (props.linkId === undefined) return
    void load(props.linkId)
    if (!props.wizard) void loadLookups(props.linkId)
  }, [props.linkId, props.wizard, load, loadLookups])

  const set =
    <K extends keyof Draft>(key: K) =>
    (value: Draft[K]) =>
      setDraft((d) => ({ ...d, [key]: value }))
  const text = (key: keyof Draft) => ({
    value: String(draft[key]),
    onChange: (e: React.ChangeEvent<HTMLInputElement>) => set(key)(e.target.value as never)
  })

  const create = async (event: React.FormEvent) => {
    event.preventDefault()
    setBusy("create")
    setError(undefined)
    const config = { ...configOf(draft, {}), settings: { compare: draft.compare } }
    const { data, error: e, response } = await api.POST("/links", { body: { id: newId.trim(), config } })
    setBusy(undefined)
    if (data === undefined) {
      setError(problem(e, response.status))
      return
    }
    setLinkId(data.id)
    setStored({ version: data.version, config: obj(data.config) })
    setDraft(draftOf(obj(data.config), window.location.origin))
    setStep("check")
    window.history.replaceState(null, "", `#/links/${data.id}/setup`)
    props.onSaved(data.id)
  }

  const test = async () => {
    if (linkId === undefined) return
    setBusy("test")
    setError(undefined)
    const { data, error: e, response } = await api.POST("/links/{linkId}/test", { params: { path: { linkId } } })
    setBusy(undefined)
    if (data === undefined) setError(problem(e, response.status))
    else setChecks(data as Checks)
  }

  const connect = async () => {
    if (linkId === undefined) return
    setBusy("connect")
    setError(undefined)
    const returnTo = `/#/links/${linkId}/${wizard ? "setup" : "settings"}`
    const {
      data,
      error: e,
      response
    } = await api.POST("/links/{linkId}/exact/connect", {
      params: { path: { linkId } },
      body: { returnTo }
    })
    if (data === undefined) {
      setBusy(undefined)
      setError(problem(e, response.status))
      return
    }
    // To Exact's consent page; its callback brings the user back to `returnTo`.
    window.location.assign(data.url)
  }

  const save = async (event: React.FormEvent) => {
    event.preventDefault()
    if (linkId === undefined || stored === undefined) return
    setBusy("save")
    setError(undefined)
    setNotice(undefined)
    const {
      data,
      error: e,
      response
    } = await api.PUT("/links/{linkId}", {
      params: { path: { linkId } },
      body: { version: stored.version, config: configOf(draft, stored.config) }
    })
    setBusy(undefined)
    if (data === undefined) {
      const code = (e as { error?: { code?: string } } | undefined)?.error?.code
      setError(
        code === "VersionConflict"
          ? "Someone else saved this link since you opened it. Reload the page to see their changes, then make yours again."
          : problem(e, response.status)
      )
      return
    }
    setStored({ version: data.version, config: obj(data.config) })
    setDraft(draftOf(obj(data.config), window.location.origin))
    setNotice(`Saved (version ${data.version}).`)
    props.onSaved(data.id)
    if (wizard) props.onDone(data.id)
  }

  const cw = obj(stored?.config.connectwise)
  const ex = obj(stored?.config.exact)
  const connections = (
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

  const check = (
    <section aria-labelledby="check-title">
      <h2 id="check-title">Connections</h2>
      <p>
        <button type="button" onClick={() => void test()} disabled={busy !== undefined}>
          {busy === "test" ? "Testing…" : "Test connection"}
        </button>{" "}
        <button type="button" onClick={() => void connect()} disabled={busy !== undefined}>
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

  const lk = lookups
  const settings = (
    <>
      {lookupError !== undefined && (
        <p role="alert" className="error">
          The options could not be read: {lookupError}{" "}
          <button type="button" onClick={() => linkId !== undefined && void loadLookups(linkId)}>
            Try again
          </button>
        </p>
      )}
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
        <table className="mapping">
          <caption>VAT code per ConnectWise tax code</caption>
          <tbody>
            {(lk?.connectwise.taxCodes ?? []).map((t) => {
              const key = str(t.code)
              return (
                <tr key={key}>
                  <th scope="row">{optionLabel(t)}</th>
                  <td>
                    <select
                      aria-label={`VAT code for ${key}`}
                      value={draft.vatCodes[key] ?? ""}
                      onChange={(e) => setDraft((d) => ({ ...d, vatCodes: { ...d.vatCodes, [key]: e.target.value } }))}
                    >
                      <option value="">— not mapped —</option>
                      {(lk?.exact.vatCodes ?? []).map((v) => (
                        <option key={`${v.id}`} value={str(v.code)}>
                          {optionLabel(v)}
                        </option>
                      ))}
                    </select>
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
        <table className="mapping">
          <caption>Payment condition per ConnectWise billing terms</caption>
          <tbody>
            {(lk?.connectwise.billingTerms ?? []).map((t) => {
              const key = str(t.id)
              return (
                <tr key={key}>
                  <th scope="row">{t.name}</th>
                  <td>
                    <select
                      aria-label={`Payment condition for ${t.name}`}
                      value={draft.paymentConditions[key] ?? ""}
                      onChange={(e) =>
                        setDraft((d) => ({
                          ...d,
                          paymentConditions: { ...d.paymentConditions, [key]: e.target.value }
                        }))
                      }
                    >
                      <option value="">— Exact's default —</option>
                      {(lk?.exact.paymentConditions ?? []).map((v) => (
                        <option key={`${v.id}`} value={str(v.code)}>
                          {optionLabel(v)}
                        </option>
                      ))}
                    </select>
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </fieldset>
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
                  <td>
                    <input
                      aria-label={`Cron ${i + 1}`}
                      value={s.cron}
                      onChange={(e) => change({ cron: e.target.value })}
                    />
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
    </>
  )

  const messages = (
    <>
      {error !== undefined && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {notice !== undefined && (
        <p role="status" className="good">
          {notice}
        </p>
      )}
    </>
  )

  if (linkId === undefined) {
    return (
      <section className="settings">
        <h1>New link</h1>
        <p className="steps">Step 1 of 3: connections</p>
        <form onSubmit={(e) => void create(e)}>
          <fieldset>
            <legend>The link</legend>
            <Field label="Link id" hint="Letters, digits and dashes; it names the link in addresses">
              <input value={newId} onChange={(e) => setNewId(e.target.value)} required pattern="[a-z0-9][a-z0-9-]*" />
            </Field>
            <Field label="Name">
              <input {...text("name")} required />
            </Field>
          </fieldset>
          {connections}
          {messages}
          <button type="submit" className="primary" disabled={busy !== undefined}>
            {busy === "create" ? "Saving…" : "Save and continue"}
          </button>
        </form>
      </section>
    )
  }

  if (wizard && step === "check") {
    return (
      <section className="settings">
        <h1>New link: {draft.name}</h1>
        <p className="steps">Step 2 of 3: test and connect</p>
        {check}
        {messages}
        <button
          type="button"
          className="primary"
          disabled={checks === undefined || !checks.connectwise.ok || !checks.exact.ok}
          onClick={() => {
            setStep("settings")
            void loadLookups(linkId)
          }}
        >
          Continue
        </button>
      </section>
    )
  }

  return (
    <section className="settings">
      <h1>{wizard ? `New link: ${draft.name}` : `Settings: ${draft.name}`}</h1>
      {wizard && <p className="steps">Step 3 of 3: invoice, transfer, mail and schedules</p>}
      {stored !== undefined && <p>Version {stored.version}</p>}
      <form onSubmit={(e) => void save(e)}>
        {!wizard && (
          <>
            <fieldset>
              <legend>The link</legend>
              <Field label="Name">
                <input {...text("name")} required />
              </Field>
            </fieldset>
            {connections}
          </>
        )}
        {!wizard && check}
        {settings}
        {messages}
        <button type="submit" className="primary" disabled={busy !== undefined || stored === undefined}>
          {busy === "save" ? "Saving…" : wizard ? "Save and finish" : "Save"}
        </button>
      </form>
    </section>
  )
}
