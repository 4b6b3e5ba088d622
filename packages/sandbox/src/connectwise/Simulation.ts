/**
 * A stateful simulation of the ConnectWise PSA REST API 3.0, as a plain
 * `(request: Request) => Promise<Response>` core. The msw handlers and the node:http server wrap
 * this same core, so tests, demos and benchmarks exercise one implementation.
 */

import { type SandboxClock, wallClock } from "../clock.ts"
import { ConditionsSyntaxError, parseConditions } from "./Conditions.ts"
import { evaluateConditions, readField } from "./internal/conditions.ts"
import { renderInvoicePdf } from "./internal/invoicePdf.ts"
import { cloneJson, stringifyJson } from "./internal/json.ts"
import { RawNumber } from "./RawNumber.ts"

/**
 * A record as the simulation stores it: JSON data, with {@link RawNumber} for exact decimals.
 *
 * @since 0.1.0
 */
export type ConnectWiseRecord = Record<string, unknown>

/**
 * The collections the simulation keeps.
 *
 * @since 0.1.0
 */
export type ConnectWiseCollection =
  | "companies"
  | "agreements"
  | "agreementTypes"
  | "additions"
  | "catalogItems"
  | "invoices"
  | "productItems"
  | "timeEntries"
  | "billingTerms"
  | "billingCycles"
  | "productTypes"
  | "subcategories"
  | "taxCodes"
  | "unpostedInvoices"
  | "accountingBatches"
  | "invoicePayments"
  | "currencies"

/**
 * The credentials and identity the simulated tenant accepts.
 *
 * @since 0.1.0
 */
export interface ConnectWiseSimulationOptions {
  /** The company id users log in with (the part before `+` in the Basic user name). */
  readonly companyId?: string
  readonly publicKey?: string
  readonly privateKey?: string
  /** The integration clientIds the tenant accepts. */
  readonly clientIds?: ReadonlyArray<string>
  /** The codebase `/login/companyinfo` reports, with its trailing slash. */
  readonly codebase?: string
  /** The newest API version the tenant serves; older pinned versions are accepted. */
  readonly apiVersion?: string
  /** The clock for rate limits, `_info` stamps and injected latency (default: the system clock). */
  readonly clock?: SandboxClock
  /** List templates that ignore `pagination-type: forward-only` and page by number only. */
  readonly forwardOnlyUnsupported?: ReadonlyArray<string>
}

/**
 * Which requests a fault applies to; omitted parts match everything.
 *
 * @since 0.1.0
 */
export interface FaultMatch {
  readonly method?: string
  /** A path template such as `/company/companies` or `/finance/agreements/{parentId}/additions`. */
  readonly template?: string
}

/**
 * One entry of the request log. Secrets are not kept: only whether auth passed.
 *
 * @since 0.1.0
 */
export interface ConnectWiseRequestLogEntry {
  readonly method: string
  readonly template: string
  readonly url: string
  readonly accept: string | null
  readonly clientIdPresent: boolean
  readonly authorized: boolean
  readonly paginationType: string | null
  readonly status: number
}

interface Route {
  readonly method: string
  readonly template: string
  readonly pattern: RegExp
  readonly handle: (ctx: RouteContext) => Promise<Response> | Response
}

interface RouteContext {
  readonly request: Request
  readonly url: URL
  readonly params: Readonly<Record<string, string>>
  readonly version: string
}

interface ResourceSpec {
  readonly collection: ConnectWiseCollection
  /** The singular name used in error messages (`company`, `agreement`, …). */
  readonly resource: string
  readonly required: ReadonlyArray<string>
  readonly unique?: string
  readonly numeric: ReadonlyArray<string>
  /** Reference fields that must point at an existing record of a collection. */
  readonly references: Readonly<Record<string, ConnectWiseCollection>>
  /** The record's field that holds the parent id for nested resources. */
  readonly parentField?: string
  readonly parentCollection?: ConnectWiseCollection
}

const specs: Record<ConnectWiseCollection, ResourceSpec> = {
  companies: {
    collection: "companies",
    resource: "company",
    required: ["identifier", "name"],
    unique: "identifier",
    numeric: [],
    references: {}
  },
  agreements: {
    collection: "agreements",
    resource: "agreement",
    required: ["name", "type", "company", "contact"],
    numeric: ["billAmount"],
    references: { company: "companies", type: "agreementTypes" }
  },
  agreementTypes: {
    collection: "agreementTypes",
    resource: "agreementType",
    required: ["name"],
    numeric: ["billAmount"],
    references: {}
  },
  additions: {
    collection: "additions",
    resource: "addition",
    required: ["product", "billCustomer"],
    numeric: ["quantity", "lessIncluded", "unitPrice", "unitCost"],
    references: { product: "catalogItems" },
    parentField: "agreementId",
    parentCollection: "agreements"
  },
  catalogItems: {
    collection: "catalogItems",
    resource: "catalogItem",
    required: ["identifier", "description", "subcategory", "type", "customerDescription"],
    unique: "identifier",
    numeric: ["price", "cost", "recurringRevenue", "recurringCost"],
    references: {}
  },
  invoices: {
    collection: "invoices",
    resource: "invoice",
    required: ["type", "company"],
    numeric: [],
    references: { company: "companies" }
  },
  productItems: {
    collection: "productItems",
    resource: "productItem",
    required: ["catalogItem", "billableOption"],
    numeric: ["quantity", "price", "cost"],
    references: {}
  },
  timeEntries: {
    collection: "timeEntries",
    resource: "timeEntry",
    required: ["timeStart"],
    numeric: [],
    references: {}
  },
  billingTerms: {
    collection: "billingTerms",
    resource: "billingTerm",
    required: ["name"],
    numeric: [],
    references: {}
  },
  billingCycles: {
    collection: "billingCycles",
    resource: "billingCycle",
    required: ["identifier", "name"],
    numeric: [],
    references: {}
  },
  productTypes: {
    collection: "productTypes",
    resource: "productType",
    required: ["name"],
    numeric: [],
    references: {}
  },
  subcategories: {
    collection: "subcategories",
    resource: "subcategory",
    required: ["name"],
    numeric: [],
    references: {}
  },
  taxCodes: { collection: "taxCodes", resource: "taxCode", required: ["identifier"], numeric: [], references: {} },
  unpostedInvoices: {
    collection: "unpostedInvoices",
    resource: "unpostedInvoice",
    required: [],
    numeric: [],
    references: {}
  },
  accountingBatches: {
    collection: "accountingBatches",
    resource: "accountingBatch",
    required: ["batchIdentifier"],
    numeric: [],
    references: {}
  },
  invoicePayments: {
    collection: "invoicePayments",
    resource: "payment",
    required: ["amount"],
    numeric: ["amount"],
    references: {},
    parentField: "invoiceId",
    parentCollection: "invoices"
  },
  currencies: {
    collection: "currencies",
    resource: "currency",
    required: ["currencyCode"],
    numeric: [],
    references: {}
  }
}

const MEDIA_TYPE = "application/vnd.connectwise.com+json"
const MAX_PAGE_SIZE = 1000
const DEFAULT_PAGE_SIZE = 25

/**
 * The in-memory tables of the simulated tenant, with ids assigned in insertion order.
 *
 * @since 0.1.0
 */
export class ConnectWiseStore {
  private readonly tables = new Map<ConnectWiseCollection, Map<number, ConnectWiseRecord>>()
  private readonly nextIds = new Map<ConnectWiseCollection, number>()
  // Id-ordered views and per-parent groups, rebuilt only after a change: a 1,000-row page of a
  // 20,000-row table must not sort the table on every request.
  private readonly ordered = new Map<ConnectWiseCollection, Array<ConnectWiseRecord>>()
  private readonly grouped = new Map<ConnectWiseCollection, Map<number, Array<ConnectWiseRecord>>>()

  /** All records of a collection, in id order (a fresh array). */
  all(collection: ConnectWiseCollection): Array<ConnectWiseRecord> {
    return [...this.sorted(collection)]
  }

  /** The records whose `parentField` is `parentId`, in id order (a fresh array). */
  children(collection: ConnectWiseCollection, parentField: string, parentId: number): Array<ConnectWiseRecord> {
    let groups = this.grouped.get(collection)
    if (!groups) {
      groups = new Map()
      for (const record of this.sorted(collection)) {
        const parent = record[parentField]
        if (typeof parent !== "number") continue
        const group = groups.get(parent)
        if (group) group.push(record)
        else groups.set(parent, [record])
      }
      this.grouped.set(collection, groups)
    }
    return [...(groups.get(parentId) ?? [])]
  }

  /** How many records a collection holds. */
  size(collection: ConnectWiseCollection): number {
    return this.table(collection).size
  }

  private sorted(collection: ConnectWiseCollection): ReadonlyArray<ConnectWiseRecord> {
    let view = this.ordered.get(collection)
    if (!view) {
      view = [...this.table(collection).values()].sort((a, b) => Number(a.id) - Number(b.id))
      this.ordered.set(collection, view)
    }
    return view
  }

  private changed(collection: ConnectWiseCollection): void {
    this.ordered.delete(collection)
    this.grouped.delete(collection)
  }

  /** One record by id, or undefined. */
  get(collection: ConnectWiseCollection, id: number): ConnectWiseRecord | undefined {
    return this.table(collection).get(id)
  }

  /** Inserts a record (an `id` is assigned unless given) and returns it as stored. */
  insert(collection: ConnectWiseCollection, record: ConnectWiseRecord): ConnectWiseRecord {
    const next = this.nextIds.get(collection) ?? 1
    const id = typeof record.id === "number" ? record.id : next
    this.nextIds.set(collection, Math.max(next, id + 1))
    const stored = { ...cloneJson(record), id }
    this.table(collection).set(id, stored)
    this.changed(collection)
    return stored
  }

  /** Replaces a stored record. */
  put(collection: ConnectWiseCollection, record: ConnectWiseRecord & { readonly id: number }): void {
    this.table(collection).set(record.id, record)
    this.changed(collection)
  }

  /** Removes every record of every collection. */
  clear(): void {
    this.tables.clear()
    this.nextIds.clear()
    this.ordered.clear()
    this.grouped.clear()
  }

  private table(collection: ConnectWiseCollection): Map<number, ConnectWiseRecord> {
    let table = this.tables.get(collection)
    if (!table) {
      table = new Map()
      this.tables.set(collection, table)
    }
    return table
  }
}

/**
 * Counts requests per `METHOD /path/template`, for asserting how many calls a job took.
 *
 * @since 0.1.0
 */
export class ConnectWiseRequestCounter {
  private readonly counts = new Map<string, number>()
  /** Every request, in arrival order (without secrets). */
  readonly log: Array<ConnectWiseRequestLogEntry> = []

  /** Requests seen for one method and template, e.g. `count("GET", "/company/companies")`. */
  count(method: string, template: string): number {
    return this.counts.get(`${method.toUpperCase()} ${template}`) ?? 0
  }

  /** All requests seen. */
  total(): number {
    let sum = 0
    for (const n of this.counts.values()) sum += n
    return sum
  }

  /** The counts as a plain object keyed `METHOD /template`. */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts)
  }

  /** Forgets all counts and the log. */
  reset(): void {
    this.counts.clear()
    this.log.length = 0
  }

  /** @internal */
  record(entry: ConnectWiseRequestLogEntry): void {
    const key = `${entry.method} ${entry.template}`
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1)
    this.log.push(entry)
  }
}

interface QueuedFault {
  readonly match: FaultMatch
  remaining: number
}

/**
 * Faults the simulation injects on demand: latency, rate limits, 5xx bursts, hangs, bad bodies.
 *
 * @since 0.1.0
 */
export class ConnectWiseFaults {
  /** Added to every response. */
  latencyMs = 0
  /** When set, more than `requestsPerSecond` requests in one second get a 429 with `Retry-After`. */
  rateLimit: { readonly requestsPerSecond: number; readonly retryAfterSeconds: number } | undefined
  /** @internal */
  readonly failures: Array<
    QueuedFault & { readonly status: number; readonly retryAfterSeconds: number; readonly body: unknown }
  > = []
  /** @internal */
  readonly hangs: Array<QueuedFault> = []
  /** @internal */
  readonly malformed: Array<QueuedFault & { readonly mutate: ((body: unknown) => unknown) | undefined }> = []

  /** The next `count` matching requests fail with `status` (a 429 carries `Retry-After`). */
  failNext(
    options: FaultMatch & {
      readonly status: number
      readonly count?: number
      readonly retryAfterSeconds?: number
      readonly body?: unknown
    }
  ): void {
    this.failures.push({
      match: options,
      remaining: options.count ?? 1,
      status: options.status,
      retryAfterSeconds: options.retryAfterSeconds ?? 1,
      body: options.body
    })
  }

  /** The next `count` matching requests never answer (until the caller aborts). */
  hangNext(options: FaultMatch & { readonly count?: number } = {}): void {
    this.hangs.push({ match: options, remaining: options.count ?? 1 })
  }

  /**
   * The next `count` matching successful responses carry a bad body: `mutate` rewrites the parsed
   * body (e.g. a string where a number belongs), or without it the JSON text is cut short.
   */
  malformNext(
    options: FaultMatch & { readonly count?: number; readonly mutate?: (body: unknown) => unknown } = {}
  ): void {
    this.malformed.push({ match: options, remaining: options.count ?? 1, mutate: options.mutate })
  }

  /** Removes every fault. */
  clear(): void {
    this.latencyMs = 0
    this.rateLimit = undefined
    this.failures.length = 0
    this.hangs.length = 0
    this.malformed.length = 0
  }
}

const takeFault = <F extends QueuedFault>(queue: Array<F>, method: string, template: string): F | undefined => {
  const index = queue.findIndex(
    (f) =>
      f.remaining > 0 &&
      (f.match.method === undefined || f.match.method.toUpperCase() === method) &&
      (f.match.template === undefined || f.match.template === template)
  )
  if (index < 0) return undefined
  const fault = queue[index]!
  fault.remaining--
  if (fault.remaining <= 0) queue.splice(index, 1)
  return fault
}

const errorResponse = (
  status: number,
  code: string,
  message: string,
  errors?: ReadonlyArray<Record<string, string>>,
  headers?: Record<string, string>
): Response =>
  new Response(JSON.stringify(errors ? { code, message, errors } : { code, message }), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers }
  })

const compileTemplate = (template: string): RegExp =>
  new RegExp(`^${template.replace(/\{(\w+)\}/g, (_m, name: string) => `(?<${name}>\\d+)`)}/?$`)

/** Parses a Basic header into its user and password, or undefined. */
const parseBasic = (header: string | null): { user: string; password: string } | undefined => {
  if (!header?.startsWith("Basic ")) return undefined
  const decoded = Buffer.from(header.slice(6), "base64").toString("utf8")
  const colon = decoded.indexOf(":")
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}

/** Reads the pinned version from the first media type of `Accept`, if it is ConnectWise's. */
const acceptedVersion = (accept: string | null): string | undefined => {
  const first = accept?.split(",")[0]?.trim()
  if (!first?.toLowerCase().startsWith(MEDIA_TYPE)) return undefined
  return /version=([^;,\s]+)/i.exec(first)?.[1]
}

const compareVersions = (a: string, b: string): number => {
  const [ay = 0, am = 0] = a.split(".").map(Number)
  const [by = 0, bm = 0] = b.split(".").map(Number)
  return ay - by || am - bm
}

const project = (record: ConnectWiseRecord, fields: ReadonlyArray<string>): ConnectWiseRecord => {
  const out: ConnectWiseRecord = {}
  for (const field of fields) {
    const parts = field.split("/")
    let source: unknown = record
    let target: ConnectWiseRecord = out
    for (const [i, part] of parts.entries()) {
      if (source === null || typeof source !== "object" || source instanceof RawNumber) break
      const value = (source as ConnectWiseRecord)[part]
      if (value === undefined) break
      if (i === parts.length - 1) {
        target[part] = value
      } else {
        const existing = target[part]
        const child: ConnectWiseRecord = existing && typeof existing === "object" ? (existing as ConnectWiseRecord) : {}
        target[part] = child
        target = child
        source = value
      }
    }
  }
  return out
}

const orderRecords = (records: Array<ConnectWiseRecord>, orderBy: string): Array<ConnectWiseRecord> => {
  const keys = orderBy.split(",").map((part) => {
    const [field = "", direction = "asc"] = part.trim().split(/\s+/)
    if (!/^[A-Za-z_][\w/]*$/.test(field) || !/^(asc|desc)$/i.test(direction)) {
      throw new ConditionsSyntaxError(`Invalid orderBy ${JSON.stringify(part.trim())}`, 0)
    }
    return { field, sign: direction.toLowerCase() === "desc" ? -1 : 1 }
  })
  const compare = (a: unknown, b: unknown): number => {
    if (a === b) return 0
    if (a === null) return -1
    if (b === null) return 1
    const na = Number(a)
    const nb = Number(b)
    if (typeof a !== "boolean" && !Number.isNaN(na) && !Number.isNaN(nb)) return na - nb
    return String(a).toLowerCase() < String(b).toLowerCase() ? -1 : 1
  }
  return records.sort((x, y) => {
    for (const { field, sign } of keys) {
      const c = compare(readField(x, field), readField(y, field))
      if (c !== 0) return c * sign
    }
    return Number(x.id) - Number(y.id)
  })
}

/**
 * A simulated ConnectWise tenant: seedable state, a request counter and injectable faults behind
 * one `handle(request)` function.
 *
 * @example
 * ```ts
 * const sim = new ConnectWiseSimulation({ companyId: "acme", publicKey: "pub", privateKey: "priv", clientIds: ["cid"] })
 * sim.store.insert("companies", { identifier: "ACME", name: "Acme B.V." })
 * const response = await sim.handle(new Request(`${sim.origin}/${sim.codebase}apis/3.0/company/companies`, { headers }))
 * ```
 *
 * @since 0.1.0
 */
export class ConnectWiseSimulation {
  readonly companyId: string
  readonly publicKey: string
  readonly privateKey: string
  readonly clientIds: ReadonlyArray<string>
  readonly codebase: string
  readonly apiVersion: string
  /** The origin the msw handlers intercept by default. */
  readonly origin = "https://api-eu.myconnectwise.net"
  readonly store = new ConnectWiseStore()
  readonly requests = new ConnectWiseRequestCounter()
  readonly faults = new ConnectWiseFaults()
  /**
   * Security-role permissions the API member lacks, by path template: a matching request answers 403
   * naming the permission, as ConnectWise does for a member whose role does not grant it.
   */
  readonly deniedPermissions: Array<{
    readonly template: string
    readonly method?: string
    readonly permission: string
  }> = []
  readonly clock: SandboxClock
  private readonly forwardOnlyUnsupported: ReadonlySet<string>
  private readonly routes: ReadonlyArray<Route>
  private readonly recent: Array<number> = []

  constructor(options: ConnectWiseSimulationOptions = {}) {
    this.companyId = options.companyId ?? "psaledger"
    this.publicKey = options.publicKey ?? "sim-public-key"
    this.privateKey = options.privateKey ?? "sim-private-key"
    this.clientIds = options.clientIds ?? ["00000000-0000-4000-8000-000000000000"]
    this.codebase = options.codebase ?? "v2026_1/"
    this.apiVersion = options.apiVersion ?? "2026.4"
    this.clock = options.clock ?? wallClock
    this.forwardOnlyUnsupported = new Set(options.forwardOnlyUnsupported ?? [])
    this.routes = this.buildRoutes()
  }

  /** The API base URL a client should use against `origin` (e.g. the node:http server's). */
  baseUrl(origin: string = this.origin): string {
    return `${origin}/${this.codebase}apis/3.0`
  }

  /** Milliseconds since the epoch on the simulation's clock. */
  now(): number {
    return this.clock.now()
  }

  /**
   * Answers one HTTP request as ConnectWise would. `basePath` is where the simulation is mounted
   * (e.g. `/connectwise` on the sandbox server): the request path starts with it, and so do the
   * `Link` headers it writes (they are built from the request URL).
   */
  readonly handle = async (request: Request, basePath = ""): Promise<Response> => {
    const url = new URL(request.url)
    const method = request.method.toUpperCase()
    const mount = basePath.replace(/\/+$/, "")
    const path = url.pathname.startsWith(`${mount}/`) ? url.pathname.slice(mount.length) : ""
    const apiPrefix = `/${this.codebase}apis/3.0`
    const login = /^\/login\/companyinfo\/([^/]+)\/?$/.exec(path)
    const apiPath = path.startsWith(apiPrefix) ? path.slice(apiPrefix.length) || "/" : undefined
    const route =
      apiPath === undefined ? undefined : this.routes.find((r) => r.method === method && r.pattern.test(apiPath))
    const template = login ? "/login/companyinfo/{companyId}" : (route?.template ?? apiPath ?? url.pathname)
    const credentials = parseBasic(request.headers.get("authorization"))
    const authorized =
      credentials?.user === `${this.companyId}+${this.publicKey}` && credentials.password === this.privateKey
    const clientId = request.headers.get("clientid")

    const respond = async (): Promise<Response> => {
      if (this.faults.latencyMs > 0) await this.clock.sleep(this.faults.latencyMs, request.signal).catch(() => {})
      if (takeFault(this.faults.hangs, method, template)) {
        // Answer only once the caller gives up, as a stalled upstream would.
        await new Promise<void>((resolve) => {
          if (request.signal.aborted) resolve()
          request.signal.addEventListener("abort", () => resolve())
        })
        return errorResponse(504, "GatewayTimeout", "The upstream did not answer in time.")
      }
      const limited = this.rateLimited()
      if (limited !== undefined) {
        return errorResponse(429, "TooManyRequests", "Too many requests.", undefined, {
          "retry-after": String(limited)
        })
      }
      const failure = takeFault(this.faults.failures, method, template)
      if (failure) {
        const body =
          failure.body ??
          ({
            code: failure.status === 429 ? "TooManyRequests" : "ConnectWiseApi",
            message: `Simulated ${failure.status}`
          } as const)
        return new Response(JSON.stringify(body), {
          status: failure.status,
          headers: {
            "content-type": "application/json; charset=utf-8",
            ...(failure.status === 429 ? { "retry-after": String(failure.retryAfterSeconds) } : {})
          }
        })
      }
      if (login) {
        if (decodeURIComponent(login[1]!).toLowerCase() !== this.companyId.toLowerCase()) {
          return errorResponse(404, "NotFound", "Company not found.")
        }
        return Response.json({
          CompanyName: this.companyId,
          Codebase: this.codebase,
          VersionCode: `v${this.apiVersion}`,
          VersionNumber: `v${this.codebase.replace(/\/$/, "")}`,
          CompanyID: this.companyId,
          IsCloud: true,
          SiteUrl: url.host
        })
      }
      if (apiPath === undefined) return errorResponse(404, "NotFound", "No API is served at this path.")
      if (!authorized) return errorResponse(401, "Unauthorized", "UserNotAuthenticated")
      if (!clientId || !this.clientIds.includes(clientId)) {
        return errorResponse(403, "Forbidden", "A valid clientId header is required.")
      }
      const version = acceptedVersion(request.headers.get("accept")) ?? this.apiVersion
      if (
        !/^\d{4}\.\d+$/.test(version) ||
        compareVersions(version, "2019.1") < 0 ||
        compareVersions(version, this.apiVersion) > 0
      ) {
        return errorResponse(400, "ConnectWiseApi", `This endpoint does not support the API version '${version}'.`)
      }
      if (!route) return errorResponse(404, "NotFound", `No ${method} route for ${apiPath}.`)
      const denied = this.deniedPermissions.find(
        (d) => d.template === route.template && (d.method === undefined || d.method.toUpperCase() === method)
      )
      if (denied) {
        return errorResponse(
          403,
          "Forbidden",
          `The member's security role does not grant the permission needed for this request: ${denied.permission}.`
        )
      }
      const params = (route.pattern.exec(apiPath)?.groups ?? {}) as Record<string, string>
      try {
        return await route.handle({ request, url, params, version })
      } catch (error) {
        if (error instanceof ConditionsSyntaxError) return errorResponse(400, "InvalidObject", error.message)
        throw error
      }
    }

    let response = await respond()
    if (response.ok) response = await this.maybeMalform(response, method, template)
    this.requests.record({
      method,
      template,
      url: `${url.pathname}${url.search}`,
      accept: request.headers.get("accept"),
      clientIdPresent: clientId !== null,
      authorized,
      paginationType: request.headers.get("pagination-type"),
      status: response.status
    })
    return response
  }

  /** Forgets all records, counts and faults. */
  reset(): void {
    this.store.clear()
    this.requests.reset()
    this.faults.clear()
    this.recent.length = 0
  }

  private rateLimited(): number | undefined {
    const limit = this.faults.rateLimit
    if (!limit) return undefined
    const now = this.now()
    while (this.recent.length > 0 && this.recent[0]! <= now - 1000) this.recent.shift()
    if (this.recent.length >= limit.requestsPerSecond) return limit.retryAfterSeconds
    this.recent.push(now)
    return undefined
  }

  private async maybeMalform(response: Response, method: string, template: string): Promise<Response> {
    const fault = takeFault(this.faults.malformed, method, template)
    if (!fault) return response
    const text = await response.text()
    const body = fault.mutate
      ? stringifyJson(fault.mutate(JSON.parse(text)))
      : text.slice(0, Math.max(1, text.length >> 1))
    return new Response(body, { status: response.status, headers: response.headers })
  }

  private json(body: unknown, version: string, status = 200, headers: Record<string, string> = {}): Response {
    return new Response(stringifyJson(body), {
      status,
      headers: { "content-type": `${MEDIA_TYPE}; version=${version}; charset=utf-8`, ...headers }
    })
  }

  private scoped(spec: ResourceSpec, params: Readonly<Record<string, string>>): Array<ConnectWiseRecord> {
    return spec.parentField && params.parentId !== undefined
      ? this.store.children(spec.collection, spec.parentField, Number(params.parentId))
      : this.store.all(spec.collection)
  }

  private filtered(spec: ResourceSpec, ctx: RouteContext): Array<ConnectWiseRecord> {
    const conditions = ctx.url.searchParams.get("conditions")
    const predicate = conditions ? parseConditions(conditions) : undefined
    return this.scoped(spec, ctx.params).filter((r) => (predicate ? evaluateConditions(predicate, r) : true))
  }

  private parentMissing(spec: ResourceSpec, params: Readonly<Record<string, string>>): Response | undefined {
    if (!spec.parentCollection || params.parentId === undefined) return undefined
    return this.store.get(spec.parentCollection, Number(params.parentId))
      ? undefined
      : errorResponse(404, "NotFound", `The parent record ${params.parentId} was not found.`)
  }

  private list(spec: ResourceSpec, template: string, ctx: RouteContext): Response {
    const missing = this.parentMissing(spec, ctx.params)
    if (missing) return missing
    const q = ctx.url.searchParams
    const pageSizeText = q.get("pageSize")
    const pageText = q.get("page")
    const pageIdText = q.get("pageId")
    for (const [name, text] of [
      ["pageSize", pageSizeText],
      ["page", pageText],
      ["pageId", pageIdText]
    ] as const) {
      if (text !== null && !/^\d+$/.test(text)) {
        return errorResponse(400, "InvalidObject", `${name} must be a whole number.`, [
          { code: "InvalidValue", message: `${name} must be a whole number.`, resource: spec.resource, field: name }
        ])
      }
    }
    // The hard limit: a larger pageSize is served as 1,000.
    const pageSize = Math.min(Math.max(Number(pageSizeText ?? DEFAULT_PAGE_SIZE), 1), MAX_PAGE_SIZE)
    let records = this.filtered(spec, ctx)
    const forwardOnly =
      ctx.request.headers.get("pagination-type")?.toLowerCase() === "forward-only" &&
      !this.forwardOnlyUnsupported.has(template)
    const orderBy = q.get("orderBy")
    if (orderBy && forwardOnly) {
      return errorResponse(400, "InvalidObject", "orderBy cannot be combined with forward-only pagination.")
    }
    if (orderBy) records = orderRecords(records, orderBy)
    const fields = q
      .get("fields")
      ?.split(",")
      .map((f) => f.trim())
      .filter((f) => f.length > 0)
    const shape = (r: ConnectWiseRecord): ConnectWiseRecord => (fields && fields.length > 0 ? project(r, fields) : r)
    const linkUrl = (set: Record<string, string>): string => {
      const next = new URL(ctx.url)
      for (const [k, v] of Object.entries(set)) next.searchParams.set(k, v)
      if (!next.searchParams.has("pageSize")) next.searchParams.set("pageSize", String(pageSize))
      return next.toString()
    }
    if (forwardOnly) {
      const after = Number(pageIdText ?? 0)
      const remaining = records.filter((r) => Number(r.id) > after)
      const page = remaining.slice(0, pageSize)
      const headers: Record<string, string> = {}
      if (remaining.length > page.length && page.length > 0) {
        const last = page[page.length - 1]!
        const next = new URL(ctx.url)
        next.searchParams.delete("page")
        next.searchParams.set("pageId", String(last.id))
        if (!next.searchParams.has("pageSize")) next.searchParams.set("pageSize", String(pageSize))
        headers.link = `<${next.toString()}>; rel="next"`
      }
      return this.json(page.map(shape), ctx.version, 200, headers)
    }
    const page = Math.max(Number(pageText ?? 1), 1)
    const lastPage = Math.max(Math.ceil(records.length / pageSize), 1)
    const slice = records.slice((page - 1) * pageSize, page * pageSize)
    const links: Array<string> = []
    if (page > 1) {
      links.push(`<${linkUrl({ page: "1" })}>; rel="first"`, `<${linkUrl({ page: String(page - 1) })}>; rel="prev"`)
    }
    if (page < lastPage) {
      links.push(
        `<${linkUrl({ page: String(page + 1) })}>; rel="next"`,
        `<${linkUrl({ page: String(lastPage) })}>; rel="last"`
      )
    }
    return this.json(slice.map(shape), ctx.version, 200, links.length > 0 ? { link: links.join(", ") } : {})
  }

  private count(spec: ResourceSpec, ctx: RouteContext): Response {
    return this.parentMissing(spec, ctx.params) ?? this.json({ count: this.filtered(spec, ctx).length }, ctx.version)
  }

  private getOne(spec: ResourceSpec, ctx: RouteContext): Response {
    const missing = this.parentMissing(spec, ctx.params)
    if (missing) return missing
    const record = this.scoped(spec, ctx.params).find((r) => r.id === Number(ctx.params.id))
    if (!record) return errorResponse(404, "NotFound", `${spec.resource} ${ctx.params.id} was not found.`)
    const fields = ctx.url.searchParams
      .get("fields")
      ?.split(",")
      .map((f) => f.trim())
    return this.json(fields ? project(record, fields) : record, ctx.version)
  }

  private validate(spec: ResourceSpec, record: ConnectWiseRecord, selfId?: number): Array<Record<string, string>> {
    const errors: Array<Record<string, string>> = []
    for (const field of spec.required) {
      const value = record[field]
      if (value === undefined || value === null || value === "") {
        errors.push({
          code: "MissingRequiredField",
          message: `The ${field} field is required.`,
          resource: spec.resource,
          field
        })
      }
    }
    for (const field of spec.numeric) {
      const value = record[field]
      if (value !== undefined && value !== null && typeof value !== "number" && !(value instanceof RawNumber)) {
        errors.push({ code: "InvalidField", message: `${field} must be a number.`, resource: spec.resource, field })
      }
    }
    for (const [field, collection] of Object.entries(spec.references)) {
      const value = record[field]
      if (value === undefined || value === null) continue
      const id = typeof value === "object" ? (value as ConnectWiseRecord).id : undefined
      if (typeof id !== "number" || !this.store.get(collection, id)) {
        errors.push({
          code: "InvalidField",
          message: `${field} does not refer to an existing record.`,
          resource: spec.resource,
          field: `${field}/id`
        })
      }
    }
    if (spec.unique) {
      const value = record[spec.unique]
      const clash = this.store
        .all(spec.collection)
        .some(
          (r) =>
            r.id !== selfId &&
            typeof value === "string" &&
            typeof r[spec.unique!] === "string" &&
            (r[spec.unique!] as string).toLowerCase() === value.toLowerCase()
        )
      if (clash) {
        errors.push({
          code: "ObjectExists",
          message: `The ${spec.unique} is already in use.`,
          resource: spec.resource,
          field: spec.unique
        })
      }
    }
    return errors
  }

  // ConnectWise answers references with their display fields filled in; so does the simulation.
  private expandReferences(spec: ResourceSpec, record: ConnectWiseRecord): void {
    for (const [field, collection] of Object.entries(spec.references)) {
      const value = record[field] as ConnectWiseRecord | undefined
      const target = typeof value?.id === "number" ? this.store.get(collection, value.id) : undefined
      if (!target) continue
      record[field] = {
        id: target.id,
        ...(target.identifier !== undefined ? { identifier: target.identifier } : {}),
        ...(target.name !== undefined ? { name: target.name } : {})
      }
    }
  }

  private stamp(record: ConnectWiseRecord): void {
    record._info = {
      lastUpdated: new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, "Z"),
      updatedBy: "psa-ledger-sandbox"
    }
  }

  private async readBody(ctx: RouteContext, spec: ResourceSpec): Promise<unknown | Response> {
    try {
      return JSON.parse(await ctx.request.text()) as unknown
    } catch {
      return errorResponse(400, "InvalidObject", `The ${spec.resource} body is not valid JSON.`)
    }
  }

  private async create(spec: ResourceSpec, ctx: RouteContext): Promise<Response> {
    const missing = this.parentMissing(spec, ctx.params)
    if (missing) return missing
    const body = await this.readBody(ctx, spec)
    if (body instanceof Response) return body
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      return errorResponse(400, "InvalidObject", `The ${spec.resource} body must be an object.`)
    }
    const record: ConnectWiseRecord = { ...(body as ConnectWiseRecord) }
    delete record.id
    if (spec.parentField) record[spec.parentField] = Number(ctx.params.parentId)
    const errors = this.validate(spec, record)
    if (errors.length > 0) return errorResponse(400, "InvalidObject", `${spec.resource} object is invalid`, errors)
    this.expandReferences(spec, record)
    this.stamp(record)
    return this.json(this.store.insert(spec.collection, record), ctx.version, 201)
  }

  private async patch(spec: ResourceSpec, ctx: RouteContext): Promise<Response> {
    const missing = this.parentMissing(spec, ctx.params)
    if (missing) return missing
    const current = this.scoped(spec, ctx.params).find((r) => r.id === Number(ctx.params.id))
    if (!current) return errorResponse(404, "NotFound", `${spec.resource} ${ctx.params.id} was not found.`)
    const body = await this.readBody(ctx, spec)
    if (body instanceof Response) return body
    if (!Array.isArray(body)) {
      return errorResponse(400, "InvalidObject", "The body must be a JSON Patch array of {op, path, value}.")
    }
    const next = cloneJson(current)
    for (const [index, operation] of body.entries()) {
      const op = (operation as ConnectWiseRecord | null)?.op
      const rawPath = (operation as ConnectWiseRecord | null)?.path
      if ((op !== "replace" && op !== "add" && op !== "remove") || typeof rawPath !== "string") {
        return errorResponse(400, "InvalidObject", `Patch operation ${index} needs op add/replace/remove and a path.`)
      }
      const parts = rawPath.replace(/^\//, "").split("/")
      const head = parts[0]!
      if (
        head === "" ||
        head === "id" ||
        head === "_info" ||
        (spec.parentField !== undefined && head === spec.parentField)
      ) {
        return errorResponse(400, "InvalidObject", `The path ${JSON.stringify(rawPath)} cannot be patched.`, [
          { code: "InvalidField", message: "This field cannot be changed.", resource: spec.resource, field: rawPath }
        ])
      }
      let target: ConnectWiseRecord = next
      for (const part of parts.slice(0, -1)) {
        const existing = target[part]
        const child: ConnectWiseRecord = existing && typeof existing === "object" ? (existing as ConnectWiseRecord) : {}
        target[part] = child
        target = child
      }
      const leaf = parts[parts.length - 1]!
      if (op === "remove") delete target[leaf]
      else target[leaf] = (operation as ConnectWiseRecord).value
    }
    const errors = this.validate(spec, next, current.id as number)
    if (errors.length > 0) return errorResponse(400, "InvalidObject", `${spec.resource} object is invalid`, errors)
    this.expandReferences(spec, next)
    this.stamp(next)
    this.store.put(spec.collection, next as ConnectWiseRecord & { id: number })
    return this.json(next, ctx.version)
  }

  private buildRoutes(): ReadonlyArray<Route> {
    const routes: Array<Route> = []
    const add = (method: string, template: string, handle: Route["handle"]): void => {
      routes.push({ method, template, pattern: compileTemplate(template), handle })
    }
    const resource = (
      base: string,
      collection: ConnectWiseCollection,
      ops: { item?: boolean; create?: boolean; patch?: boolean; count?: boolean }
    ): void => {
      const spec = specs[collection]
      if (ops.count !== false) add("GET", `${base}/count`, (ctx) => this.count(spec, ctx))
      add("GET", base, (ctx) => this.list(spec, base, ctx))
      if (ops.create) add("POST", base, (ctx) => this.create(spec, ctx))
      if (ops.item) add("GET", `${base}/{id}`, (ctx) => this.getOne(spec, ctx))
      if (ops.patch) add("PATCH", `${base}/{id}`, (ctx) => this.patch(spec, ctx))
    }
    add("GET", "/system/info", (ctx) =>
      this.json(
        { version: `v${this.apiVersion}`, isCloud: true, serverTimeZone: "UTC", cloudRegion: "EU" },
        ctx.version
      )
    )
    // Fixed segments first: `/finance/agreements/types` must not read as an agreement id.
    resource("/finance/agreements/types", "agreementTypes", {})
    resource("/company/companies", "companies", { item: true, create: true, patch: true })
    resource("/finance/agreements/{parentId}/additions", "additions", { item: true, create: true, patch: true })
    resource("/finance/agreements", "agreements", { item: true, create: true, patch: true })
    resource("/procurement/catalog", "catalogItems", { item: true, create: true, patch: true })
    resource("/finance/invoices/{parentId}/payments", "invoicePayments", { create: true, count: false })
    add("GET", "/finance/invoices/{id}/pdf", (ctx) => {
      const invoice = this.store.get("invoices", Number(ctx.params.id))
      if (!invoice) return errorResponse(404, "NotFound", `invoice ${ctx.params.id} was not found.`)
      return new Response(renderInvoicePdf(invoice), { status: 200, headers: { "content-type": "application/pdf" } })
    })
    resource("/finance/invoices", "invoices", { item: true })
    resource("/procurement/products", "productItems", {})
    resource("/time/entries", "timeEntries", {})
    resource("/finance/billingTerms", "billingTerms", {})
    resource("/finance/billingCycles", "billingCycles", {})
    resource("/procurement/types", "productTypes", {})
    resource("/procurement/subcategories", "subcategories", {})
    resource("/finance/taxCodes", "taxCodes", {})
    resource("/finance/currencies", "currencies", { item: true })
    resource("/finance/accounting/unpostedinvoices", "unpostedInvoices", {})
    resource("/finance/accounting/batches", "accountingBatches", { create: true, count: false })
    return routes
  }
}
