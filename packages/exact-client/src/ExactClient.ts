/**
 * `createExactClient`: the Exact Online REST client.
 *
 * Every call goes through one pipeline: the rate-limit governor, a current access token (refreshed
 * safely when due), a timeout, the mapping of Exact's answers onto `ExactError`, and retries only
 * where they are safe (429 always after waiting; 5xx, timeouts and transport failures on GET only;
 * never 400/401/403/404 — Exact blocks a key after ten errors an hour).
 *
 * @since 0.1.0
 */
import createClient, { type Client } from "openapi-fetch"
import { type ExactClock, systemClock } from "./Clock.ts"
import {
  AbortedError,
  DailyLimitExhaustedError,
  DecodeError,
  ExactError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  ServerError,
  TimeoutError,
  TransportError,
  UnauthorizedError,
  ValidationError
} from "./ExactError.ts"
import type { paths } from "./generated/exact.ts"
import { sleep, throwIfAborted, untilAborted } from "./internal/Abort.ts"
import { Auth, tokenEndpointError, toTokenSet } from "./internal/Auth.ts"
import { Governor } from "./internal/Governor.ts"
import { type DecimalLiteral, type Filter, isGuid, odata, parseExactJson, plainRecord, toExactJson } from "./OData.ts"
import { Account, Division, decodeWith, Me, SalesInvoice } from "./Records.ts"
import type { TokenStore } from "./TokenStore.ts"

/**
 * The Exact Online regions, each with its own host.
 *
 * @since 0.1.0
 */
export type ExactRegion = "nl" | "be" | "de" | "uk" | "fr" | "es" | "us" | "international"

/**
 * The host of each region. `us` and `international` share `start.exactonline.com` (no source names a
 * separate US host; pass `baseUrl` if yours differs).
 *
 * @since 0.1.0
 */
export const exactRegionHosts: Readonly<Record<ExactRegion, string>> = {
  nl: "https://start.exactonline.nl",
  be: "https://start.exactonline.be",
  de: "https://start.exactonline.de",
  uk: "https://start.exactonline.co.uk",
  fr: "https://start.exactonline.fr",
  es: "https://start.exactonline.es",
  us: "https://start.exactonline.com",
  international: "https://start.exactonline.com"
}

/**
 * Where the client writes what it does. Lines never contain tokens, codes or the client secret.
 *
 * @since 0.1.0
 */
export interface ExactLogger {
  debug?(message: string, fields?: Record<string, unknown>): void
  info?(message: string, fields?: Record<string, unknown>): void
  warn?(message: string, fields?: Record<string, unknown>): void
  error?(message: string, fields?: Record<string, unknown>): void
}

/**
 * Settings for `createExactClient`.
 *
 * @since 0.1.0
 */
export interface ExactClientOptions {
  /** Picks the host. Default `nl`. */
  readonly region?: ExactRegion
  /** Replaces the region host for API and OAuth alike (proxies, the sandbox). */
  readonly baseUrl?: string
  readonly clientId: string
  readonly clientSecret: string
  readonly redirectUri: string
  /** Where the token chain lives; share one store between all workers of a link. */
  readonly tokens: TokenStore
  /** The division (administration) to use; default `current/Me`'s `CurrentDivision`. Set it explicitly in production. */
  readonly division?: number
  readonly fetch?: (request: Request) => Promise<Response>
  readonly clock?: ExactClock
  readonly logger?: ExactLogger
  /** Per-request timeout in (real) milliseconds. Default 60,000. */
  readonly timeoutMs?: number
  /** Retries of a GET after a 5xx, timeout or transport failure. Default 3. */
  readonly maxRetries?: number
}

/**
 * What every network call accepts: a signal that, when it fires, aborts the call's request (and any
 * wait for the rate limit or a retry) and rejects it with an `ExactError` whose reason is `AbortedError`.
 *
 * @since 0.1.0
 */
export interface RequestOptions {
  readonly signal?: AbortSignal | undefined
}

/**
 * Query options of `paginate` and `listAll`.
 *
 * @since 0.1.0
 */
export interface ListOptions<A = Record<string, unknown>> extends RequestOptions {
  readonly filter?: Filter | string
  readonly select?: ReadonlyArray<string>
  readonly expand?: ReadonlyArray<string>
  readonly orderby?: string
  readonly top?: number
  /** Use the `bulk/` endpoint: 1,000 rows a page; `select` is then required. */
  readonly bulk?: boolean
  readonly division?: number
  /** DecodeError every record with this schema (e.g. `SalesInvoice`); a bad record fails with a `Decode` reason. */
  readonly schema?: { readonly Type: A } & Parameters<typeof decodeWith>[0]
}

/**
 * A decimal for a request body: a string such as `"12.50"` (sent digit for digit) or an `odata.decimal(…)`.
 *
 * @since 0.1.0
 */
export type DecimalInput = string | DecimalLiteral

/**
 * A sales-invoice line to create.
 *
 * @since 0.1.0
 */
export interface SalesInvoiceLineDraft {
  /** Item ID (GUID). */
  readonly Item: string
  readonly Quantity?: DecimalInput
  /** Price per unit after discount; default the item's sales price. */
  readonly NetPrice?: DecimalInput
  readonly UnitPrice?: DecimalInput
  /** Line amount excl. VAT; default Quantity × NetPrice. */
  readonly AmountFC?: DecimalInput
  readonly VATCode?: string
  readonly Description?: string
  readonly UnitCode?: string
  readonly CostCenter?: string
  readonly DeliveryDate?: Date
}

/**
 * A sales invoice to create (its `YourRef` comes from the `yourRef` option).
 *
 * @since 0.1.0
 */
export interface SalesInvoiceDraft {
  /** Customer account ID (GUID). */
  readonly OrderedBy: string
  readonly InvoiceTo?: string
  readonly DeliverTo?: string
  /** Sales journal code; Exact's docs list it as required (e.g. "70"). */
  readonly Journal?: string
  readonly Currency?: string
  readonly Description?: string
  readonly OrderDate?: Date
  readonly DueDate?: Date
  readonly PaymentCondition?: string
  readonly PaymentReference?: string
  readonly Remarks?: string
  /** 8020 invoice (default), 8021 credit note. */
  readonly Type?: 8020 | 8021 | 8023 | 8024
  readonly SalesInvoiceLines: ReadonlyArray<SalesInvoiceLineDraft>
}

/**
 * The result of `createSalesInvoice`: the invoice as Exact holds it, and whether this call created it.
 *
 * @since 0.1.0
 */
export interface CreatedSalesInvoice {
  readonly invoice: SalesInvoice
  /** `false` when an invoice with this `YourRef` already existed before the call. */
  readonly created: boolean
}

/**
 * The result of `processSalesInvoice`.
 *
 * @since 0.1.0
 */
export interface ProcessedSalesInvoice {
  readonly InvoiceID: string
  readonly InvoiceNumber: number | undefined
  readonly Status: number | undefined
}

/**
 * The OAuth face of the client.
 *
 * @since 0.1.0
 */
export interface ExactAuth {
  /** The URL to send the user to for consent. */
  authorizeUrl(options?: { readonly state?: string; readonly forceLogin?: boolean }): string
  /** Exchanges the code from the redirect (valid 3 minutes, once) and stores the new chain. */
  exchangeCode(
    code: string,
    options?: RequestOptions
  ): Promise<{ readonly obtainedAt: number; readonly expiresAt: number }>
  /** Refreshes if Exact allows it, so an idle chain does not die after 30 days. Run it daily. */
  keepAlive(options?: RequestOptions): Promise<{ readonly refreshed: boolean; readonly expiresAt: number }>
  /** Whether a chain is stored, and its times (never the tokens). */
  status(): Promise<{ readonly authorised: boolean; readonly obtainedAt?: number; readonly expiresAt?: number }>
}

/**
 * The client `createExactClient` returns.
 *
 * @since 0.1.0
 */
export interface ExactClient {
  /** A typed `openapi-fetch` client over the same pipeline (auth, governor, errors). Its JSON parse rounds decimals: use the helpers for money. */
  readonly api: Client<paths>
  readonly auth: ExactAuth
  readonly baseUrl: string
  /** The signed-in user and their current division. */
  me(options?: RequestOptions): Promise<Me>
  /** The division in use: `options.division`, else `me().CurrentDivision` (asked once). */
  division(options?: RequestOptions): Promise<number>
  /** The divisions the user can open. */
  divisions(options?: RequestOptions): Promise<ReadonlyArray<Division>>
  /** Every record of an endpoint, page by page (following `__next`). */
  paginate<A = Record<string, unknown>>(endpoint: string, options?: ListOptions<A>): AsyncGenerator<A, void, undefined>
  /** `paginate` collected into an array. */
  listAll<A = Record<string, unknown>>(endpoint: string, options?: ListOptions<A>): Promise<Array<A>>
  /** The sales invoice with this `YourRef` (lines expanded), if any. */
  findSalesInvoiceByYourRef(
    yourRef: string,
    options?: { readonly division?: number } & RequestOptions
  ): Promise<SalesInvoice | undefined>
  /** Creates a sales invoice at most once per `yourRef`, even across retries and crashes. */
  createSalesInvoice(
    invoice: SalesInvoiceDraft,
    options: { readonly yourRef: string; readonly division?: number } & RequestOptions
  ): Promise<CreatedSalesInvoice>
  /** Processes (prints) a sales invoice so that payments and reminders apply. */
  processSalesInvoice(
    invoiceId: string,
    options?: {
      readonly invoiceDate?: Date
      readonly sendEmailToCustomer?: boolean
      readonly division?: number
    } & RequestOptions
  ): Promise<ProcessedSalesInvoice>
  /** Creates a customer account. */
  createAccount(
    account: { readonly Name: string; readonly Code?: string } & Readonly<Record<string, string | boolean | undefined>>,
    options?: { readonly division?: number } & RequestOptions
  ): Promise<Account>
}

const serviceNames: Readonly<Record<string, string>> = {
  salesinvoice: "SalesInvoice",
  crm: "CRM",
  logistics: "Logistics",
  financial: "Financial",
  cashflow: "Cashflow",
  subscription: "Subscription",
  project: "Project",
  purchaseentry: "PurchaseEntry",
  salesentry: "SalesEntry",
  salesorder: "SalesOrder",
  documents: "Documents",
  inventory: "Inventory"
}

const bulkEndpoint = (endpoint: string): string => {
  if (/^(bulk|sync)\//i.test(endpoint)) return endpoint
  const [service = "", ...rest] = endpoint.split("/")
  return `bulk/${serviceNames[service.toLowerCase()] ?? service}/${rest.join("/")}`
}

/** The endpoint of a URL for counts, logs and errors: no host, division, key or query. */
const endpointOf = (url: URL): { endpoint: string; key: string } => {
  const parts = url.pathname.split("/").filter(Boolean)
  const v1 = parts.indexOf("v1")
  const rest = v1 >= 0 ? parts.slice(v1 + 1) : parts.slice(1)
  if (rest[0]?.toLowerCase() === "current") return { endpoint: rest.join("/"), key: "current" }
  return { endpoint: decodeURIComponent(rest.slice(1).join("/")).replace(/\(.*\)$/, ""), key: rest[0] ?? "" }
}

const odataMessage = (text: string): string => {
  try {
    const body = JSON.parse(text) as { error?: { message?: { value?: unknown } | string } }
    const message = body.error?.message
    if (typeof message === "string") return message
    if (message && typeof message.value === "string") return message.value
  } catch {
    // Not JSON: fall through to the text itself.
  }
  return text.slice(0, 500)
}

/**
 * Creates an Exact Online client.
 *
 * @example
 * ```ts
 * import { createExactClient, memoryTokenStore, odata } from "@psa-ledger/exact-client"
 *
 * const exact = createExactClient({
 *   region: "nl",
 *   clientId: process.env.EXACT_CLIENT_ID!,
 *   clientSecret: process.env.EXACT_CLIENT_SECRET!,
 *   redirectUri: "https://psa-ledger.example/exact/callback",
 *   tokens: memoryTokenStore(),
 *   division: 1234567
 * })
 * for await (const line of exact.paginate("salesinvoice/SalesInvoiceLines", {
 *   bulk: true,
 *   select: ["ID", "InvoiceID", "ItemCode", "Quantity", "NetPrice"]
 * })) {
 *   // line.Quantity is a decimal string, e.g. "12.5"
 * }
 * ```
 *
 * @since 0.1.0
 */
export const createExactClient = (options: ExactClientOptions): ExactClient => {
  const baseUrl = (options.baseUrl ?? exactRegionHosts[options.region ?? "nl"]).replace(/\/+$/, "")
  const origin = new URL(baseUrl).origin
  const clock = options.clock ?? systemClock
  const doFetch = options.fetch ?? ((request: Request) => globalThis.fetch(request))
  const timeoutMs = options.timeoutMs ?? 60_000
  const maxRetries = options.maxRetries ?? 3

  // Every secret this client has seen, to scrub from anything it writes.
  const secrets = new Set<string>([options.clientSecret])
  const remember = (secret: string) => {
    if (secret.length >= 6) secrets.add(secret)
  }
  const redact = (text: string): string => {
    let out = text
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join("[redacted]")
    return out
  }
  const log = (level: keyof ExactLogger, message: string, fields?: Record<string, unknown>) => {
    const write = options.logger?.[level]
    if (!write) return
    const safeFields = fields ? (JSON.parse(redact(JSON.stringify(fields))) as Record<string, unknown>) : undefined
    if (safeFields) write.call(options.logger, redact(message), safeFields)
    else write.call(options.logger, redact(message))
  }

  /** One HTTP exchange with a real-time timeout (it bounds real I/O, whatever the clock). */
  const exchange = async (request: Request, signal?: AbortSignal): Promise<{ response: Response; text: string }> => {
    const controller = new AbortController()
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      controller.abort()
    }, timeoutMs)
    const onAbort = () => controller.abort()
    signal?.addEventListener("abort", onAbort, { once: true })
    try {
      if (signal?.aborted) throw new AbortedError({ message: "The call was aborted by its caller" })
      const response = await doFetch(new Request(request, { signal: controller.signal }))
      const text = await response.text()
      return { response, text }
    } catch (cause) {
      if (signal?.aborted) throw new AbortedError({ message: "The call was aborted by its caller" })
      if (timedOut) throw new TimeoutError({ timeoutMs })
      throw new TransportError({ message: redact(cause instanceof Error ? cause.message : String(cause)) })
    } finally {
      clearTimeout(timer)
      signal?.removeEventListener("abort", onAbort)
    }
  }

  const tokenCall = async (form: Record<string, string>) => {
    for (const value of Object.values(form)) remember(value)
    const body = new URLSearchParams({ ...form, client_id: options.clientId, client_secret: options.clientSecret })
    let result: { response: Response; text: string }
    try {
      result = await exchange(
        new Request(`${baseUrl}/api/oauth2/token`, {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
          body
        })
      )
    } catch (reason) {
      if (reason instanceof TimeoutError || reason instanceof TransportError || reason instanceof AbortedError) {
        throw new ExactError({ reason, method: "POST", endpoint: "oauth2/token" })
      }
      throw reason
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(result.text)
    } catch {
      parsed = { error: "invalid_response", error_description: result.text.slice(0, 200) }
    }
    if (result.response.status !== 200 && parsed && typeof parsed === "object") {
      const record = parsed as Record<string, unknown>
      if (typeof record.error_description === "string") record.error_description = redact(record.error_description)
    }
    return { status: result.response.status, body: parsed }
  }

  const auth = new Auth(
    options.tokens,
    clock,
    tokenCall,
    (level, message, fields) => log(level, message, fields),
    remember
  )
  const governor = new Governor(clock, (ms, key) =>
    log("info", "exact: minute budget spent; waiting for the reset", { division: key, waitMs: ms })
  )

  const errorFor = (status: number, text: string, headers: Headers, method: string, endpoint: string): ExactError => {
    const message = redact(odataMessage(text))
    const reason =
      status === 400
        ? new ValidationError({ message, messages: message.split(/\r?\n/).filter((m) => m.trim() !== "") })
        : status === 401
          ? new UnauthorizedError({ message })
          : status === 403
            ? new ForbiddenError({
                message,
                ...(headers.get("Reason") ? { exactReason: headers.get("Reason") as string } : {})
              })
            : status === 404
              ? new NotFoundError({ message })
              : status >= 500
                ? new ServerError({ status, message })
                : new ValidationError({ message: `${status}: ${message}`, messages: [message] })
    return new ExactError({ reason, method, endpoint })
  }

  /** Sends an API request through the governor and the token chain; resolves only on 2xx. */
  const send = async (input: {
    readonly method: string
    readonly url: string
    readonly body?: string
    readonly headers?: Headers
    readonly signal?: AbortSignal | undefined
  }): Promise<{ response: Response; text: string }> => {
    const url = new URL(input.url)
    const { endpoint, key } = endpointOf(url)
    const method = input.method
    const signal = input.signal
    const site = { method, endpoint }
    const safe = method === "GET"
    let failures = 0
    let waits = 0
    // Access tokens a 401 refused in this call: each is recovered from once, so a retry is never blind.
    const refused = new Set<string>()
    for (;;) {
      await governor.acquire(key, method, endpoint, signal)
      let tokens: Awaited<ReturnType<Auth["current"]>>
      try {
        // A refresh is never cut short (its answer rotates the chain): the caller just stops waiting.
        tokens = await untilAborted(auth.current(), signal, site)
      } catch (error) {
        governor.release(key, undefined)
        throw error
      }
      const headers = new Headers(input.headers)
      headers.set("Authorization", `Bearer ${tokens.accessToken}`)
      headers.set("Accept", "application/json")
      if (input.body !== undefined) {
        headers.set("Content-Type", "application/json")
        headers.set("Prefer", "return=representation")
      }
      const started = clock.now()
      let result: { response: Response; text: string }
      try {
        result = await exchange(
          new Request(url, { method, headers, ...(input.body === undefined ? {} : { body: input.body }) }),
          signal
        )
      } catch (reason) {
        governor.release(key, undefined)
        if (reason instanceof AbortedError) throw new ExactError({ reason, method, endpoint })
        if (!(reason instanceof TimeoutError || reason instanceof TransportError)) throw reason
        log("warn", `exact: ${method} ${endpoint} failed: ${reason._tag}`)
        if (safe && failures < maxRetries) {
          failures++
          await sleep(clock, 500 * 2 ** failures, signal, site)
          continue
        }
        throw new ExactError({ reason, method, endpoint })
      }
      const { response, text } = result
      governor.release(key, response.headers)
      log("debug", `exact: ${method} ${endpoint} ${response.status}`, { ms: clock.now() - started })
      if (response.ok) return result
      if (response.status === 401 && !refused.has(tokens.accessToken) && refused.size < 3) {
        refused.add(tokens.accessToken)
        const next = await untilAborted(auth.recover(tokens), signal, site)
        if (next && !refused.has(next.accessToken)) continue
      }
      if (response.status === 429) {
        const dayRemaining = response.headers.get("X-RateLimit-Remaining")
        const dayReset = Number(response.headers.get("X-RateLimit-Reset") ?? Number.NaN)
        if (dayRemaining !== null && Number(dayRemaining) === 0 && Number.isFinite(dayReset)) {
          log("warn", "exact: the division's daily budget is spent", { resetAt: new Date(dayReset).toISOString() })
          throw new ExactError({ reason: new DailyLimitExhaustedError({ resetAt: dayReset }), method, endpoint })
        }
        const wait = governor.spentMinute(key, response.headers)
        if (waits < 5) {
          waits++
          log("info", "exact: 429 from Exact; waiting for the minute reset", { waitMs: wait })
          await sleep(clock, wait, signal, site)
          continue
        }
        throw new ExactError({ reason: new RateLimitedError({ resetAt: clock.now() + wait }), method, endpoint })
      }
      if (response.status >= 500 && safe && failures < maxRetries) {
        failures++
        log("warn", `exact: ${method} ${endpoint} ${response.status}; retrying`)
        await sleep(clock, 500 * 2 ** failures, signal, site)
        continue
      }
      throw errorFor(response.status, text, response.headers, method, endpoint)
    }
  }

  const parse = (text: string, endpoint: string): Record<string, unknown> => {
    try {
      const parsed = parseExactJson(text)
      if (parsed !== null && typeof parsed === "object" && "d" in parsed) return parsed as Record<string, unknown>
    } catch {
      // fall through
    }
    throw new ExactError({
      reason: new DecodeError({ message: "The answer is not an OData JSON envelope ({ d: … })" }),
      endpoint
    })
  }

  const getJson = async (url: string, signal?: AbortSignal): Promise<Record<string, unknown>> => {
    const { text } = await send({ method: "GET", url, signal })
    return parse(text, endpointOf(new URL(url)).endpoint)
  }

  const decodeRecord = <A>(schema: ListOptions<A>["schema"], raw: Record<string, unknown>, endpoint: string): A => {
    const plain = plainRecord(raw)
    if (!schema) return plain as A
    const decoded = decodeWith(schema, plain)
    if (decoded.ok) return decoded.value as A
    const id = ["ID", "InvoiceID", "EntryID", "Code", "UserID"]
      .map((k) => plain[k])
      .find((v) => v !== undefined && v !== null)
    throw new ExactError({
      reason: new DecodeError({
        message: decoded.message,
        record: `${endpoint}${id === undefined ? "" : `(${String(id)})`}`,
        ...(decoded.field === undefined ? {} : { field: decoded.field })
      }),
      method: "GET",
      endpoint
    })
  }

  let divisionPromise: Promise<number> | undefined
  const me = async (meOptions: RequestOptions = {}): Promise<Me> => {
    const body = await getJson(`${baseUrl}/api/v1/current/Me`, meOptions.signal)
    const d = body.d as { results?: Array<Record<string, unknown>> } | Record<string, unknown>
    const record = Array.isArray((d as { results?: unknown }).results)
      ? (d as { results: Array<Record<string, unknown>> }).results[0]
      : (d as Record<string, unknown>)
    if (!record)
      throw new ExactError({
        reason: new DecodeError({ message: "current/Me returned no user" }),
        endpoint: "current/Me"
      })
    return decodeRecord(Me, record, "current/Me")
  }
  const division = (override?: number, signal?: AbortSignal): Promise<number> => {
    if (override !== undefined) return Promise.resolve(override)
    if (options.division !== undefined) return Promise.resolve(options.division)
    if (!divisionPromise) {
      // Shared by every caller, so no caller's signal aborts it: each stops waiting on its own.
      divisionPromise = me().then((user) => user.CurrentDivision)
      divisionPromise.catch(() => {
        divisionPromise = undefined
      })
    }
    return untilAborted(divisionPromise, signal, { method: "GET", endpoint: "current/Me" })
  }

  async function* paginate<A>(endpoint: string, listOptions: ListOptions<A> = {}): AsyncGenerator<A, void, undefined> {
    const path = listOptions.bulk ? bulkEndpoint(endpoint) : endpoint
    if (/^(bulk|sync)\//i.test(path) && (!listOptions.select || listOptions.select.length === 0)) {
      throw new ExactError({
        reason: new ValidationError({
          message: "bulk and sync endpoints require a select list",
          messages: ["bulk and sync endpoints require a select list"]
        }),
        method: "GET",
        endpoint: path
      })
    }
    const signal = listOptions.signal
    const div = await division(listOptions.division, signal)
    const url = new URL(`${baseUrl}/api/v1/${div}/${path}`)
    if (listOptions.filter !== undefined) url.searchParams.set("$filter", String(listOptions.filter))
    if (listOptions.select) url.searchParams.set("$select", listOptions.select.join(","))
    if (listOptions.expand) url.searchParams.set("$expand", listOptions.expand.join(","))
    if (listOptions.orderby) url.searchParams.set("$orderby", listOptions.orderby)
    if (listOptions.top !== undefined) url.searchParams.set("$top", String(listOptions.top))
    let next: string | undefined = url.toString()
    while (next) {
      const body = await getJson(next, signal)
      const d = body.d as { results?: unknown; __next?: unknown }
      if (!Array.isArray(d.results)) {
        throw new ExactError({
          reason: new DecodeError({ message: "d.results is not an array" }),
          method: "GET",
          endpoint: path
        })
      }
      for (const raw of d.results) yield decodeRecord(listOptions.schema, raw as Record<string, unknown>, path)
      if (d.__next === undefined || d.__next === null) break
      if (typeof d.__next !== "string" || new URL(d.__next, baseUrl).origin !== origin) {
        // Never send our token to a host other than the API's.
        throw new ExactError({
          reason: new DecodeError({ message: "d.__next does not point at the API host", field: "__next" }),
          method: "GET",
          endpoint: path
        })
      }
      next = new URL(d.__next, baseUrl).toString()
    }
  }

  const listAll = async <A>(endpoint: string, listOptions?: ListOptions<A>): Promise<Array<A>> => {
    const out: Array<A> = []
    for await (const record of paginate(endpoint, listOptions)) out.push(record)
    return out
  }

  const postJson = async (path: string, div: number, body: unknown, signal: AbortSignal | undefined) => {
    const { text } = await send({
      method: "POST",
      url: `${baseUrl}/api/v1/${div}/${path}`,
      body: toExactJson(body),
      signal
    })
    return parse(text, path)
  }

  const findSalesInvoiceByYourRef: ExactClient["findSalesInvoiceByYourRef"] = async (yourRef, findOptions = {}) => {
    const found = await listAll("salesinvoice/SalesInvoices", {
      filter: odata.eq("YourRef", yourRef),
      expand: ["SalesInvoiceLines"],
      schema: SalesInvoice,
      signal: findOptions.signal,
      ...(findOptions.division === undefined ? {} : { division: findOptions.division })
    })
    if (found.length > 1)
      log("warn", "exact: more than one sales invoice has this YourRef", { yourRef, count: found.length })
    return found[0]
  }

  const ambiguous = (error: unknown) =>
    error instanceof ExactError &&
    (error.reason._tag === "TimeoutError" ||
      error.reason._tag === "ServerError" ||
      error.reason._tag === "TransportError")

  /**
   * POSTs, and after an ambiguous failure (timeout, 5xx, dropped connection) looks for what the POST
   * would have made before trying again: Exact has no idempotency key, so the lookup is the only
   * way to retry a write without doubling it. Gives up after three attempts with the last error.
   */
  const postOnce = async <A>(
    what: string,
    post: () => Promise<A>,
    landed: () => Promise<A | undefined>,
    signal: AbortSignal | undefined
  ): Promise<A> => {
    let lastError: unknown
    for (let attempt = 0; attempt < 3; attempt++) {
      if (attempt > 0) await sleep(clock, 500 * 2 ** attempt, signal, { method: "POST", endpoint: what })
      try {
        return await post()
      } catch (error) {
        if (!ambiguous(error)) throw error
        lastError = error
        log("warn", `exact: ${what} POST ended ambiguously; looking before any retry`, { attempt: attempt + 1 })
        const found = await landed()
        if (found !== undefined) return found
      }
    }
    throw lastError
  }

  const decimal = (value: DecimalInput | undefined, field: string) => {
    if (value === undefined) return undefined
    const literal = typeof value === "string" ? value : value.value
    if (!/^-?\d+(\.\d+)?$/.test(literal)) {
      throw new ExactError({
        reason: new ValidationError({
          message: `${field} is not a decimal: ${JSON.stringify(literal)}`,
          messages: [`${field} is not a decimal`]
        }),
        method: "POST",
        endpoint: "salesinvoice/SalesInvoices"
      })
    }
    return odata.decimal(literal)
  }

  const createSalesInvoice: ExactClient["createSalesInvoice"] = async (invoice, createOptions) => {
    const yourRef = createOptions.yourRef
    const signal = createOptions.signal
    const endpoint = "salesinvoice/SalesInvoices"
    const problems: Array<string> = []
    if (yourRef.trim() === "") problems.push("yourRef must not be empty: it is what makes creation idempotent")
    if (!isGuid(invoice.OrderedBy)) problems.push("OrderedBy must be an account GUID")
    if (invoice.SalesInvoiceLines.length === 0) problems.push("SalesInvoiceLines must not be empty")
    invoice.SalesInvoiceLines.forEach((line, index) => {
      if (!isGuid(line.Item)) problems.push(`SalesInvoiceLines[${index}].Item must be an item GUID`)
    })
    if (problems.length > 0) {
      throw new ExactError({
        reason: new ValidationError({ message: problems.join("\n"), messages: problems }),
        method: "POST",
        endpoint
      })
    }
    const div = await division(createOptions.division, signal)
    const existing = await findSalesInvoiceByYourRef(yourRef, { division: div, signal })
    if (existing) return { invoice: existing, created: false }
    const body = {
      ...invoice,
      YourRef: yourRef,
      SalesInvoiceLines: invoice.SalesInvoiceLines.map((line, index) => ({
        ...line,
        Quantity: decimal(line.Quantity, `SalesInvoiceLines[${index}].Quantity`),
        NetPrice: decimal(line.NetPrice, `SalesInvoiceLines[${index}].NetPrice`),
        UnitPrice: decimal(line.UnitPrice, `SalesInvoiceLines[${index}].UnitPrice`),
        AmountFC: decimal(line.AmountFC, `SalesInvoiceLines[${index}].AmountFC`)
      }))
    }
    return postOnce(
      "sales-invoice",
      async () => {
        const created = await postJson(endpoint, div, body, signal)
        const record = decodeRecord(SalesInvoice, created.d as Record<string, unknown>, endpoint)
        log("info", "exact: sales invoice created", { yourRef, invoiceId: record.InvoiceID })
        return { invoice: record, created: true }
      },
      async () => {
        const found = await findSalesInvoiceByYourRef(yourRef, { division: div, signal })
        return found ? { invoice: found, created: true } : undefined
      },
      signal
    )
  }

  const processSalesInvoice: ExactClient["processSalesInvoice"] = async (invoiceId, processOptions = {}) => {
    const endpoint = "salesinvoice/PrintedSalesInvoices"
    if (!isGuid(invoiceId)) {
      throw new ExactError({
        reason: new ValidationError({ message: "InvoiceID must be a GUID", messages: ["InvoiceID must be a GUID"] }),
        method: "POST",
        endpoint
      })
    }
    const signal = processOptions.signal
    const div = await division(processOptions.division, signal)
    return postOnce(
      "print",
      async () => {
        const answer = await postJson(
          endpoint,
          div,
          {
            InvoiceID: invoiceId,
            ...(processOptions.invoiceDate ? { InvoiceDate: processOptions.invoiceDate } : {}),
            ...(processOptions.sendEmailToCustomer === undefined
              ? {}
              : { SendEmailToCustomer: processOptions.sendEmailToCustomer })
          },
          signal
        )
        const d = plainRecord(answer.d as Record<string, unknown>)
        return {
          InvoiceID: invoiceId,
          InvoiceNumber: typeof d.InvoiceNumber === "number" ? d.InvoiceNumber : undefined,
          Status: typeof d.Status === "number" ? d.Status : undefined
        }
      },
      async () => {
        // Printing is what turns the invoice into status 50: if it is, the print landed.
        const [invoice] = await listAll("salesinvoice/SalesInvoices", {
          filter: odata.eq("InvoiceID", odata.guid(invoiceId)),
          select: ["InvoiceID", "InvoiceNumber", "Status"],
          schema: SalesInvoice,
          division: div,
          signal
        })
        return invoice?.Status === 50
          ? { InvoiceID: invoiceId, InvoiceNumber: invoice.InvoiceNumber ?? undefined, Status: 50 }
          : undefined
      },
      signal
    )
  }

  const createAccount: ExactClient["createAccount"] = async (account, accountOptions = {}) => {
    const signal = accountOptions.signal
    const div = await division(accountOptions.division, signal)
    const post = async () => {
      const answer = await postJson("crm/Accounts", div, account, signal)
      return decodeRecord(Account, answer.d as Record<string, unknown>, "crm/Accounts")
    }
    const code = account.Code
    // Without a code there is nothing to look an account up by, so an ambiguous POST is not retried.
    if (code === undefined || code.trim() === "") return post()
    const landed = async () => {
      const [found] = await listAll("crm/Accounts", {
        // Exact keeps account codes right-aligned in 18 characters.
        filter: odata.eq("Code", code.trim().padStart(18, " ")),
        schema: Account,
        select: ["ID", "Code", "Name"],
        division: div,
        signal
      })
      return found
    }
    return postOnce("account", post, landed, signal)
  }

  const api = createClient<paths>({
    baseUrl: `${baseUrl}/api`,
    fetch: async (request: Request) => {
      const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.text()
      const { response, text } = await send({
        method: request.method,
        url: request.url,
        headers: request.headers,
        signal: request.signal,
        ...(body === undefined ? {} : { body })
      })
      return new Response(text, { status: response.status, headers: response.headers })
    }
  })

  const authFace: ExactAuth = {
    authorizeUrl: (authorizeOptions = {}) => {
      const url = new URL(`${baseUrl}/api/oauth2/auth`)
      url.searchParams.set("client_id", options.clientId)
      url.searchParams.set("redirect_uri", options.redirectUri)
      url.searchParams.set("response_type", "code")
      if (authorizeOptions.state !== undefined) url.searchParams.set("state", authorizeOptions.state)
      if (authorizeOptions.forceLogin) url.searchParams.set("force_login", "1")
      return url.toString()
    },
    exchangeCode: async (code, exchangeOptions = {}) => {
      remember(code)
      const site = { method: "POST", endpoint: "oauth2/token" }
      throwIfAborted(exchangeOptions.signal, site)
      const sentAt = clock.now()
      // Not cut short once sent: the answer holds the only token chain this code can give.
      const { status, body } = await untilAborted(
        tokenCall({ grant_type: "authorization_code", code, redirect_uri: options.redirectUri }),
        exchangeOptions.signal,
        site
      )
      if (status !== 200) {
        const record = (body ?? {}) as Record<string, unknown>
        const error = typeof record.error === "string" ? record.error : "unknown_error"
        const description = typeof record.error_description === "string" ? record.error_description : ""
        if (status === 400 || status === 401) {
          throw new ExactError({
            reason: new UnauthorizedError({
              message: `Exact refused the authorization code (${error}: ${description})`
            }),
            method: "POST",
            endpoint: "oauth2/token"
          })
        }
        throw tokenEndpointError(status, error, description)
      }
      const tokens = toTokenSet(body, sentAt, clock.now())
      await auth.save(tokens)
      log("info", "exact: authorised; token chain stored")
      return { obtainedAt: tokens.obtainedAt, expiresAt: tokens.expiresAt }
    },
    keepAlive: async (keepAliveOptions = {}) => {
      const site = { method: "POST", endpoint: "oauth2/token" }
      const stored = await untilAborted(auth.stored(), keepAliveOptions.signal, site)
      if (!stored) {
        throw new ExactError({ reason: new UnauthorizedError({ message: "No tokens yet: nothing to keep alive" }) })
      }
      if (!auth.due(stored)) return { refreshed: false, expiresAt: stored.expiresAt }
      const next = await untilAborted(auth.refresh(stored, false), keepAliveOptions.signal, site)
      return { refreshed: next.refreshToken !== stored.refreshToken, expiresAt: next.expiresAt }
    },
    status: async () => {
      const stored = await auth.stored()
      return stored
        ? { authorised: true, obtainedAt: stored.obtainedAt, expiresAt: stored.expiresAt }
        : { authorised: false }
    }
  }

  const client: ExactClient = {
    api,
    auth: authFace,
    baseUrl,
    me,
    division: (divisionOptions = {}) => division(undefined, divisionOptions.signal),
    divisions: async (divisionsOptions = {}) =>
      listAll("system/Divisions", { schema: Division, signal: divisionsOptions.signal }),
    paginate,
    listAll,
    findSalesInvoiceByYourRef,
    createSalesInvoice,
    processSalesInvoice,
    createAccount
  }
  // What a console.log or a JSON dump of the client shows: no options, no secrets.
  Object.defineProperty(client, Symbol.for("nodejs.util.inspect.custom"), {
    value: () => `ExactClient { baseUrl: ${JSON.stringify(baseUrl)} }`
  })
  Object.defineProperty(client, "toJSON", { value: () => ({ baseUrl }) })
  return client
}
