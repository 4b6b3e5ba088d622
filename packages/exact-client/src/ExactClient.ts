/**
 * `createExactClient`: the Exact Online REST client.
 *
 * One typed openapi-fetch client (`api`) does every call; the helpers below call it too. Its `fetch`
 * is the pipeline (`internal/Pipeline.ts`): the rate-limit governor, a current access token (refreshed
 * safely when due), a timeout, the mapping of Exact's answers onto `ExactError`, and retries only
 * where they are safe (429 always after waiting; 5xx, timeouts and transport failures on GET only;
 * never 400/401/403/404 — Exact blocks a key after ten errors an hour). The helpers read bodies as
 * text and parse them themselves, so decimals keep their digits.
 *
 * @since 0.1.0
 */
import createClient, { type Client } from "openapi-fetch"
import { type ExactClock, systemClock } from "./Clock.ts"
import { type ErrorBudget, memoryErrorBudget } from "./ErrorBudget.ts"
import type { paths } from "./generated/exact.ts"
import { untilAborted } from "./internal/Abort.ts"
import { Auth } from "./internal/Auth.ts"
import { budgetGuard } from "./internal/Budget.ts"
import { attachDocument, createSalesEntry } from "./internal/Entries.ts"
import { Governor } from "./internal/Governor.ts"
import { oauthFace, tokenEndpoint } from "./internal/OAuth.ts"
import { listAll, paginate, readMe } from "./internal/Paging.ts"
import { exactHeaders, pipelineFetch, tokenFetch } from "./internal/Pipeline.ts"
import { makeLog, Secrets } from "./internal/Redaction.ts"
import {
  createAccount,
  createSalesInvoice,
  findSalesInvoiceByYourRef,
  processSalesInvoice,
  type Writer
} from "./internal/Writes.ts"
import type { DecimalLiteral, Filter } from "./OData.ts"
import { type Account, Division, type decodeWith, type Me, type SalesEntry, type SalesInvoice } from "./Records.ts"
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
  /**
   * Where error answers are counted per division and endpoint (Exact blocks at ten an hour); share
   * one durable budget between all workers of a division. Default: this process's memory.
   */
  readonly errorBudget?: ErrorBudget
}

/**
 * What every network call accepts: a signal that, when it fires, aborts the call's request (and any
 * wait for the rate limit or a retry) and rejects it with an `ExactError` whose reason is `ExactAbortedError`.
 *
 * @since 0.1.0
 */
export interface ExactRequestOptions {
  readonly signal?: AbortSignal | undefined
}

/**
 * Query options of `paginate` and `listAll`.
 *
 * @since 0.1.0
 */
export interface ListOptions<A = Record<string, unknown>> extends ExactRequestOptions {
  readonly filter?: Filter | string
  readonly select?: ReadonlyArray<string>
  readonly expand?: ReadonlyArray<string>
  readonly orderby?: string
  readonly top?: number
  /** Use the `bulk/` endpoint: 1,000 rows a page; `select` is then required. */
  readonly bulk?: boolean
  /**
   * Asks Exact to count the matching records (`$inlinecount=allpages`) and calls this with the count
   * when the first page arrives (`undefined` if Exact gave none), before any record is yielded: a
   * caller can stop paging when reading everything would cost more than another way.
   */
  readonly onCount?: ((count: number | undefined) => void) | undefined
  readonly division?: number
  /** Decode every record with this schema (e.g. `SalesInvoice`); a bad record fails with a `Decode` reason. */
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
  /** The line's VAT as the source charged it; Exact computes it from the VAT code when absent. */
  readonly VATAmountFC?: DecimalInput
  readonly Description?: string
  readonly UnitCode?: string
  readonly CostCenter?: string
  readonly DeliveryDate?: Date
}

/**
 * A sales-entry line to create: a revenue GL account, the net amount and the VAT charged on it.
 *
 * @since 0.1.0
 */
export interface SalesEntryLineDraft {
  /** GL account ID (GUID). */
  readonly GLAccount: string
  /** Net amount, excluding VAT (negative on a credit note). */
  readonly AmountFC: DecimalInput
  /** The VAT charged on the line; Exact computes it from the VAT code when absent. */
  readonly VATAmountFC?: DecimalInput
  readonly VATCode?: string
  readonly Quantity?: DecimalInput
  readonly Description?: string
}

/**
 * A sales entry to create: books the receivable directly, with no invoice document. `YourRef`
 * comes from the `yourRef` option.
 *
 * @since 0.1.0
 */
export interface SalesEntryDraft {
  /** Customer account ID (GUID). */
  readonly Customer: string
  /** Sales journal code, e.g. "70". */
  readonly Journal: string
  /** The entry's number in its journal (unique there); Exact assigns the next one when absent. */
  readonly EntryNumber?: number
  readonly EntryDate: Date
  readonly DueDate?: Date
  readonly Currency?: string
  /** Exchange rate to the division's currency, when the entry is in another currency. */
  readonly Rate?: DecimalInput
  readonly Description?: string
  readonly PaymentCondition?: string
  readonly PaymentReference?: string
  readonly SalesEntryLines: ReadonlyArray<SalesEntryLineDraft>
}

/**
 * The result of `createSalesEntry`: the entry as Exact booked it, and whether this call created it.
 *
 * @since 0.1.0
 */
export interface CreatedSalesEntry {
  readonly entry: SalesEntry
  /** `false` when the entry was there already (found after an ambiguous failure). */
  readonly created: boolean
}

/**
 * A file to attach to a booked entry as an Exact document.
 *
 * @since 0.1.0
 */
export interface DocumentDraft {
  readonly Subject: string
  /** Exact's document type (10 is a sales invoice). */
  readonly Type: number
  readonly Account?: string
  /**
   * What the document belongs to: a sales entry's `EntryID`, or a sales invoice's `InvoiceID`
   * (Exact's metadata: for a sales invoice's document this field is the invoice's `InvoiceID`).
   */
  readonly FinancialTransactionEntryID?: string
  readonly DocumentDate?: Date
  readonly fileName: string
  readonly bytes: Uint8Array
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
    options?: ExactRequestOptions
  ): Promise<{ readonly obtainedAt: number; readonly expiresAt: number }>
  /** Refreshes if Exact allows it, so an idle chain does not die after 30 days. Run it daily. */
  keepAlive(options?: ExactRequestOptions): Promise<{ readonly refreshed: boolean; readonly expiresAt: number }>
  /** Whether a chain is stored, and its times (never the tokens). */
  status(): Promise<{ readonly authorised: boolean; readonly obtainedAt?: number; readonly expiresAt?: number }>
}

/**
 * The client `createExactClient` returns.
 *
 * @since 0.1.0
 */
export interface ExactClient {
  /**
   * The typed `openapi-fetch` client every helper uses, over the same pipeline (auth, governor,
   * retries, errors: a non-2xx answer rejects with `ExactError`). Its default JSON parse rounds
   * decimals: for money use the helpers, or `parseAs: "text"` and `parseExactJson`.
   */
  readonly api: Client<paths>
  readonly auth: ExactAuth
  readonly baseUrl: string
  /** The signed-in user and their current division. */
  me(options?: ExactRequestOptions): Promise<Me>
  /** The division in use: `options.division`, else `me().CurrentDivision` (asked once). */
  division(options?: ExactRequestOptions): Promise<number>
  /** The divisions the user can open. */
  divisions(options?: ExactRequestOptions): Promise<ReadonlyArray<Division>>
  /** Every record of an endpoint, page by page (following `__next`). */
  paginate<A = Record<string, unknown>>(endpoint: string, options?: ListOptions<A>): AsyncGenerator<A, void, undefined>
  /** `paginate` collected into an array. */
  listAll<A = Record<string, unknown>>(endpoint: string, options?: ListOptions<A>): Promise<Array<A>>
  /** The sales invoice with this `YourRef` (lines expanded), if any. */
  findSalesInvoiceByYourRef(
    yourRef: string,
    options?: { readonly division?: number } & ExactRequestOptions
  ): Promise<SalesInvoice | undefined>
  /**
   * Creates a sales invoice at most once per `yourRef`, even across retries and crashes: it looks
   * for the invoice by `YourRef` before the first attempt and after an ambiguous failure. Callers
   * that have read the existing invoices in bulk pass `lookupFirst: false` to spare the first look-up.
   */
  createSalesInvoice(
    invoice: SalesInvoiceDraft,
    options: {
      readonly yourRef: string
      readonly lookupFirst?: boolean
      readonly division?: number
    } & ExactRequestOptions
  ): Promise<CreatedSalesInvoice>
  /** Processes (prints) a sales invoice so that payments and reminders apply. */
  processSalesInvoice(
    invoiceId: string,
    options?: {
      readonly invoiceDate?: Date
      readonly sendEmailToCustomer?: boolean
      readonly division?: number
    } & ExactRequestOptions
  ): Promise<ProcessedSalesInvoice>
  /**
   * Creates a sales entry with its lines in the same POST, at most once: after an ambiguous
   * failure it looks for the entry (journal and entry number, else `YourRef`) before any retry.
   * Callers that have read the existing entries in bulk pass `lookupFirst: false` to spare the
   * look-up before the first attempt.
   */
  createSalesEntry(
    entry: SalesEntryDraft,
    options: {
      readonly yourRef: string
      readonly lookupFirst?: boolean
      readonly division?: number
    } & ExactRequestOptions
  ): Promise<CreatedSalesEntry>
  /**
   * Stores a file as an Exact document (`documents/Documents` then `DocumentAttachments`). With
   * `document`, the file is attached to that existing document (one that was created without its
   * attachment, e.g. by a run that died between the two POSTs) and no document is created. After
   * an ambiguous failure each POST looks for what it would have made (the document by
   * `FinancialTransactionEntryID` and `Subject`, the attachment by its document) before a retry,
   * so a fault never doubles either; a document linked to no booking is not retried.
   */
  attachDocument(
    document: DocumentDraft,
    options?: { readonly division?: number; readonly document?: string | undefined } & ExactRequestOptions
  ): Promise<{ readonly documentId: string; readonly attachmentId: string }>
  /** Creates a customer account. */
  createAccount(
    account: { readonly Name: string; readonly Code?: string } & Readonly<Record<string, string | boolean | undefined>>,
    options?: { readonly division?: number } & ExactRequestOptions
  ): Promise<Account>
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
 * await exact.auth.exchangeCode(code) // the `code` Exact sent to redirectUri after the user's consent
 * for await (const line of exact.paginate("salesinvoice/SalesInvoiceLines", {
 *   bulk: true,
 *   select: ["ID", "InvoiceID", "ItemCode", "Quantity", "NetPrice"]
 * })) {
 *   // line.Quantity keeps its digits: a whole number stays a number (3), a decimal is its literal as a
 *   // string ("12.5"), never a rounded double
 * }
 * ```
 *
 * @since 0.1.0
 */
export const createExactClient = (options: ExactClientOptions): ExactClient => {
  const baseUrl = (options.baseUrl ?? exactRegionHosts[options.region ?? "nl"]).replace(/\/+$/, "")
  const clock = options.clock ?? systemClock
  const doFetch = options.fetch ?? ((request: Request) => globalThis.fetch(request))
  const timeoutMs = options.timeoutMs ?? 60_000
  const apiBase = `${baseUrl}/api`

  const secrets = new Secrets([options.clientSecret])
  const log = makeLog(options.logger, secrets)
  const tokenApi = createClient<paths>({ baseUrl: apiBase, fetch: tokenFetch({ fetch: doFetch, timeoutMs, secrets }) })
  const call = tokenEndpoint(tokenApi, options, secrets)
  const auth = new Auth(options.tokens, clock, call, log, (secret) => secrets.remember(secret))
  const governor = new Governor(clock, (ms, key) =>
    log("info", "exact: minute budget spent; waiting for the reset", { division: key, waitMs: ms })
  )
  const api = createClient<paths>({
    baseUrl: apiBase,
    fetch: pipelineFetch({
      fetch: doFetch,
      clock,
      timeoutMs,
      maxRetries: options.maxRetries ?? 3,
      secrets,
      log,
      auth,
      governor,
      budget: budgetGuard({
        errorBudget: options.errorBudget ?? memoryErrorBudget(),
        now: () => clock.now(),
        secrets,
        log
      })
    })
  })
  api.use(exactHeaders)

  let divisionPromise: Promise<number> | undefined
  const division = (override: number | undefined, signal: AbortSignal | undefined): Promise<number> => {
    if (override !== undefined) return Promise.resolve(override)
    if (options.division !== undefined) return Promise.resolve(options.division)
    if (!divisionPromise) {
      // Shared by every caller, so no caller's signal aborts it: each stops waiting on its own.
      divisionPromise = readMe(writer, undefined).then((user) => user.CurrentDivision)
      divisionPromise.catch(() => {
        divisionPromise = undefined
      })
    }
    return untilAborted(divisionPromise, signal, { method: "GET", endpoint: "current/Me" })
  }
  const writer: Writer = { api, apiBase, division, clock, log }

  const client: ExactClient = {
    api,
    auth: oauthFace({ app: options, baseUrl, clock, auth, call, secrets, log }),
    baseUrl,
    me: (meOptions = {}) => readMe(writer, meOptions.signal),
    division: (divisionOptions = {}) => division(undefined, divisionOptions.signal),
    divisions: (divisionsOptions = {}) =>
      listAll(writer, "system/Divisions", { schema: Division, signal: divisionsOptions.signal }),
    paginate: (endpoint, listOptions) => paginate(writer, endpoint, listOptions),
    listAll: (endpoint, listOptions) => listAll(writer, endpoint, listOptions),
    findSalesInvoiceByYourRef: (...args) => findSalesInvoiceByYourRef(writer, ...args),
    createSalesInvoice: (...args) => createSalesInvoice(writer, ...args),
    processSalesInvoice: (...args) => processSalesInvoice(writer, ...args),
    createAccount: (...args) => createAccount(writer, ...args),
    createSalesEntry: (...args) => createSalesEntry(writer, ...args),
    attachDocument: (...args) => attachDocument(writer, ...args)
  }
  // What a console.log or a JSON dump of the client shows: no options, no secrets.
  Object.defineProperty(client, Symbol.for("nodejs.util.inspect.custom"), {
    value: () => `ExactClient { baseUrl: ${JSON.stringify(baseUrl)} }`
  })
  Object.defineProperty(client, "toJSON", { value: () => ({ baseUrl }) })
  return client
}
