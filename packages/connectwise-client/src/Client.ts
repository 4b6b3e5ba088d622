import { Result, Schema, type SchemaIssue } from "effect"
import createClient, { type Client } from "openapi-fetch"
import {
  AbortedError,
  ConnectWiseError,
  type ConnectWiseErrorReason,
  DecodeError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  ServerError,
  TimeoutError,
  TransportError,
  UnauthorizedError,
  ValidationError,
  type ValidationIssue
} from "./ConnectWiseError.ts"
import type { paths } from "./generated/connectwise.ts"
import { raceAbort, sleepUnlessAborted } from "./internal/abort.ts"
import { parseJsonLossless, stringifyJson } from "./internal/json.ts"
import type { PatchOperation } from "./patch.ts"
import { type RecordPath, recordSchemas } from "./Records.ts"

/** A structured logger; the client logs retries and never logs headers or keys. */
export interface ConnectWiseLogger {
  readonly debug?: (message: string, fields?: Record<string, unknown>) => void
  readonly warn?: (message: string, fields?: Record<string, unknown>) => void
}

/** Options of {@link createConnectWiseClient}. */
export interface ConnectWiseClientOptions {
  /** The API host, e.g. `api-eu.myconnectwise.net`. */
  readonly site?: string
  readonly companyId: string
  readonly publicKey: string
  readonly privateKey: string
  readonly clientId: string
  /** e.g. `v2026_1/`; otherwise resolved once through `/login/companyinfo/{companyId}`. */
  readonly codebase?: string
  /** Overrides site and codebase, e.g. `https://cw.example.com/v4_6_release/apis/3.0`. */
  readonly baseUrl?: string
  /** The pinned API version (default `2026.4`). */
  readonly apiVersion?: string
  readonly fetch?: (request: Request) => Promise<Response>
  /** Per attempt (default 30,000 ms). */
  readonly timeoutMs?: number
  /** Retries after the first attempt (default 5). */
  readonly maxRetries?: number
  /** Requests in flight at once (default 4). */
  readonly maxConcurrency?: number
  readonly logger?: ConnectWiseLogger
  /** Backoff base (default 500 ms) and cap (default 30,000 ms). */
  readonly retryBaseDelayMs?: number
  readonly retryMaxDelayMs?: number
  /** Injectable for tests: how to wait (ending early when `signal` fires), and the jitter source in [0, 1). */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  readonly random?: () => number
}

type Paths = paths
type GetOp<P extends keyof Paths> = Paths[P] extends { get: infer O } ? O : never
type OkBody<O> = O extends { responses: { 200: { content: { "application/json": infer B } } } } ? B : never
/** The paths whose GET answers a JSON array (list endpoints). */
export type ListPath = {
  [P in keyof Paths]: OkBody<GetOp<P>> extends ReadonlyArray<unknown> ? P : never
}[keyof Paths]
/** The paths that answer `{count}`. */
export type CountPath = Extract<keyof Paths, `${string}/count`>
type PathParams<P extends keyof Paths> =
  GetOp<P> extends { parameters: { path: infer X } } ? (X extends Record<string, unknown> ? X : never) : never
/** The record type a path yields: the Schema's type where one applies, the generated type otherwise. */
export type RecordOf<P extends keyof Paths> = P extends RecordPath
  ? (typeof recordSchemas)[P]["Type"]
  : OkBody<GetOp<P>> extends ReadonlyArray<infer R>
    ? R
    : OkBody<GetOp<P>>

/** Per-call options: aborting `signal` aborts the request in flight and any wait before a retry. */
export interface RequestOptions {
  readonly signal?: AbortSignal
}

/** Query options of list and count helpers. */
export interface ListQuery {
  /** A `conditions` string, e.g. from the {@link import("./conditions.ts").conditions} builder. */
  readonly conditions?: string
  readonly childConditions?: string
  readonly customFieldConditions?: string
  readonly orderBy?: string
  readonly fields?: string
  /** Rows per page (default and maximum 1,000). */
  readonly pageSize?: number
  /** Aborts the page in flight (and ends the iteration) when it fires. */
  readonly signal?: AbortSignal
}
type WithPath<P extends keyof Paths, Q> = [PathParams<P>] extends [never]
  ? Q & { readonly path?: undefined }
  : Q & { readonly path: PathParams<P> }

/** A ConnectWise client: the typed `api` plus paging, counting and record helpers. */
export interface ConnectWiseClient {
  /** The openapi-fetch client over our OpenAPI document. Non-2xx answers throw {@link ConnectWiseError}. */
  readonly api: Client<Paths>
  /** Every record of a list endpoint, page by page (1,000 rows, forward-only where supported). */
  readonly paginate: <P extends ListPath>(path: P, query?: WithPath<P, ListQuery>) => AsyncIterable<RecordOf<P>>
  /** {@link ConnectWiseClient.paginate}, collected. */
  readonly listAll: <P extends ListPath>(path: P, query?: WithPath<P, ListQuery>) => Promise<Array<RecordOf<P>>>
  /** The number of matching records, from the path's `/count` endpoint. */
  readonly count: <P extends ListPath>(
    path: P,
    query?: WithPath<P, Pick<ListQuery, "conditions" | "childConditions" | "customFieldConditions" | "signal">>
  ) => Promise<number>
  /** One record by id. */
  readonly get: <P extends keyof Paths & `${string}{id}`>(
    path: P,
    params: PathParams<P>,
    options?: RequestOptions
  ) => Promise<RecordOf<P>>
  /**
   * Creates a record. A POST is retried only when nothing can have been created (connection
   * refused, 429), or when `idempotencyCheck` finds no record from the failed attempt; if it
   * finds one, that record is returned.
   */
  readonly create: <P extends ListPath>(
    path: P,
    body: unknown,
    options?: WithPath<P, RequestOptions & { readonly idempotencyCheck?: () => Promise<unknown> }>
  ) => Promise<RecordOf<P>>
  /** Applies JSON Patch operations to one record and returns it as stored. */
  readonly patch: <P extends keyof Paths & `${string}{id}`>(
    path: P,
    params: PathParams<P>,
    operations: ReadonlyArray<PatchOperation>,
    options?: RequestOptions
  ) => Promise<RecordOf<P>>
  /** The API base URL in use (resolving the codebase first if needed). */
  readonly resolveBaseUrl: (options?: RequestOptions) => Promise<string>
}

const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"])
const RETRY_STATUS = new Set([502, 503, 504])
const PLACEHOLDER = "https://connectwise.codebase.pending/apis/3.0"
const INSPECT = Symbol.for("nodejs.util.inspect.custom")
const signalOf = (options: RequestOptions): { signal?: AbortSignal } =>
  options.signal ? { signal: options.signal } : {}

class Semaphore {
  private active = 0
  private readonly waiting: Array<() => void> = []
  // A plain field rather than a parameter property: Node's type stripping (used by the CLI host
  // running package sources) rejects parameter properties.
  private readonly limit: number
  constructor(limit: number) {
    this.limit = limit
  }
  async run<A>(task: () => Promise<A>, signal?: AbortSignal): Promise<A> {
    if (this.active >= this.limit) {
      await new Promise<void>((resolve, reject) => {
        const turn = () => {
          signal?.removeEventListener("abort", leave)
          resolve()
        }
        // An aborted caller leaves the queue at once instead of waiting for a turn it no longer wants.
        const leave = () => {
          const index = this.waiting.indexOf(turn)
          if (index >= 0) this.waiting.splice(index, 1)
          reject(signal?.reason)
        }
        this.waiting.push(turn)
        signal?.addEventListener("abort", leave, { once: true })
      })
    }
    this.active++
    try {
      return await task()
    } finally {
      this.active--
      this.waiting.shift()?.()
    }
  }
}

const errorCode = (error: unknown): string | undefined => {
  let current: unknown = error
  for (let depth = 0; depth < 5 && current && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === "string") return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

const firstPointer = (issue: SchemaIssue.Issue): string | undefined => {
  const walk = (i: SchemaIssue.Issue, prefix: Array<PropertyKey>): Array<PropertyKey> | undefined => {
    switch (i._tag) {
      case "Pointer":
        return walk(i.issue, [...prefix, ...i.path]) ?? [...prefix, ...i.path]
      case "Composite":
      case "AnyOf":
        for (const inner of i.issues) {
          const found = walk(inner, prefix)
          if (found) return found
        }
        return prefix.length > 0 ? prefix : undefined
      case "Encoding":
      case "Filter":
        return walk(i.issue, prefix) ?? (prefix.length > 0 ? prefix : undefined)
      default:
        return prefix.length > 0 ? prefix : undefined
    }
  }
  return walk(issue, [])?.map(String).join("/")
}

// Metrics and errors name the path template, never the ids (or anything else) in the URL.
const templateOf = (url: URL, base: string): string => {
  const basePath = new URL(base).pathname
  const path = url.pathname.startsWith(basePath) ? url.pathname.slice(basePath.length) : url.pathname
  return path.replace(/\/\d+(?=\/(additions|payments)\b)/g, "/{parentId}").replace(/\/\d+(?=\/|$)/g, "/{id}")
}

const reasonFor = async (response: Response, signal: AbortSignal): Promise<ConnectWiseErrorReason> => {
  const text = await response.text().catch(() => "")
  if (signal.aborted) return new AbortedError({ message: "The caller aborted the request" })
  let body: { code?: unknown; message?: unknown; errors?: unknown } = {}
  try {
    const parsed: unknown = JSON.parse(text)
    if (parsed && typeof parsed === "object") body = parsed as typeof body
  } catch {
    // Not JSON (a proxy's HTML page): the status alone decides the reason.
  }
  const message = typeof body.message === "string" ? body.message : response.statusText || `HTTP ${response.status}`
  const code = typeof body.code === "string" ? body.code : undefined
  switch (response.status) {
    case 401:
      return new UnauthorizedError({ message })
    case 403:
      return new ForbiddenError({ message })
    case 404:
      return new NotFoundError({ message })
    case 429: {
      const retryAfter = Number(response.headers.get("retry-after"))
      return new RateLimitedError({
        message,
        ...(Number.isFinite(retryAfter) ? { retryAfterSeconds: retryAfter } : {})
      })
    }
    default:
      if (response.status >= 400 && response.status < 500) {
        const errors: Array<ValidationIssue> = Array.isArray(body.errors)
          ? body.errors.flatMap((e: unknown) => {
              if (!e || typeof e !== "object") return []
              const r = e as Record<string, unknown>
              const pick = (k: string) => (typeof r[k] === "string" ? { [k]: r[k] as string } : {})
              return [{ ...pick("code"), ...pick("message"), ...pick("resource"), ...pick("field") }]
            })
          : []
        return new ValidationError({ message, errors, ...(code ? { code } : {}) })
      }
      return new ServerError({ message })
  }
}

/**
 * Creates a ConnectWise PSA client.
 *
 * @example
 * ```ts
 * const client = createConnectWiseClient({
 *   site: "api-eu.myconnectwise.net", companyId: "acme", publicKey, privateKey, clientId
 * })
 * const agreements = await client.listAll("/finance/agreements", {
 *   conditions: conditions.and(conditions.eq("company/identifier", "ACME"), conditions.eq("agreementStatus", "Active"))
 * })
 * ```
 */
export const createConnectWiseClient = (options: ConnectWiseClientOptions): ConnectWiseClient => {
  const apiVersion = options.apiVersion ?? "2026.4"
  const timeoutMs = options.timeoutMs ?? 30_000
  const maxRetries = options.maxRetries ?? 5
  const baseDelay = options.retryBaseDelayMs ?? 500
  const maxDelay = options.retryMaxDelayMs ?? 30_000
  const sleep = options.sleep ?? sleepUnlessAborted
  const random = options.random ?? Math.random
  const fetchImpl = options.fetch ?? ((request: Request) => globalThis.fetch(request))
  const logger = options.logger ?? {}
  const gate = new Semaphore(Math.max(1, options.maxConcurrency ?? 4))
  // Built once and kept in this closure only: never a property, so never printed or serialised.
  const authorization = `Basic ${Buffer.from(`${options.companyId}+${options.publicKey}:${options.privateKey}`).toString("base64")}`
  const site = options.site?.replace(/^https?:\/\//, "").replace(/\/$/, "")

  let baseUrlPromise: Promise<string> | undefined
  const aborted = (method: string, path: string) => () =>
    new ConnectWiseError({ method, path, reason: new AbortedError({ message: "The caller aborted the request" }) })
  // The lookup is shared by every caller, so one caller's abort stops only its own wait.
  const resolveBaseUrl = (request: RequestOptions = {}): Promise<string> =>
    raceAbort(lookUpBaseUrl(), request.signal, aborted("GET", "/login/companyinfo/{companyId}"))
  const lookUpBaseUrl = (): Promise<string> => {
    if (options.baseUrl) return Promise.resolve(options.baseUrl.replace(/\/$/, ""))
    if (!site) return Promise.reject(new TypeError("ConnectWise client needs either `site` or `baseUrl`"))
    if (options.codebase) return Promise.resolve(`https://${site}/${options.codebase.replace(/^\/|\/$/g, "")}/apis/3.0`)
    baseUrlPromise ??= (async () => {
      const path = "/login/companyinfo/{companyId}"
      const response = await send(
        new Request(`https://${site}/login/companyinfo/${encodeURIComponent(options.companyId)}`, {
          headers: { accept: "application/json" }
        }),
        path,
        false
      )
      const info = (await response.json().catch(() => undefined)) as { Codebase?: unknown } | undefined
      if (typeof info?.Codebase !== "string" || info.Codebase.length === 0) {
        throw new ConnectWiseError({
          method: "GET",
          path,
          status: response.status,
          reason: new DecodeError({ message: "The company info has no Codebase", field: "Codebase" })
        })
      }
      return `https://${site}/${info.Codebase.replace(/^\/|\/$/g, "")}/apis/3.0`
    })().catch((error: unknown) => {
      baseUrlPromise = undefined
      throw error
    })
    return baseUrlPromise
  }

  /** One logical request: auth headers, timeout, concurrency, retries. Throws ConnectWiseError. */
  const send = async (
    request: Request,
    template: string,
    authenticate = true,
    postRetryCheck?: () => Promise<boolean>
  ): Promise<Response> => {
    const method = request.method.toUpperCase()
    const signal = request.signal
    const body = method === "GET" || method === "HEAD" ? undefined : await request.arrayBuffer()
    const headers = new Headers(request.headers)
    if (authenticate) {
      headers.set("authorization", authorization)
      headers.set("clientid", options.clientId)
      // The versioned media type must come first, or ConnectWise serves its latest model.
      headers.set("accept", `application/vnd.connectwise.com+json; version=${apiVersion}, application/json`)
    }
    const fail = (reason: ConnectWiseErrorReason, status?: number): never => {
      throw new ConnectWiseError({ method, path: template, reason, ...(status !== undefined ? { status } : {}) })
    }
    const stopIfAborted = () => {
      if (signal.aborted) fail(new AbortedError({ message: "The caller aborted the request" }))
    }
    for (let attempt = 0; ; attempt++) {
      stopIfAborted()
      const controller = new AbortController()
      let timedOut = false
      const timer = setTimeout(() => {
        timedOut = true
        controller.abort()
      }, timeoutMs)
      let outcome: { response: Response } | { error: unknown }
      try {
        const response = await gate.run(
          () =>
            fetchImpl(
              new Request(request.url, {
                method,
                headers,
                signal: AbortSignal.any([signal, controller.signal]),
                ...(body !== undefined ? { body } : {})
              })
            ),
          signal
        )
        outcome = { response }
      } catch (error) {
        outcome = { error }
      } finally {
        clearTimeout(timer)
      }
      const retriesLeft = attempt < maxRetries
      const backoff = (): number => Math.min(maxDelay, baseDelay * 2 ** attempt) * (0.5 + random() / 2)
      if ("error" in outcome) {
        stopIfAborted()
        const code = errorCode(outcome.error)
        // Refused means the request never reached a server: nothing can have been created.
        const provenUnsent = code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN"
        const retryable =
          retriesLeft &&
          (IDEMPOTENT.has(method) || provenUnsent || (postRetryCheck !== undefined && (await postRetryCheck())))
        const reason = timedOut
          ? new TimeoutError({ message: `No answer within ${timeoutMs} ms`, timeoutMs })
          : new TransportError({
              message: outcome.error instanceof Error ? outcome.error.message : "Network error",
              ...(code ? { code } : {})
            })
        if (!retryable) return fail(reason)
        const delay = backoff()
        logger.warn?.("ConnectWise request failed; retrying", {
          method,
          path: template,
          reason: reason._tag,
          attempt: attempt + 1,
          delayMs: Math.round(delay)
        })
        await sleep(delay, signal)
        continue
      }
      const response = outcome.response
      if (response.ok) return response
      const status = response.status
      // A 429 proves the request was refused before any work, so even a POST may repeat it.
      const retryable =
        retriesLeft &&
        (status === 429 ||
          (RETRY_STATUS.has(status) &&
            (IDEMPOTENT.has(method) || (postRetryCheck !== undefined && (await postRetryCheck())))))
      if (!retryable) return fail(await reasonFor(response, signal), status)
      const retryAfter = Number(response.headers.get("retry-after"))
      const delay = status === 429 && Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : backoff()
      await response.body?.cancel().catch(() => undefined)
      logger.warn?.("ConnectWise request refused; retrying", {
        method,
        path: template,
        status,
        attempt: attempt + 1,
        delayMs: Math.round(delay)
      })
      await sleep(delay, signal)
    }
  }

  const api = createClient<Paths>({
    baseUrl: options.baseUrl?.replace(/\/$/, "") ?? PLACEHOLDER,
    bodySerializer: (b: unknown) => stringifyJson(b),
    fetch: async (request: Request) => {
      const base = await resolveBaseUrl({ signal: request.signal })
      const url = options.baseUrl ? request.url : request.url.replace(PLACEHOLDER, base)
      const routed = url === request.url ? request : new Request(url, request)
      return send(routed, templateOf(new URL(url), base))
    }
  })

  const buildUrl = async (
    template: string,
    pathParams: Record<string, unknown> | undefined,
    query: Record<string, string | number | undefined>,
    signal: AbortSignal | undefined
  ) => {
    const base = await resolveBaseUrl({ ...(signal ? { signal } : {}) })
    const path = template.replace(/\{(\w+)\}/g, (_m, name: string) => {
      const value = pathParams?.[name]
      if (typeof value !== "number" && typeof value !== "string") throw new TypeError(`Missing path parameter ${name}`)
      return encodeURIComponent(String(value))
    })
    const url = new URL(`${base}${path}`)
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v))
    return url
  }

  const decodeRecord = (template: string, method: string, status: number, value: unknown): unknown => {
    const schema = (recordSchemas as Record<string, Schema.Top & { readonly DecodingServices: never }>)[template]
    if (!schema) return value
    const result = Schema.decodeUnknownResult(schema as Schema.Codec<unknown, unknown>)(value)
    if (Result.isSuccess(result)) return result.success
    const field = firstPointer(result.failure.issue)
    const id = value && typeof value === "object" ? (value as { id?: unknown }).id : undefined
    const recordId = typeof id === "number" || typeof id === "string" ? id : undefined
    const what = recordId === undefined ? "a record" : `record ${recordId}`
    throw new ConnectWiseError({
      method,
      path: template,
      status,
      reason: new DecodeError({
        message: `${what} of ${template} does not match the document${field ? ` at ${field}` : ""}: ${result.failure.message.split("\n")[0]}`,
        ...(field ? { field } : {}),
        ...(recordId !== undefined ? { recordId } : {})
      })
    })
  }

  const readJson = async (
    response: Response,
    method: string,
    template: string,
    signal: AbortSignal | undefined
  ): Promise<unknown> => {
    const text = await response.text().catch((error: unknown) => {
      throw new ConnectWiseError({
        method,
        path: template,
        status: response.status,
        reason: signal?.aborted
          ? new AbortedError({ message: "The caller aborted the request" })
          : new TransportError({ message: error instanceof Error ? error.message : "The body could not be read" })
      })
    })
    try {
      return parseJsonLossless(text)
    } catch {
      throw new ConnectWiseError({
        method,
        path: template,
        status: response.status,
        reason: new DecodeError({ message: `The body of ${method} ${template} is not valid JSON` })
      })
    }
  }

  const linkNext = (header: string | null): string | undefined => {
    if (!header) return undefined
    for (const part of header.split(/,(?=\s*<)/)) {
      const match = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(part)
      if (match) return match[1]
    }
    return undefined
  }

  async function* paginate(template: string, query: ListQuery & { readonly path?: Record<string, unknown> } = {}) {
    const pageSize = Math.min(Math.max(query.pageSize ?? 1000, 1), 1000)
    const first = await buildUrl(
      template,
      query.path,
      {
        conditions: query.conditions,
        childConditions: query.childConditions,
        customFieldConditions: query.customFieldConditions,
        orderBy: query.orderBy,
        fields: query.fields,
        pageSize
      },
      query.signal
    )
    // Forward-only paging does not combine with orderBy; page numbers do.
    const forwardOnly = query.orderBy === undefined
    let url: URL | undefined = first
    let page = 1
    while (url) {
      const headers: Record<string, string> = forwardOnly ? { "pagination-type": "forward-only" } : {}
      const response = await send(new Request(url, { headers, ...signalOf(query) }), template)
      const body = await readJson(response, "GET", template, query.signal)
      if (!Array.isArray(body)) {
        throw new ConnectWiseError({
          method: "GET",
          path: template,
          status: response.status,
          reason: new DecodeError({ message: `${template} did not answer with an array` })
        })
      }
      for (const item of body) yield decodeRecord(template, "GET", response.status, item)
      const next = linkNext(response.headers.get("link"))
      if (next) {
        url = new URL(next)
      } else if (!response.headers.has("link") && body.length === pageSize) {
        // No Link header at all: fall back to page numbers until a short page.
        page++
        url = new URL(first)
        url.searchParams.set("page", String(page))
      } else {
        url = undefined
      }
    }
  }

  const client: ConnectWiseClient = {
    api,
    paginate: ((path: string, query?: ListQuery & { path?: Record<string, unknown> }) =>
      paginate(path, query)) as ConnectWiseClient["paginate"],
    listAll: (async (path: string, query?: ListQuery & { path?: Record<string, unknown> }) => {
      const out: Array<unknown> = []
      for await (const record of paginate(path, query)) out.push(record)
      return out
    }) as ConnectWiseClient["listAll"],
    count: (async (path: string, query: ListQuery & { path?: Record<string, unknown> } = {}) => {
      const template = `${path}/count`
      const url = await buildUrl(
        template,
        query.path,
        {
          conditions: query.conditions,
          childConditions: query.childConditions,
          customFieldConditions: query.customFieldConditions
        },
        query.signal
      )
      const response = await send(new Request(url, signalOf(query)), template)
      const body = (await readJson(response, "GET", template, query.signal)) as { count?: unknown } | null
      if (typeof body?.count !== "number" || !Number.isInteger(body.count)) {
        throw new ConnectWiseError({
          method: "GET",
          path: template,
          status: response.status,
          reason: new DecodeError({ message: `${template} answered without an integer count`, field: "count" })
        })
      }
      return body.count
    }) as ConnectWiseClient["count"],
    get: (async (path: string, params: Record<string, unknown>, opts: RequestOptions = {}) => {
      const response = await send(new Request(await buildUrl(path, params, {}, opts.signal), signalOf(opts)), path)
      return decodeRecord(path, "GET", response.status, await readJson(response, "GET", path, opts.signal))
    }) as ConnectWiseClient["get"],
    create: (async (
      path: string,
      body: unknown,
      opts: { path?: Record<string, unknown>; idempotencyCheck?: () => Promise<unknown> } & RequestOptions = {}
    ) => {
      const url = await buildUrl(path, opts.path, {}, opts.signal)
      let found: unknown
      const check = opts.idempotencyCheck
        ? async () => {
            found = await opts.idempotencyCheck!()
            return found === undefined || found === null
          }
        : undefined
      let response: Response
      try {
        response = await send(
          new Request(url, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: stringifyJson(body),
            ...signalOf(opts)
          }),
          path,
          true,
          check
        )
      } catch (error) {
        // The check found the record the failed attempt created: that is the answer.
        if (found !== undefined && found !== null) return decodeRecord(path, "POST", 201, found)
        throw error
      }
      return decodeRecord(path, "POST", response.status, await readJson(response, "POST", path, opts.signal))
    }) as ConnectWiseClient["create"],
    patch: (async (
      path: string,
      params: Record<string, unknown>,
      operations: ReadonlyArray<PatchOperation>,
      opts: RequestOptions = {}
    ) => {
      const response = await send(
        new Request(await buildUrl(path, params, {}, opts.signal), {
          method: "PATCH",
          headers: { "content-type": "application/json" },
          body: stringifyJson(operations),
          ...signalOf(opts)
        }),
        path
      )
      return decodeRecord(path, "PATCH", response.status, await readJson(response, "PATCH", path, opts.signal))
    }) as ConnectWiseClient["patch"],
    resolveBaseUrl
  }
  const describe = () =>
    `ConnectWiseClient { companyId: [redacted], site: ${JSON.stringify(site ?? options.baseUrl ?? "")} }`
  Object.defineProperties(client, {
    [INSPECT]: { value: describe, enumerable: false },
    toString: { value: describe, enumerable: false },
    toJSON: { value: () => ({ _tag: "ConnectWiseClient", site: site ?? options.baseUrl ?? null }), enumerable: false }
  })
  return client
}
