import createClient, { type Client } from "openapi-fetch"
import { ConnectWiseDecodeError, ConnectWiseError } from "./ConnectWiseError.ts"
import type { paths } from "./generated/connectwise.ts"
import { sleepUnlessAborted } from "./internal/abort.ts"
import { makeBaseUrlResolver } from "./internal/baseUrl.ts"
import { stringifyJson } from "./internal/json.ts"
import { Limiter } from "./internal/limiter.ts"
import { makeOperations } from "./internal/operations.ts"
import { makePacer } from "./internal/pacer.ts"
import { makePaginate } from "./internal/paging.ts"
import { isWholePdf } from "./internal/pdf.ts"
import type { RawApi } from "./internal/rawApi.ts"
import { LOGIN_PATH, makeRouting, PLACEHOLDER } from "./internal/routing.ts"
import { makeTransport } from "./internal/transport.ts"
import type { PatchOperation } from "./patch.ts"
import type { RecordPath, recordSchemas } from "./Records.ts"

/**
 * A structured logger; the client logs retries and never logs headers or keys. It has the shape of
 * `@psa-ledger/exact-client`'s `ExactLogger` (the clients share no code), so one logger serves both.
 *
 * @since 0.1.0
 */
export interface ConnectWiseLogger {
  debug?(message: string, fields?: Record<string, unknown>): void
  info?(message: string, fields?: Record<string, unknown>): void
  warn?(message: string, fields?: Record<string, unknown>): void
  error?(message: string, fields?: Record<string, unknown>): void
}

/**
 * Options of {@link createConnectWiseClient}.
 *
 * @since 0.1.0
 */
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
  /**
   * Injectable for tests: how to wait (ending early when `signal` fires), what time it is (ms; the
   * clock `sleep` waits on, default `Date.now`), and the jitter source in [0, 1).
   */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  readonly now?: () => number
  readonly random?: () => number
}

type Paths = paths
type GetOp<P extends keyof Paths> = Paths[P] extends { get: infer O } ? O : never
type OkBody<O> = O extends { responses: { 200: { content: { "application/json": infer B } } } } ? B : never
/**
 * The paths whose GET answers a JSON array (list endpoints).
 *
 * @since 0.1.0
 */
export type ListPath = {
  [P in keyof Paths]: OkBody<GetOp<P>> extends ReadonlyArray<unknown> ? P : never
}[keyof Paths]
/**
 * The paths that answer `{count}`.
 *
 * @since 0.1.0
 */
export type CountPath = Extract<keyof Paths, `${string}/count`>
type PathParams<P extends keyof Paths> =
  GetOp<P> extends { parameters: { path: infer X } } ? (X extends Record<string, unknown> ? X : never) : never
/**
 * The record type a path yields: the Schema's type where one applies, the generated type otherwise.
 *
 * @since 0.1.0
 */
export type RecordOf<P extends keyof Paths> = P extends RecordPath
  ? (typeof recordSchemas)[P]["Type"]
  : OkBody<GetOp<P>> extends ReadonlyArray<infer R>
    ? R
    : OkBody<GetOp<P>>

/**
 * Per-call options: aborting `signal` aborts the request in flight and any wait before a retry.
 *
 * @since 0.1.0
 */
export interface ConnectWiseRequestOptions {
  readonly signal?: AbortSignal
}

/**
 * Query options of list and count helpers.
 *
 * @since 0.1.0
 */
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

/**
 * A ConnectWise client: the typed `api` plus paging, counting and record helpers.
 *
 * @since 0.1.0
 */
export interface ConnectWiseClient {
  /**
   * The openapi-fetch client over our OpenAPI document. Non-2xx answers (after retries) throw
   * {@link ConnectWiseError}; a `signal` in the call's options aborts it.
   */
  readonly api: Client<Paths>
  /** Every record of a list endpoint, page by page (1,000 rows, forward-only where supported); `query.signal` aborts. */
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
    options?: ConnectWiseRequestOptions
  ) => Promise<RecordOf<P>>
  /**
   * Creates a record. A POST is retried only when nothing can have been created (connection
   * refused, 429), or when `idempotencyCheck` finds no record from the failed attempt; if it
   * finds one, that record is returned. `options.signal` aborts the request and any wait.
   */
  readonly create: <P extends ListPath>(
    path: P,
    body: unknown,
    options?: WithPath<P, ConnectWiseRequestOptions & { readonly idempotencyCheck?: () => Promise<unknown> }>
  ) => Promise<RecordOf<P>>
  /** Applies JSON Patch operations to one record and returns it as stored. */
  readonly patch: <P extends keyof Paths & `${string}{id}`>(
    path: P,
    params: PathParams<P>,
    operations: ReadonlyArray<PatchOperation>,
    options?: ConnectWiseRequestOptions
  ) => Promise<RecordOf<P>>
  /**
   * The invoice as ConnectWise rendered it for the customer (`GET /finance/invoices/{id}/pdf`),
   * as the PDF's bytes. A body that is not a whole PDF (cut short) is read again like a 5xx, and
   * rejects with a `DecodeError` once the retries are spent.
   */
  readonly invoicePdf: (invoiceId: number, options?: ConnectWiseRequestOptions) => Promise<Uint8Array>
  /** The API base URL in use (resolving the codebase first if needed). */
  readonly resolveBaseUrl: (options?: ConnectWiseRequestOptions) => Promise<string>
}

const INSPECT = Symbol.for("nodejs.util.inspect.custom")

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
 *
 * @since 0.1.0
 */
export const createConnectWiseClient = (options: ConnectWiseClientOptions): ConnectWiseClient => {
  const logger = options.logger ?? {}
  const site = options.site?.replace(/^https?:\/\//, "").replace(/\/$/, "")
  const limiter = new Limiter(options.maxConcurrency ?? 4)
  // Late-bound: the codebase lookup is itself a call through `api`.
  let raw: RawApi | undefined
  const resolveBaseUrl = makeBaseUrlResolver({
    baseUrl: options.baseUrl,
    site,
    codebase: options.codebase,
    lookUp: async (siteOrigin) => {
      const { data, response } = await raw!.GET(LOGIN_PATH, {
        baseUrl: siteOrigin,
        params: { path: { companyId: options.companyId } },
        parseAs: "text"
      })
      return { text: data, status: response.status }
    }
  })
  const routing = makeRouting({
    // Built once and kept in a closure only: never a property, so never printed or serialised.
    authorization: `Basic ${Buffer.from(`${options.companyId}+${options.publicKey}:${options.privateKey}`).toString("base64")}`,
    clientId: options.clientId,
    apiVersion: options.apiVersion ?? "2026.4",
    resolveBaseUrl
  })
  const fetchImpl = options.fetch ?? ((request: Request) => globalThis.fetch(request))
  const sleep = options.sleep ?? sleepUnlessAborted
  const transport = makeTransport({
    fetch: fetchImpl,
    timeoutMs: options.timeoutMs ?? 30_000,
    maxRetries: options.maxRetries ?? 5,
    retryBaseDelayMs: options.retryBaseDelayMs ?? 500,
    retryMaxDelayMs: options.retryMaxDelayMs ?? 30_000,
    sleep,
    random: options.random ?? Math.random,
    logger,
    templateOf: routing.templateOf,
    run: (task, signal) => limiter.run(task, signal),
    pacer: makePacer(options.now ?? Date.now, sleep)
  })
  const api = createClient<Paths>({
    baseUrl: options.baseUrl?.replace(/\/$/, "") ?? PLACEHOLDER,
    bodySerializer: (b: unknown) => stringifyJson(b),
    // openapi-fetch passes a second argument; the transport's second parameter is its own.
    fetch: (request: Request) => transport(request)
  })
  api.use(routing.middleware)
  raw = api as unknown as RawApi
  const paginate = makePaginate({ api: raw, resolveBaseUrl, logger })
  const operations = makeOperations(raw, transport)

  const client: ConnectWiseClient = {
    api,
    paginate: paginate as ConnectWiseClient["paginate"],
    listAll: (async (path: string, query?: Parameters<typeof paginate>[1]) => {
      const out: Array<unknown> = []
      for await (const record of paginate(path, query)) out.push(record)
      return out
    }) as ConnectWiseClient["listAll"],
    count: operations.count as ConnectWiseClient["count"],
    get: operations.get as ConnectWiseClient["get"],
    create: operations.create as ConnectWiseClient["create"],
    patch: operations.patch as ConnectWiseClient["patch"],
    // The PDF is the one answer that is not JSON: its bytes are read as they are.
    invoicePdf: async (invoiceId, request = {}) => {
      const { data } = await api.GET("/finance/invoices/{id}/pdf", {
        params: { path: { id: invoiceId } },
        parseAs: "arrayBuffer",
        ...(request.signal ? { signal: request.signal } : {})
      })
      const bytes = new Uint8Array(data ?? new ArrayBuffer(0))
      // Read again while cut short (the transport judges it); still not whole after the retries, a
      // typed error rather than half a PDF attached as the invoice.
      if (!isWholePdf(bytes)) {
        throw new ConnectWiseError({
          method: "GET",
          path: "/finance/invoices/{id}/pdf",
          status: 200,
          reason: new ConnectWiseDecodeError({
            message: `the PDF of invoice ${invoiceId} is not a whole PDF (${bytes.length} bytes)`,
            recordId: invoiceId
          })
        })
      }
      return bytes
    },
    resolveBaseUrl: (request: ConnectWiseRequestOptions = {}) => resolveBaseUrl(request.signal)
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
