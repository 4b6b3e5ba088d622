import { useCallback, useEffect, useState } from "react"
import { api, type LinkSummary, problem, type Session, setCsrfToken } from "./api.ts"
import { LinkSettingsPage } from "./LinkSettings.tsx"
import { LinksPage } from "./Links.tsx"
import { ReconcilePage } from "./Reconcile.tsx"
import { RunsPage } from "./Runs.tsx"
import { TransferPage } from "./Transfer.tsx"

type Page = "links" | "reconcile" | "transfer" | "runs"

const pageOfHash = (): Page => {
  const page = window.location.hash.replace(/^#\/?/, "").split("/")[0]
  return page === "links" || page === "runs" || page === "transfer" ? page : "reconcile"
}

/** `#/links/new` and `#/links/ID/setup`: the wizard; `#/links/ID/settings`: the form. */
const settingsOfHash = (): { linkId: string | undefined; wizard: boolean } | undefined => {
  const [page, id, what] = window.location.hash.replace(/^#\/?/, "").split("/")
  if (page !== "links" || id === undefined) return undefined
  if (id === "new") return { linkId: undefined, wizard: true }
  if (what === "setup" || what === "settings") return { linkId: decodeURIComponent(id), wizard: what === "setup" }
  return undefined
}

export const App = () => {
  const [session, setSession] = useState<Session | null | undefined>(undefined)
  const [links, setLinks] = useState<ReadonlyArray<LinkSummary>>([])
  const [linkId, setLinkId] = useState<string | undefined>(undefined)
  const [page, setPage] = useState<Page>(pageOfHash())
  const [settings, setSettings] = useState(settingsOfHash())

  useEffect(() => {
    const onHash = () => {
      setPage(pageOfHash())
      setSettings(settingsOfHash())
    }
    window.addEventListener("hashchange", onHash)
    return () => window.removeEventListener("hashchange", onHash)
  }, [])

  const signedIn = useCallback((s: Session) => {
    setCsrfToken(s.csrfToken)
    setSession(s)
  }, [])

  useEffect(() => {
    void api.GET("/session").then(({ data }) => (data === undefined ? setSession(null) : signedIn(data)))
  }, [signedIn])

  const refreshLinks = useCallback(async () => {
    const { data } = await api.GET("/links")
    const found = data ?? []
    setLinks(found)
    setLinkId((current) => current ?? found[0]?.id)
  }, [])

  useEffect(() => {
    if (session === null || session === undefined) return
    void refreshLinks()
  }, [session, refreshLinks])

  if (session === undefined) return <p className="loading">Loading…</p>
  if (session === null) return <SignIn onSignedIn={signedIn} />

  const signOut = async () => {
    await api.DELETE("/session")
    setCsrfToken(undefined)
    setSession(null)
  }
  const go = (to: Page) => {
    window.location.hash = `#/${to}`
  }
  return (
    <div className="shell">
      <header className="topbar">
        <span className="brand">psa-ledger</span>
        <nav aria-label="Pages">
          {(
            [
              ["reconcile", "Reconciliation"],
              ["transfer", "Transfer"],
              ["links", "Links"],
              ["runs", "Runs"]
            ] as const
          ).map(([id, label]) => (
            <a key={id} href={`#/${id}`} aria-current={page === id ? "page" : undefined} onClick={() => go(id)}>
              {label}
            </a>
          ))}
        </nav>
        {links.length > 1 && (
          <label className="switcher">
            Link{" "}
            <select value={linkId ?? ""} onChange={(e) => setLinkId(e.target.value)}>
              {links.map((l) => (
                <option key={l.id} value={l.id}>
                  {l.name}
                </option>
              ))}
            </select>
          </label>
        )}
        {links.length === 1 && <span className="switcher">Link: {links[0]?.name}</span>}
        <span className="who">
          {session.user} ({session.role})
        </span>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <main>
        {settings !== undefined && session.role === "admin" ? (
          <LinkSettingsPage
            key={`${settings.linkId ?? "new"}-${settings.wizard}`}
            linkId={settings.linkId}
            wizard={settings.wizard}
            onSaved={() => void refreshLinks()}
            onDone={(id) => {
              setLinkId(id)
              go("reconcile")
            }}
          />
        ) : linkId === undefined ? (
          <section className="empty">
            <h1>No links yet</h1>
            <p>
              {session.role === "admin"
                ? "Add a link to connect ConnectWise PSA and Exact Online."
                : "Ask an administrator to grant you a link."}
            </p>
            {session.role === "admin" && <a href="#/links/new">Add a link</a>}
          </section>
        ) : page === "links" ? (
          <LinksPage
            links={links}
            role={session.role}
            onOpen={(id) => {
              setLinkId(id)
              go("reconcile")
            }}
          />
        ) : page === "transfer" ? (
          <TransferPage key={linkId} linkId={linkId} role={session.role} />
        ) : page === "runs" ? (
          <RunsPage linkId={linkId} />
        ) : (
          <ReconcilePage key={linkId} linkId={linkId} role={session.role} />
        )}
      </main>
    </div>
  )
}

const SignIn = ({ onSignedIn }: { readonly onSignedIn: (s: Session) => void }) => {
  const [username, setUsername] = useState("")
  const [password, setPassword] = useState("")
  const [error, setError] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const submit = async (event: React.FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(undefined)
    const { data, error: failed, response } = await api.POST("/session", { body: { username, password } })
    setBusy(false)
    if (data !== undefined) onSignedIn(data)
    else
      setError(
        response.status === 401
          ? "The user name or password is not right."
          : response.status === 429
            ? `Too many attempts: try again in ${response.headers.get("retry-after") ?? "a few"} seconds.`
            : problem(failed, response.status)
      )
  }
  return (
    <main className="signin">
      <form onSubmit={(e) => void submit(e)} aria-labelledby="signin-title">
        <h1 id="signin-title">Sign in to psa-ledger</h1>
        <label>
          User name
          <input autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
        </label>
        <label>
          Password
          <input
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        {error !== undefined && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  )
}
