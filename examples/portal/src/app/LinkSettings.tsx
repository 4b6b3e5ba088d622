// A link's settings for an administrator: a short wizard for a new link (connections → test and
// connect Exact Online → settings) and one form for an existing link. The write-only keys are never
// shown: a form sees `{ set, updatedAt }` and sends a key only when a new one is typed. Look-ups
// (agreement types, billing terms and cycles, product types and subcategories, tax codes; journals,
// VAT codes, payment conditions, divisions) come from the server, so nobody types an id. Saving
// carries the version; a colleague's save in between is reported as such.
import { useCallback, useEffect, useState } from "react"
import { api, problem } from "./api.ts"
import { ExclusionsSection } from "./Exclusions.tsx"
import { LinkAudit } from "./LinkAudit.tsx"
import { ApprovalPolicyFields, RevenueAccounts } from "./LinkSettingsPolicy.tsx"
import {
  type Checks,
  ConnectionCheck,
  ConnectionFields,
  editorsOf,
  Field,
  InvoiceFields,
  type Lookups,
  MailAndSchedules,
  NewRecordDefaults,
  TransferFields
} from "./LinkSettingsSections.tsx"
import { configOf, type Draft, draftOf, emptyDraft, type Json, obj } from "./linkDraft.ts"

type Step = "connections" | "check" | "settings"

type PageProps = {
  readonly linkId: string | undefined
  readonly wizard: boolean
  readonly onSaved: (id: string) => void
  readonly onDone: (id: string) => void
}

/** The settings page's state and its calls to the server: load, create, test, connect, save. */
const useLinkSettings = (props: PageProps) => {
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

  return {
    linkId,
    newId,
    setNewId,
    draft,
    setDraft,
    stored,
    lookups,
    lookupError,
    loadLookups,
    checks,
    error,
    notice,
    busy,
    step,
    setStep,
    create,
    test,
    connect,
    save
  }
}

/** The page's error and confirmation, announced to screen readers. */
const Messages = ({ error, notice }: { readonly error: string | undefined; readonly notice: string | undefined }) => (
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

/**
 * The settings page. `linkId` undefined: the wizard for a new link; otherwise the form for that link
 * (`step` in the address follows the wizard after Exact's consent brings the user back).
 */
export const LinkSettingsPage = (props: PageProps) => {
  const {
    linkId,
    newId,
    setNewId,
    draft,
    setDraft,
    stored,
    lookups,
    lookupError,
    loadLookups,
    checks,
    error,
    notice,
    busy,
    step,
    setStep,
    create,
    test,
    connect,
    save
  } = useLinkSettings(props)
  const wizard = props.wizard
  const { text } = editorsOf({ draft, setDraft })
  const messages = <Messages error={error} notice={notice} />

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
          <ConnectionFields draft={draft} setDraft={setDraft} stored={stored} />
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
        <ConnectionCheck busy={busy} checks={checks} onTest={() => void test()} onConnect={() => void connect()} />
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
            <ConnectionFields draft={draft} setDraft={setDraft} stored={stored} />
          </>
        )}
        {!wizard && (
          <ConnectionCheck busy={busy} checks={checks} onTest={() => void test()} onConnect={() => void connect()} />
        )}
        {lookupError !== undefined && (
          <p role="alert" className="error">
            The options could not be read: {lookupError}{" "}
            <button type="button" onClick={() => void loadLookups(linkId)}>
              Try again
            </button>
          </p>
        )}
        <InvoiceFields draft={draft} setDraft={setDraft} lookups={lookups} linkId={linkId} />
        <NewRecordDefaults draft={draft} setDraft={setDraft} lookups={lookups} />
        <TransferFields draft={draft} setDraft={setDraft} lookups={lookups} />
        {draft.mode === "entry" && <RevenueAccounts draft={draft} setDraft={setDraft} lookups={lookups} />}
        <ApprovalPolicyFields draft={draft} setDraft={setDraft} />
        <MailAndSchedules draft={draft} setDraft={setDraft} />
        {messages}
        <button type="submit" className="primary" disabled={busy !== undefined || stored === undefined}>
          {busy === "save" ? "Saving…" : wizard ? "Save and finish" : "Save"}
        </button>
      </form>
      {!wizard && <ExclusionsSection linkId={linkId} />}
      {!wizard && <LinkAudit linkId={linkId} version={stored?.version} />}
    </section>
  )
}
