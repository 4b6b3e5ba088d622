import { randomBytes } from "node:crypto"
import { openDeployment } from "@psa-ledger/deployment"
import { createSandbox, createWorld, virtualClock } from "@psa-ledger/sandbox"
import { memoryStorage, type Storage } from "@psa-ledger/storage-adapters"
import { addUser, createServer, type Server } from "../src/index.ts"

export const ORIGIN = "http://localhost"
/** Where the in-process sandbox answers. */
const SANDBOX_ORIGIN = "http://sandbox.test"
export const PASSWORD = "a long enough password 1"

/** Every line the server logged, for the secret scan. */
export const logLines: Array<string> = []

/** A sandbox world, a deployment with one or two links over it, and a server with users of each role. */
export const openWorld = async (
  options: {
    readonly storage?: Storage
    readonly secretKey?: string
    readonly sandbox?: ReturnType<typeof createSandbox>
    /** The clock of the deployment and server (two worlds over one storage share one). */
    readonly clock?: ReturnType<typeof virtualClock>
  } = {}
) => {
  const clock = options.clock ?? virtualClock(Date.UTC(2026, 3, 2, 8))
  const world = createWorld({ seed: 11, customers: 12, products: 4, months: 2 })
  const sandbox = options.sandbox ?? createSandbox({ world, clock })
  const { connectwise, exact } = sandbox.credentials
  const storage = options.storage ?? memoryStorage()
  const deployment = await openDeployment({
    storage,
    secretKey: options.secretKey ?? randomBytes(32).toString("base64"),
    clock,
    fetch: (request) => sandbox.handle(request)
  })
  const config = (name: string) =>
    sandbox.linkConfig(SANDBOX_ORIGIN, { name, settings: { proposeCancellations: true } })
  const server = createServer({
    deployment,
    log: (level, message, fields) => logLines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`),
    pollMs: 5,
    // Tests plan the schedules by hand (`runDueSchedules`): a loop ticking in real time over the
    // virtual clock would also run what fell due whenever a test moved time past an occurrence.
    scheduleTickMs: 24 * 3_600_000,
    // The deployment's clock: run stamps, sessions and the throttle's windows on one time line.
    now: () => clock.now()
  })
  const secrets = [connectwise.privateKey, exact.clientSecret, PASSWORD]
  /** The user grants the consent at `url` on the sandbox's consent page: the callback's query. */
  const consent = async (url: string) => (await sandbox.grantConsent(url)).redirect.search
  return {
    clock,
    world,
    sandbox,
    deployment,
    storage,
    server,
    config,
    consent,
    secrets,
    credentials: sandbox.credentials
  }
}

/** Adds the users of the tests: an admin, finance and viewer on `acme`, finance on `other`. */
export const addUsers = async (storage: Storage) => {
  await addUser(storage, { username: "ann", password: PASSWORD, role: "admin" })
  await addUser(storage, { username: "fin", password: PASSWORD, role: "finance", links: ["acme"] })
  await addUser(storage, { username: "vic", password: PASSWORD, role: "viewer", links: ["acme"] })
  await addUser(storage, { username: "oth", password: PASSWORD, role: "finance", links: ["other"] })
}

/**
 * A world with the tests' users and the link `acme` added by ann (admin) with Exact connected
 * through the sandbox's consent page; returns ann's client for more admin steps.
 */
export const connectedLink = async (w: Awaited<ReturnType<typeof openWorld>>) => {
  await addUsers(w.storage)
  const ann = client(w.server)
  await ann.signIn("ann")
  await ann.post("/links", { id: "acme", config: w.config("Acme") })
  const connect = await ann.post("/links/acme/exact/connect", {})
  await ann.get(`/oauth/exact/callback${await w.consent(connect.body.url)}`)
  return ann
}

/** Every body and header the tests saw, for the secret scan. */
export const seen: Array<string> = []

/** A browser-like client: keeps the session cookie and sends the CSRF token on writes. */
export const client = (server: Pick<Server, "fetch">, address = "10.0.0.1") => {
  let cookie: string | undefined
  let csrf: string | undefined
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {}
    // biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely in tests
  ): Promise<{ status: number; body: any; headers: Headers; text: string }> => {
    const h = new Headers(headers)
    if (cookie !== undefined) h.set("cookie", cookie)
    if (csrf !== undefined && method !== "GET" && !h.has("x-csrf-token")) h.set("x-csrf-token", csrf)
    if (body !== undefined) h.set("content-type", "application/json")
    const response = await server.fetch(
      new Request(`${ORIGIN}/api/v1${path}`, {
        method,
        headers: h,
        ...(body === undefined ? {} : { body: JSON.stringify(body) })
      }),
      { clientAddress: address }
    )
    const text = await response.text()
    const setCookie = response.headers.get("set-cookie")
    if (setCookie !== null) {
      const value = setCookie.split(";")[0] ?? ""
      cookie = value.endsWith("=") ? undefined : value
    }
    const shown: Record<string, string> = {}
    response.headers.forEach((v, k) => {
      shown[k] = v
    })
    seen.push(text, JSON.stringify(shown))
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      parsed = text
    }
    return { status: response.status, body: parsed, headers: response.headers, text }
  }
  return {
    call,
    get: (path: string, headers?: Record<string, string>) => call("GET", path, undefined, headers),
    post: (path: string, body?: unknown, headers?: Record<string, string>) => call("POST", path, body ?? {}, headers),
    put: (path: string, body: unknown) => call("PUT", path, body),
    del: (path: string) => call("DELETE", path),
    signIn: async (username: string, password = PASSWORD) => {
      const r = await call("POST", "/session", { username, password })
      if (r.status === 200) csrf = r.body.csrfToken
      return r
    },
    get cookie() {
      return cookie
    },
    set cookie(value: string | undefined) {
      cookie = value
    },
    get csrf() {
      return csrf
    },
    set csrf(value: string | undefined) {
      csrf = value
    }
  }
}

/** Waits (on the event loop, not a clock) until `check` holds. */
export const until = async (check: () => Promise<boolean>, what: string, tries = 4_000): Promise<void> => {
  for (let i = 0; i < tries; i++) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  throw new Error(`timed out waiting for ${what}`)
}
