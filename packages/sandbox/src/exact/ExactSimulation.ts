/**
 * A stateful fake of Exact Online: OAuth with rotating refresh tokens, divisions, rate limits, the
 * error block, OData paging and `$filter`, and the invoicing entities.
 *
 * The core is a plain `(request: Request) => Promise<Response>` over seedable state and an
 * injectable clock; `exactHandlers` (msw) and `startExactServer` (node:http) wrap it.
 *
 * @since 0.1.0
 */
import { BigDecimal } from "effect"
import { type SandboxClock, systemClock } from "../clock.ts"
import { blankRecord, type EntitySet, endpoints, entitySets } from "./internal/entities.ts"
import { type Expr, FilterSyntaxError, fieldsOf, matches, parseFilter } from "./internal/filter.ts"
import { type SeededRandom, seededRandom } from "./internal/random.ts"
import {
  asDecimal,
  asWhen,
  Dec,
  parseJson,
  round,
  type SimRecord,
  toJson,
  type Value,
  When
} from "./internal/values.ts"

/**
 * An app registered with Exact (the OAuth client).
 *
 * @since 0.1.0
 */
export interface ExactApp {
  readonly clientId: string
  readonly clientSecret: string
  readonly redirectUri: string
}

/**
 * An administration (division) in the simulated license.
 *
 * @since 0.1.0
 */
export interface ExactDivisionSeed {
  readonly code: number
  readonly description: string
  readonly currency?: string
  /** `false` makes requests to it answer 403 with `Reason: NoDivisionAccess`. Default `true`. */
  readonly access?: boolean
}

/**
 * Settings of a simulation; every limit defaults to Exact's documented value.
 *
 * @since 0.1.0
 */
export interface ExactSimulationOptions {
  readonly clock?: SandboxClock
  readonly seed?: number
  readonly apps?: ReadonlyArray<ExactApp>
  readonly divisions?: ReadonlyArray<ExactDivisionSeed>
  /** Calls per minute per division. Default 60. */
  readonly minutelyLimit?: number
  /** Calls per day per division. Default 5,000. */
  readonly dailyLimit?: number
  /** 400/401/403/404 answers per app, division and endpoint in an hour before the key is blocked. Default 10. */
  readonly errorsPerHour?: number
  /** Token-endpoint calls per app and user per UTC day. Default 200. */
  readonly tokenCallsPerDay?: number
  /** Access-token lifetime in seconds. Default 600. */
  readonly accessTokenSeconds?: number
  /** No refresh within this many seconds of the previous issue. Default 570. */
  readonly minRefreshIntervalSeconds?: number
  /** An unused refresh token dies after this many days. Default 30. */
  readonly refreshTokenIdleDays?: number
  /** Authorization codes live this many seconds. Default 180. */
  readonly codeSeconds?: number
  /** Rows per page on regular endpoints (60) and on bulk/sync endpoints (1,000). */
  readonly pageSize?: number
  readonly bulkPageSize?: number
}

/**
 * A failure to inject into the next matching request, for testing recovery.
 *
 * - `hang-after-commit`: the request takes effect, then the answer is held back for `hangMs` real ms.
 * - `error-after-commit`: the request takes effect, then a 5xx answer (`status`, default 500) is sent.
 * - `error-before-commit`: a 5xx answer without any effect.
 * - `network-error`: the connection fails, without any effect.
 *
 * @since 0.1.0
 */
export interface ExactFault {
  readonly method: string
  /** An endpoint path as in the request counts, e.g. `salesinvoice/SalesInvoices`. */
  readonly endpoint: string
  readonly kind: "hang-after-commit" | "error-after-commit" | "error-before-commit" | "network-error"
  readonly status?: number
  readonly hangMs?: number
  /** How many matching requests fail. Default 1. */
  readonly times?: number
}

/**
 * Counters a test asserts on.
 *
 * @since 0.1.0
 */
export interface ExactSimulationStats {
  /** Successful refresh-token grants. */
  readonly refreshes: number
  /** Authorization-code grants. */
  readonly codeExchanges: number
  /** Chains broken by reuse of an old refresh token. */
  readonly brokenChains: number
  /** Refreshes refused under the 570 s rule. */
  readonly earlyRefreshes: number
  /** 429 answers (minute or day). */
  readonly rateLimited: number
  /** 400/401/403/404 answers. */
  readonly errors: number
  /** Requests refused because the key was blocked after too many errors. */
  readonly blocked: number
}

/**
 * The simulation: its request handler and its state.
 *
 * @since 0.1.0
 */
export interface ExactSimulation {
  /**
   * Answers one request the way Exact Online would. `basePath` is where the simulation is mounted
   * (e.g. `/exact` on the sandbox server): the request path starts with it, and so do the links it
   * writes (`__next`, `__metadata.uri`).
   */
  handle(request: Request, basePath?: string): Promise<Response>
  readonly clock: SandboxClock
  readonly apps: ReadonlyArray<ExactApp>
  /** The user consents to `clientId` (default: the first app): returns the authorization code. */
  authorize(options?: { readonly clientId?: string; readonly redirectUri?: string }): string
  /** Stores a record as is (after filling the modelled fields with null). */
  insert(division: number, set: string, values: SimRecord): SimRecord
  /** The stored records of a set. */
  records(division: number, set: string): ReadonlyArray<SimRecord>
  /** Requests served, by `"METHOD endpoint"` (e.g. `"GET bulk/SalesInvoice/SalesInvoiceLines"`). */
  requestCounts(): Readonly<Record<string, number>>
  /** Requests served for one `"METHOD endpoint"` key, or all requests. */
  requestCount(key?: string): number
  readonly stats: ExactSimulationStats
  /** Makes the next matching request(s) fail. */
  inject(fault: ExactFault): void
  /** Forgets request counts and stats (state and tokens stay). */
  resetCounters(): void
  /** Moves a division's remaining daily budget (for daily-limit tests). */
  setDailyUsed(division: number, used: number): void
}

interface Chain {
  readonly clientId: string
  refreshToken: string
  readonly oldRefreshTokens: Set<string>
  issuedAt: number
  broken: boolean
}

interface Division {
  readonly seed: ExactDivisionSeed
  readonly sets: Map<string, Array<SimRecord>>
  readonly index: Map<string, Map<string, SimRecord>>
  /** Child records by set and lower-cased foreign key, for `$expand` without a scan per parent. */
  readonly children: Map<string, Map<string, Array<SimRecord>>>
  minute: { count: number; resetAt: number }
  day: { count: number; resetAt: number }
  nextInvoiceNumber: number
  nextEntryNumber: number
}

type Json = Record<string, unknown>

const minute = 60_000
const hour = 3_600_000
const day = 86_400_000
const guidPattern = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/

// Which sets are navigation children, and the field that names their parent.
const childForeignKeys: ReadonlyMap<string, string> = new Map(
  Object.values(entitySets).flatMap((entity) =>
    Object.values(entity.navigation ?? {}).map((navigation) => [navigation.set, navigation.foreignKey] as const)
  )
)

const nextUtcMidnight = (now: number) => (Math.floor(now / day) + 1) * day

const jsonResponse = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(status === 204 ? null : toJson(body), {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8", ...headers }
  })

const odataError = (status: number, message: string, headers: Record<string, string> = {}) =>
  jsonResponse(status, { error: { code: "", message: { lang: "en-US", value: message } } }, headers)

const oauthError = (status: number, error: string, description: string) =>
  jsonResponse(status, { error, error_description: description })

/**
 * Creates a simulated Exact Online with its own state.
 *
 * @example
 * ```ts
 * import { createExactSimulation, exactHandlers, virtualClock } from "@psa-ledger/sandbox"
 * import { setupServer } from "msw/node"
 *
 * const sim = createExactSimulation({ clock: virtualClock() })
 * const server = setupServer(...exactHandlers(sim))
 * server.listen({ onUnhandledFrame: "error" })
 * ```
 *
 * @since 0.1.0
 */
export const createExactSimulation = (options: ExactSimulationOptions = {}): ExactSimulation => {
  const clock = options.clock ?? systemClock
  const random: SeededRandom = seededRandom(options.seed ?? 4)
  const apps: ReadonlyArray<ExactApp> = options.apps ?? [
    { clientId: "sandbox-client-id", clientSecret: "sandbox-client-secret", redirectUri: "http://127.0.0.1/callback" }
  ]
  const minutelyLimit = options.minutelyLimit ?? 60
  const dailyLimit = options.dailyLimit ?? 5000
  const errorsPerHour = options.errorsPerHour ?? 10
  const tokenCallsPerDay = options.tokenCallsPerDay ?? 200
  const accessTokenMs = (options.accessTokenSeconds ?? 600) * 1000
  const minRefreshMs = (options.minRefreshIntervalSeconds ?? 570) * 1000
  const refreshIdleMs = (options.refreshTokenIdleDays ?? 30) * day
  const codeMs = (options.codeSeconds ?? 180) * 1000
  const pageSize = options.pageSize ?? 60
  const bulkPageSize = options.bulkPageSize ?? 1000

  const user = {
    UserID: random.guid(),
    FullName: "Sandra Sandbox",
    UserName: "sandra@sandbox.example",
    Email: "sandra@sandbox.example",
    LanguageCode: "nl-NL"
  }
  const divisions = new Map<number, Division>()
  for (const seed of options.divisions ?? [{ code: 1001, description: "Sandbox IT Services BV" }]) {
    divisions.set(seed.code, {
      seed,
      sets: new Map(),
      index: new Map(),
      children: new Map(),
      minute: { count: 0, resetAt: 0 },
      day: { count: 0, resetAt: 0 },
      nextInvoiceNumber: 26_000_001,
      nextEntryNumber: 26_700_001
    })
  }
  const currentDivision = [...divisions.values()].find((d) => d.seed.access !== false)?.seed.code ?? 0

  const codes = new Map<string, { clientId: string; redirectUri: string; issuedAt: number; used: boolean }>()
  const chains: Array<Chain> = []
  const chainByRefresh = new Map<string, Chain>()
  const accessTokens = new Map<string, { chain: Chain; expiresAt: number }>()
  const tokenCalls = new Map<string, number>()
  const errorLog = new Map<string, Array<number>>()
  const faults: Array<ExactFault & { remaining: number }> = []
  let counts: Record<string, number> = {}
  let stats = {
    refreshes: 0,
    codeExchanges: 0,
    brokenChains: 0,
    earlyRefreshes: 0,
    rateLimited: 0,
    errors: 0,
    blocked: 0
  }
  let rowVersion = 1
  // Where each record sits in its set's array (sets only grow), so a $skiptoken resumes without a scan.
  const positions = new WeakMap<SimRecord, number>()

  const divisionOf = (code: number): Division => {
    const found = divisions.get(code)
    if (!found) throw new Error(`The simulation has no division ${code}`)
    return found
  }
  const entityOf = (name: string): EntitySet => {
    const found = entitySets[name]
    if (!found) throw new Error(`The simulation has no entity set ${name}`)
    return found
  }
  const rows = (division: Division, set: string): Array<SimRecord> => {
    let list = division.sets.get(set)
    if (!list) {
      list = []
      division.sets.set(set, list)
      division.index.set(set, new Map())
    }
    return list
  }
  const byKey = (division: Division, set: string, key: string): SimRecord | undefined => {
    rows(division, set)
    return division.index.get(set)?.get(key.toLowerCase())
  }
  const insertInto = (division: Division, set: string, values: SimRecord): SimRecord => {
    const entity = entityOf(set)
    const record = blankRecord(entity, values)
    const key = record[entity.key]
    if (typeof key !== "string" || !guidPattern.test(key)) {
      throw new Error(`${set}.${entity.key} must be a GUID, got ${String(key)}`)
    }
    record.__ts = rowVersion++
    const list = rows(division, set)
    positions.set(record, list.length)
    list.push(record)
    division.index.get(set)?.set(key.toLowerCase(), record)
    const foreignKey = childForeignKeys.get(set)
    if (foreignKey !== undefined) {
      const parent = String(record[foreignKey]).toLowerCase()
      let byParent = division.children.get(set)
      if (!byParent) {
        byParent = new Map()
        division.children.set(set, byParent)
      }
      const siblings = byParent.get(parent)
      if (siblings) siblings.push(record)
      else byParent.set(parent, [record])
    }
    return record
  }

  const count = (key: string) => {
    counts[key] = (counts[key] ?? 0) + 1
  }
  const takeFault = (method: string, endpoint: string) => {
    const index = faults.findIndex(
      (fault) => fault.method === method && fault.endpoint.toLowerCase() === endpoint.toLowerCase()
    )
    if (index < 0) return undefined
    const fault = faults[index] as ExactFault & { remaining: number }
    fault.remaining--
    if (fault.remaining <= 0) faults.splice(index, 1)
    return fault
  }
  const recordError = (key: string) => {
    stats.errors++
    const list = errorLog.get(key) ?? []
    list.push(clock.now())
    errorLog.set(key, list)
  }
  const isBlocked = (key: string) => {
    const now = clock.now()
    const recent = (errorLog.get(key) ?? []).filter((at) => at > now - hour)
    errorLog.set(key, recent)
    return recent.length >= errorsPerHour
  }

  // ---------------------------------------------------------------- OAuth

  const issuePair = (chain: Chain) => {
    const now = clock.now()
    const accessToken = `gAAAA${random.token(60)}`
    const refreshToken = `Stf!IAAAA${random.token(50)}`
    accessTokens.set(accessToken, { chain, expiresAt: now + accessTokenMs })
    chain.refreshToken = refreshToken
    chain.issuedAt = now
    chainByRefresh.set(refreshToken, chain)
    return jsonResponse(200, {
      access_token: accessToken,
      token_type: "bearer",
      expires_in: String(accessTokenMs / 1000),
      refresh_token: refreshToken
    })
  }

  const authorize: ExactSimulation["authorize"] = (authOptions = {}) => {
    const app = apps.find((a) => a.clientId === (authOptions.clientId ?? apps[0]?.clientId))
    if (!app) throw new Error("authorize: unknown clientId")
    const code = `${random.token(40)}`
    codes.set(code, {
      clientId: app.clientId,
      redirectUri: authOptions.redirectUri ?? app.redirectUri,
      issuedAt: clock.now(),
      used: false
    })
    return code
  }

  const handleAuthorize = (url: URL) => {
    const app = apps.find((a) => a.clientId === url.searchParams.get("client_id"))
    const redirectUri = url.searchParams.get("redirect_uri")
    if (!app || redirectUri !== app.redirectUri || url.searchParams.get("response_type") !== "code") {
      return new Response("The client or redirect URI is not registered.", { status: 400 })
    }
    const code = authorize({ clientId: app.clientId, redirectUri })
    const target = new URL(redirectUri)
    target.searchParams.set("code", code)
    const state = url.searchParams.get("state")
    if (state !== null) target.searchParams.set("state", state)
    return new Response(null, { status: 302, headers: { Location: target.toString() } })
  }

  const handleToken = async (request: Request): Promise<Response> => {
    const form = new URLSearchParams(await request.text())
    const app = apps.find((a) => a.clientId === form.get("client_id"))
    const errorKey = `${form.get("client_id") ?? "?"}|0|oauth2/token`
    const fail = (status: number, error: string, description: string) => {
      recordError(errorKey)
      return oauthError(status, error, description)
    }
    if (!app || app.clientSecret !== form.get("client_secret")) {
      return fail(401, "invalid_client", "The client is unknown or its secret is wrong.")
    }
    const now = clock.now()
    const dayKey = `${app.clientId}|${Math.floor(now / day)}`
    const calls = (tokenCalls.get(dayKey) ?? 0) + 1
    tokenCalls.set(dayKey, calls)
    if (calls > tokenCallsPerDay) {
      stats.rateLimited++
      return oauthError(429, "too_many_requests", "Too many token requests today.")
    }
    const grant = form.get("grant_type")
    if (grant === "authorization_code") {
      const code = codes.get(form.get("code") ?? "")
      if (!code || code.clientId !== app.clientId) return fail(400, "invalid_grant", "The code is invalid.")
      if (code.used) return fail(400, "invalid_grant", "The code has already been used.")
      if (now - code.issuedAt > codeMs) return fail(400, "invalid_grant", "The code has expired.")
      if (form.get("redirect_uri") !== code.redirectUri) {
        return fail(400, "invalid_grant", "The redirect URI does not match.")
      }
      code.used = true
      stats.codeExchanges++
      const chain: Chain = {
        clientId: app.clientId,
        refreshToken: "",
        oldRefreshTokens: new Set(),
        issuedAt: 0,
        broken: false
      }
      chains.push(chain)
      return issuePair(chain)
    }
    if (grant === "refresh_token") {
      const presented = form.get("refresh_token") ?? ""
      const chain = chainByRefresh.get(presented)
      if (!chain || chain.clientId !== app.clientId) return fail(400, "invalid_grant", "The refresh token is invalid.")
      if (chain.broken || chain.oldRefreshTokens.has(presented)) {
        if (!chain.broken) stats.brokenChains++
        chain.broken = true
        return fail(401, "unauthorized_client", "Old refresh token used.")
      }
      if (now - chain.issuedAt > refreshIdleMs) {
        return fail(
          400,
          "invalid_request",
          `The refresh token expired at ${new Date(chain.issuedAt + refreshIdleMs).toISOString()}.`
        )
      }
      if (now - chain.issuedAt < minRefreshMs) {
        stats.earlyRefreshes++
        return fail(401, "invalid_request", "Access token not expired.")
      }
      chain.oldRefreshTokens.add(presented)
      stats.refreshes++
      return issuePair(chain)
    }
    return fail(400, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token.")
  }

  // ---------------------------------------------------------------- rate limits

  const rateHeaders = (division: Division, which: "both" | "minutely" = "both"): Record<string, string> => {
    const minutely = {
      "X-RateLimit-Minutely-Limit": String(minutelyLimit),
      "X-RateLimit-Minutely-Remaining": String(Math.max(0, minutelyLimit - division.minute.count)),
      "X-RateLimit-Minutely-Reset": String(division.minute.resetAt)
    }
    if (which === "minutely") return minutely
    return {
      "X-RateLimit-Limit": String(dailyLimit),
      "X-RateLimit-Remaining": String(Math.max(0, dailyLimit - division.day.count)),
      "X-RateLimit-Reset": String(division.day.resetAt),
      ...minutely
    }
  }

  /** Spends one call of the division's budgets, or answers the 429 Exact would. */
  const spend = (division: Division): Response | undefined => {
    const now = clock.now()
    if (now >= division.day.resetAt) division.day = { count: 0, resetAt: nextUtcMidnight(now) }
    if (now >= division.minute.resetAt) division.minute = { count: 0, resetAt: now + minute }
    if (division.day.count >= dailyLimit) {
      stats.rateLimited++
      return odataError(
        429,
        "API limit exceeded: the daily limit for this division has been reached.",
        rateHeaders(division)
      )
    }
    if (division.minute.count >= minutelyLimit) {
      stats.rateLimited++
      // On a minutely 429 Exact sends only the minutely headers.
      return odataError(429, "API limit exceeded: too many calls in this minute.", rateHeaders(division, "minutely"))
    }
    division.minute.count++
    division.day.count++
    return undefined
  }

  // ---------------------------------------------------------------- OData reads

  const present = (
    entity: EntitySet,
    record: SimRecord,
    division: Division,
    url: URL,
    select: ReadonlyArray<string> | undefined,
    expand: ReadonlySet<string>,
    sync: boolean
  ): Json => {
    // Links keep the mount path in front of `/api/v1/{division}/`.
    const at = url.pathname.indexOf("/api/v1/")
    const endpointPart = url.pathname
      .slice(at + "/api/v1/".length)
      .split("/")
      .slice(1)
      .join("/")
    const uri = `${url.origin}${url.pathname.slice(0, at)}/api/v1/${division.seed.code}/${endpointPart}`
    const keyText = `(guid'${String(record[entity.key])}')`
    const out: Json = { __metadata: { uri: `${uri.replace(/\(.*$/, "")}${keyText}`, type: entity.type } }
    const wanted = select?.filter((field) => !field.includes("/"))
    const fields =
      wanted && wanted.length > 0 && !wanted.includes("*")
        ? [...wanted, ...[...expand].filter((field) => !wanted.includes(field))]
        : entity.fields
    for (const field of fields) {
      const navigation = entity.navigation?.[field]
      if (navigation) {
        if (expand.has(field)) {
          const child = entityOf(navigation.set)
          const childSelect = select?.filter((f) => f.startsWith(`${field}/`)).map((f) => f.slice(field.length + 1))
          const children = division.children.get(navigation.set)?.get(String(record[entity.key]).toLowerCase()) ?? []
          out[field] = {
            results: children.map((line) =>
              present(child, line, division, url, childSelect?.length ? childSelect : undefined, new Set(), false)
            )
          }
        } else {
          out[field] = { __deferred: { uri: `${out.__metadata ? (out.__metadata as Json).uri : uri}/${field}` } }
        }
        continue
      }
      out[field] = (record[field] ?? null) as Value
    }
    if (sync) out.Timestamp = record.__ts as number
    return out
  }

  const parseSelect = (entity: EntitySet, text: string | null): Array<string> | undefined => {
    if (text === null) return undefined
    const fields = text
      .split(",")
      .map((f) => f.trim())
      .filter(Boolean)
    for (const field of fields) {
      const [head, tail] = field.split("/")
      if (head === "*" || head === "Timestamp") continue
      if (!head || !entity.fields.includes(head))
        throw new FilterSyntaxError(`Property '${head}' does not exist on ${entity.name}.`)
      if (tail !== undefined) {
        const navigation = entity.navigation?.[head]
        if (!navigation || (tail !== "*" && !entityOf(navigation.set).fields.includes(tail))) {
          throw new FilterSyntaxError(`Property '${field}' does not exist on ${entity.name}.`)
        }
      }
    }
    return fields
  }

  const list = (division: Division, endpointPath: string, url: URL): Response => {
    const endpoint = endpoints.get(endpointPath.toLowerCase())
    if (!endpoint) return odataError(404, `Resource not found: ${endpointPath}`)
    const entity = entityOf(endpoint.set)
    const query = url.searchParams
    let select: Array<string> | undefined
    let filter: Expr | undefined
    try {
      select = parseSelect(entity, query.get("$select"))
      const filterText = query.get("$filter")
      if (filterText !== null && filterText.trim() !== "") {
        filter = parseFilter(filterText)
        for (const field of fieldsOf(filter)) {
          if (field === "Timestamp" && endpoint.mode === "sync") continue
          if (!entity.fields.includes(field) || entity.navigation?.[field]) {
            throw new FilterSyntaxError(`Property '${field}' does not exist on ${entity.name} or cannot be filtered.`)
          }
        }
        if (endpoint.mode === "sync" && fieldsOf(filter).some((field) => field !== "Timestamp")) {
          throw new FilterSyntaxError("Sync endpoints only filter on Timestamp.")
        }
      }
    } catch (error) {
      if (error instanceof FilterSyntaxError) return odataError(400, error.message)
      throw error
    }
    if (endpoint.mode !== "list" && (!select || select.length === 0)) {
      return odataError(400, "$select is mandatory on bulk and sync endpoints.")
    }
    const expand = new Set(
      (query.get("$expand") ?? "")
        .split(",")
        .map((f) => f.trim())
        .filter(Boolean)
    )
    for (const field of expand) {
      if (!entity.navigation?.[field]) return odataError(400, `Cannot expand '${field}' on ${entity.name}.`)
    }
    const wire = (record: SimRecord): SimRecord =>
      endpoint.mode === "sync" ? { ...record, Timestamp: new Dec(String(record.__ts)) } : record
    // Unfiltered regular and bulk reads page the stored array itself (no copy of 200,000 lines a page).
    const stored = rows(division, endpoint.set)
    let found = endpoint.mode === "sync" ? stored.map(wire) : stored
    if (filter) found = found.filter((record) => matches(filter, record))
    const orderby = query.get("$orderby")
    if (endpoint.mode === "sync") {
      found = [...found].sort((a, b) => (a.__ts as number) - (b.__ts as number))
    } else if (orderby) {
      const [field = "", direction] = orderby.trim().split(/\s+/)
      if (!entity.fields.includes(field)) return odataError(400, `Cannot order by '${field}'.`)
      const sign = direction?.toLowerCase() === "desc" ? -1 : 1
      const key = (value: Value | undefined): string | number =>
        value instanceof When
          ? value.ms
          : value instanceof Dec
            ? Number(value.text)
            : typeof value === "number"
              ? value
              : String(value ?? "")
      found = [...found].sort((a, b) => {
        const x = key(a[field])
        const y = key(b[field])
        return x < y ? -sign : x > y ? sign : 0
      })
    }
    const skiptoken = query.get("$skiptoken")
    let start = 0
    if (skiptoken !== null) {
      const match = /^guid'([^']+)'$/.exec(skiptoken)
      const resumeAt = match ? byKey(division, endpoint.set, match[1] ?? "") : undefined
      const position = !resumeAt
        ? -1
        : found === stored
          ? (positions.get(resumeAt) ?? -1)
          : found.findIndex((record) => String(record[entity.key]).toLowerCase() === match?.[1]?.toLowerCase())
      if (position < 0) return odataError(400, "The $skiptoken is invalid.")
      start = position + 1
    }
    const size = endpoint.mode === "list" ? pageSize : bulkPageSize
    const top = query.get("$top")
    const limit = top === null ? size : Math.min(size, Math.max(0, Number.parseInt(top, 10) || 0))
    const page = found.slice(start, start + limit)
    const results = page.map((record) =>
      present(entity, record, division, url, select, expand, endpoint.mode === "sync")
    )
    const d: Json = { results }
    if (query.get("$inlinecount") === "allpages") d.__count = String(found.length)
    if (top === null && start + limit < found.length) {
      const last = page[page.length - 1] as SimRecord
      const next = new URL(url)
      next.searchParams.set("$skiptoken", `guid'${String(last[entity.key])}'`)
      d.__next = next.toString()
    }
    return jsonResponse(200, { d })
  }

  const single = (division: Division, endpointPath: string, id: string, url: URL): Response => {
    const endpoint = endpoints.get(endpointPath.toLowerCase())
    if (endpoint?.mode !== "list") return odataError(404, `Resource not found: ${endpointPath}`)
    const entity = entityOf(endpoint.set)
    const record = byKey(division, endpoint.set, id)
    if (!record) return odataError(404, `${entity.name.replace(/s$/, "")} not found.`)
    let select: Array<string> | undefined
    try {
      select = parseSelect(entity, url.searchParams.get("$select"))
    } catch (error) {
      if (error instanceof FilterSyntaxError) return odataError(400, error.message)
      throw error
    }
    const expand = new Set((url.searchParams.get("$expand") ?? "").split(",").filter(Boolean))
    return jsonResponse(200, { d: present(entity, record, division, url, select, expand, false) })
  }

  // ---------------------------------------------------------------- writes

  const findByKeyOrCode = (division: Division, set: string, value: unknown, codeField = "Code") => {
    if (typeof value !== "string" || value.trim() === "") return undefined
    if (guidPattern.test(value)) return byKey(division, set, value)
    return rows(division, set).find((r) => String(r[codeField] ?? "").trim() === value.trim())
  }

  const createSalesInvoice = (division: Division, body: Json, url: URL): Response => {
    const problems: Array<string> = []
    const account = findByKeyOrCode(division, "Accounts", body.OrderedBy)
    if (body.OrderedBy === undefined || body.OrderedBy === null) problems.push("Mandatory: OrderedBy (Ordered by)")
    else if (!account) problems.push("Invalid reference: OrderedBy")
    const invoiceTo =
      body.InvoiceTo === undefined || body.InvoiceTo === null
        ? account
        : findByKeyOrCode(division, "Accounts", body.InvoiceTo)
    if (body.InvoiceTo && !invoiceTo) problems.push("Invalid reference: InvoiceTo")
    const type = body.Type === undefined || body.Type === null ? 8020 : Number((body.Type as Dec).text ?? body.Type)
    if (![8020, 8021, 8023, 8024].includes(type)) problems.push(`Invalid value: Type ${String(type)}`)
    const orderDate = body.OrderDate === undefined ? new When(clock.now()) : asWhen(body.OrderDate)
    if (!orderDate) problems.push("Invalid date: OrderDate")
    const condition =
      (body.PaymentCondition ?? account?.PaymentConditionSales)
        ? findByKeyOrCode(division, "PaymentConditions", body.PaymentCondition ?? account?.PaymentConditionSales)
        : undefined
    if (body.PaymentCondition && !condition) problems.push("Invalid reference: PaymentCondition")
    const lines = body.SalesInvoiceLines
    if (!Array.isArray(lines) || lines.length === 0) problems.push("Mandatory: SalesInvoiceLines (at least one line)")
    const invoiceId = random.guid()
    const builtLines: Array<SimRecord> = []
    let net = BigDecimal.fromBigInt(0n)
    let vat = BigDecimal.fromBigInt(0n)
    for (const [index, raw] of (Array.isArray(lines) ? lines : []).entries()) {
      const line = (raw ?? {}) as Json
      const at = `SalesInvoiceLines[${index}]`
      const item = findByKeyOrCode(division, "Items", line.Item)
      if (line.Item === undefined || line.Item === null) problems.push(`Mandatory: ${at}.Item`)
      else if (!item) problems.push(`Invalid reference: ${at}.Item`)
      const quantity = line.Quantity === undefined ? BigDecimal.fromBigInt(1n) : asDecimal(line.Quantity)
      if (!quantity) problems.push(`Invalid number: ${at}.Quantity`)
      const priceSource =
        line.NetPrice ?? line.UnitPrice ?? (item?.StandardSalesPrice as Dec | null | undefined) ?? new Dec("0")
      const price = asDecimal(priceSource)
      if (!price) problems.push(`Invalid number: ${at}.NetPrice`)
      const vatCodeText = (line.VATCode ?? item?.SalesVatCode ?? account?.SalesVATCode ?? null) as string | null
      const vatCode = vatCodeText === null ? undefined : findByKeyOrCode(division, "VATCodes", vatCodeText)
      if (vatCodeText !== null && !vatCode) problems.push(`Invalid reference: ${at}.VATCode`)
      if (!item || !quantity || !price) continue
      const amount =
        line.AmountFC !== undefined ? asDecimal(line.AmountFC) : round(BigDecimal.multiply(quantity, price))
      if (!amount) {
        problems.push(`Invalid number: ${at}.AmountFC`)
        continue
      }
      const percentage = vatCode?.Percentage instanceof Dec ? vatCode.Percentage.value : BigDecimal.fromBigInt(0n)
      const vatAmount = round(BigDecimal.multiply(amount, percentage))
      net = BigDecimal.sum(net, amount)
      vat = BigDecimal.sum(vat, vatAmount)
      builtLines.push({
        ID: random.guid(),
        InvoiceID: invoiceId,
        LineNumber: index + 1,
        Item: item.ID as string,
        ItemCode: item.Code as string,
        ItemDescription: item.Description as string,
        Description: (line.Description as string | undefined) ?? (item.Description as string),
        Quantity: Dec.of(quantity),
        UnitPrice: Dec.of(price),
        NetPrice: Dec.of(price),
        Discount: new Dec("0"),
        AmountFC: Dec.of(amount),
        AmountDC: Dec.of(amount),
        VATCode: (vatCode?.Code as string | undefined) ?? null,
        VATPercentage: Dec.of(percentage),
        VATAmountFC: Dec.of(vatAmount),
        GLAccount: (item.GLRevenue as string | null) ?? null,
        UnitCode: (line.UnitCode as string | undefined) ?? (item.Unit as string | null) ?? null,
        CostCenter: (line.CostCenter as string | undefined) ?? null,
        DeliveryDate: asWhen(line.DeliveryDate) ?? null,
        Subscription: null
      })
    }
    if (problems.length > 0) return odataError(400, problems.join("\r\n"))
    const when = orderDate as When
    const paymentDays = typeof condition?.PaymentDays === "number" ? condition.PaymentDays : 14
    const now = new When(clock.now())
    const invoice = insertInto(division, "SalesInvoices", {
      InvoiceID: invoiceId,
      InvoiceNumber: null,
      InvoiceDate: when,
      OrderDate: when,
      DueDate: asWhen(body.DueDate) ?? new When(when.ms + paymentDays * day),
      OrderedBy: account?.ID as string,
      OrderedByName: account?.Name as string,
      InvoiceTo: invoiceTo?.ID as string,
      InvoiceToName: invoiceTo?.Name as string,
      DeliverTo: (body.DeliverTo as string | undefined) ?? (account?.ID as string),
      Journal: typeof body.Journal === "string" ? body.Journal : "70",
      Currency: typeof body.Currency === "string" ? body.Currency : (division.seed.currency ?? "EUR"),
      Description: (body.Description as string | undefined) ?? null,
      YourRef: (body.YourRef as string | undefined) ?? null,
      PaymentCondition: (condition?.Code as string | undefined) ?? null,
      PaymentReference: (body.PaymentReference as string | undefined) ?? null,
      Remarks: (body.Remarks as string | undefined) ?? null,
      Status: 20,
      Type: type,
      AmountFCExclVat: Dec.of(net),
      VATAmountFC: Dec.of(vat),
      AmountFC: Dec.of(BigDecimal.sum(net, vat)),
      AmountDC: Dec.of(BigDecimal.sum(net, vat)),
      Created: now,
      Modified: now
    })
    for (const line of builtLines) insertInto(division, "SalesInvoiceLines", line)
    const entity = entityOf("SalesInvoices")
    return jsonResponse(201, {
      d: present(entity, invoice, division, url, undefined, new Set(["SalesInvoiceLines"]), false)
    })
  }

  const processSalesInvoice = (division: Division, body: Json): Response => {
    const id = body.InvoiceID
    if (typeof id !== "string" || id === "") return odataError(400, "Mandatory: InvoiceID")
    const invoice = guidPattern.test(id) ? byKey(division, "SalesInvoices", id) : undefined
    if (!invoice) return odataError(400, "Invalid reference: InvoiceID")
    if (invoice.Status === 50) return odataError(400, "This invoice has already been processed.")
    invoice.Status = 50
    invoice.InvoiceNumber = division.nextInvoiceNumber++
    const invoiceDate = asWhen(body.InvoiceDate)
    if (invoiceDate) invoice.InvoiceDate = invoiceDate
    invoice.Modified = new When(clock.now())
    invoice.__ts = rowVersion++
    const account = byKey(division, "Accounts", String(invoice.InvoiceTo ?? invoice.OrderedBy))
    insertInto(division, "Receivables", {
      ID: random.guid(),
      Account: (account?.ID as string | undefined) ?? null,
      AccountCode: (account?.Code as string | undefined) ?? null,
      AccountName: (account?.Name as string | undefined) ?? null,
      EntryID: invoice.InvoiceID as string,
      InvoiceNumber: invoice.InvoiceNumber,
      InvoiceDate: invoice.InvoiceDate as When,
      DueDate: invoice.DueDate as When,
      AmountDC: invoice.AmountDC as Dec,
      AmountFC: invoice.AmountFC as Dec,
      Currency: invoice.Currency as string,
      Description: invoice.Description as string | null,
      YourRef: invoice.YourRef as string | null,
      IsFullyPaid: false,
      LastPaymentDate: null,
      Journal: invoice.Journal as string
    })
    return jsonResponse(201, {
      d: {
        InvoiceID: invoice.InvoiceID,
        InvoiceNumber: invoice.InvoiceNumber,
        Status: 50,
        InvoiceDate: invoice.InvoiceDate
      }
    })
  }

  const createAccount = (division: Division, body: Json, url: URL): Response => {
    const problems: Array<string> = []
    if (typeof body.Name !== "string" || body.Name.trim() === "") problems.push("Mandatory: Name")
    let code: string | null = null
    if (body.Code !== undefined && body.Code !== null) {
      const text = String(body.Code instanceof Dec ? body.Code.text : body.Code).trim()
      if (!/^\d{1,18}$/.test(text)) problems.push("Invalid value: Code (up to 18 digits)")
      // Exact stores account codes right-aligned in 18 characters.
      code = text.padStart(18, " ")
      if (rows(division, "Accounts").some((a) => a.Code === code)) problems.push(`Code ${text} already exists`)
    }
    if (problems.length > 0) return odataError(400, problems.join("\r\n"))
    const now = new When(clock.now())
    const fields = entityOf("Accounts").fields
    const values: SimRecord = {}
    for (const field of fields) {
      const value = body[field]
      if (typeof value === "string" || typeof value === "boolean" || value instanceof Dec) values[field] = value
    }
    const account = insertInto(division, "Accounts", {
      ...values,
      ID: random.guid(),
      Code: code,
      Status: (body.Status as string | undefined) ?? "C",
      IsSales: true,
      Blocked: false,
      Created: now,
      Modified: now
    })
    return jsonResponse(201, { d: present(entityOf("Accounts"), account, division, url, undefined, new Set(), false) })
  }

  // ---------------------------------------------------------------- routing

  const me = (division: Division) => ({
    __metadata: { type: "Exact.Web.Api.System.Me" },
    ...user,
    CurrentDivision: division.seed.code,
    AccountingDivision: division.seed.code,
    DivisionCustomerName: division.seed.description
  })
  const divisionRecord = (d: Division) => ({
    __metadata: { type: "Exact.Web.Api.Models.HRM.Division" },
    Code: d.seed.code,
    Description: d.seed.description,
    Currency: d.seed.currency ?? "EUR",
    Country: "NL",
    Current: d.seed.code === currentDivision,
    Status: 1,
    StartDate: new When(Date.UTC(2020, 0, 1)),
    DivisionMoveDate: null
  })

  const handleApi = async (request: Request, url: URL, rest: Array<string>): Promise<Response> => {
    const isMe = rest[0]?.toLowerCase() === "current" && rest[1]?.toLowerCase() === "me"
    const divisionCode = isMe ? currentDivision : Number(rest[0])
    const pathParts = isMe ? ["current", "Me"] : rest.slice(1)
    const keyMatch = /^(.*)\((?:guid)?'([^']*)'\)$/.exec(pathParts.join("/"))
    const endpointPath = keyMatch ? (keyMatch[1] as string) : pathParts.join("/")
    const countKey = `${request.method} ${endpointPath}`
    count(countKey)
    const bearer = /^Bearer (.+)$/.exec(request.headers.get("Authorization") ?? "")?.[1]
    const access = bearer ? accessTokens.get(bearer) : undefined
    const clientId = access?.chain.clientId ?? "?"
    const errorKey = `${clientId}|${Number.isFinite(divisionCode) ? divisionCode : 0}|${endpointPath.toLowerCase()}`
    const answer = (response: Response) => {
      if ([400, 401, 403, 404].includes(response.status)) recordError(errorKey)
      return response
    }
    if (isBlocked(errorKey)) {
      stats.blocked++
      return odataError(403, "Too many errors on this endpoint: the API key is blocked for an hour.", {
        Reason: "ErrorLimitExceeded"
      })
    }
    if (!access || access.expiresAt <= clock.now()) {
      return answer(odataError(401, "Unauthorized: the access token is missing, invalid or expired."))
    }
    const division = Number.isInteger(divisionCode) ? divisions.get(divisionCode) : undefined
    if (!division) return answer(odataError(404, `Division ${rest[0]} not found.`))
    if (division.seed.access === false) {
      return answer(odataError(403, "You have no access to this division.", { Reason: "NoDivisionAccess" }))
    }
    const refused = spend(division)
    if (refused) return refused
    const headers = rateHeaders(division)
    const withHeaders = (response: Response) => {
      for (const [name, value] of Object.entries(headers)) response.headers.set(name, value)
      return answer(response)
    }
    const fault = takeFault(request.method, endpointPath)
    if (fault?.kind === "network-error") return Response.error()
    if (fault?.kind === "error-before-commit")
      return withHeaders(odataError(fault.status ?? 500, "Internal server error."))

    const routed = await route(request, url, division, endpointPath, keyMatch?.[2], isMe)
    if (fault?.kind === "error-after-commit")
      return withHeaders(odataError(fault.status ?? 500, "Internal server error."))
    if (fault?.kind === "hang-after-commit") {
      await new Promise((resolve) => setTimeout(resolve, fault.hangMs ?? 2_000))
    }
    return withHeaders(routed)
  }

  const route = async (
    request: Request,
    url: URL,
    division: Division,
    endpointPath: string,
    key: string | undefined,
    isMe: boolean
  ): Promise<Response> => {
    if (isMe) return jsonResponse(200, { d: { results: [me(division)] } })
    const lower = endpointPath.toLowerCase()
    if (lower === "system/divisions" && request.method === "GET") {
      return jsonResponse(200, {
        d: { results: [...divisions.values()].filter((d) => d.seed.access !== false).map(divisionRecord) }
      })
    }
    if (request.method === "GET") {
      if (key !== undefined) {
        if (!guidPattern.test(key)) return odataError(400, `Invalid key '${key}'.`)
        return single(division, endpointPath, key, url)
      }
      return list(division, endpointPath, url)
    }
    if (request.method === "POST") {
      let body: Json
      try {
        const parsed = parseJson(await request.text())
        if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object")
        body = parsed as Json
      } catch {
        return odataError(400, "Error processing request stream. The request should be a valid JSON object.")
      }
      if (lower === "salesinvoice/salesinvoices") return createSalesInvoice(division, body, url)
      if (lower === "salesinvoice/printedsalesinvoices") return processSalesInvoice(division, body)
      if (lower === "crm/accounts") return createAccount(division, body, url)
      return odataError(405, `POST is not supported on ${endpointPath} in the simulation.`)
    }
    return odataError(405, `${request.method} is not supported on ${endpointPath} in the simulation.`)
  }

  const handle = async (request: Request, basePath = ""): Promise<Response> => {
    const url = new URL(request.url)
    const mount = basePath.replace(/\/+$/, "")
    if (!url.pathname.startsWith(`${mount}/`)) return odataError(404, "Not found.")
    const parts = url.pathname.slice(mount.length).split("/").filter(Boolean)
    if (parts[0] !== "api") return odataError(404, "Not found.")
    if (parts[1] === "oauth2" && parts[2] === "auth" && request.method === "GET") {
      count("GET oauth2/auth")
      return handleAuthorize(url)
    }
    if (parts[1] === "oauth2" && parts[2] === "token" && request.method === "POST") {
      count("POST oauth2/token")
      return handleToken(request)
    }
    if (parts[1] === "v1" && parts.length >= 3) return handleApi(request, url, parts.slice(2).map(decodeURIComponent))
    return odataError(404, "Not found.")
  }

  return {
    handle,
    clock,
    apps,
    authorize,
    insert: (division, set, values) => insertInto(divisionOf(division), set, values),
    records: (division, set) => rows(divisionOf(division), set),
    requestCounts: () => ({ ...counts }),
    requestCount: (key) => (key === undefined ? Object.values(counts).reduce((a, b) => a + b, 0) : (counts[key] ?? 0)),
    get stats() {
      return { ...stats }
    },
    inject: (fault) => {
      faults.push({ ...fault, remaining: fault.times ?? 1 })
    },
    resetCounters: () => {
      counts = {}
      stats = {
        refreshes: 0,
        codeExchanges: 0,
        brokenChains: 0,
        earlyRefreshes: 0,
        rateLimited: 0,
        errors: 0,
        blocked: 0
      }
    },
    setDailyUsed: (code, used) => {
      const division = divisionOf(code)
      const now = clock.now()
      if (now >= division.day.resetAt) division.day = { count: 0, resetAt: nextUtcMidnight(now) }
      division.day.count = used
    }
  }
}
