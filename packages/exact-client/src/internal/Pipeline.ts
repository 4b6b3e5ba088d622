/**
 * The `fetch` the typed client is created with: every API request goes through it, so the rate
 * governor, the token chain, timeouts, retries and the mapping of answers onto `ExactError` live
 * here once. Retries only where safe: 429 always after waiting; 5xx, timeouts and transport failures
 * on GET only; never 400/401/403/404 (Exact blocks a key after ten errors an hour). Every error
 * answer (4xx but 429) is counted in the `ErrorBudget`, and an endpoint with a spent budget is not
 * sent to at all.
 */
import type { Middleware } from "openapi-fetch"
import type { ExactClock } from "../Clock.ts"
import {
  ExactAbortedError,
  ExactDailyLimitExhaustedError,
  ExactError,
  ExactRateLimitedError,
  ExactTimeoutError,
  ExactTransportError
} from "../ExactError.ts"
import type { TokenSet } from "../TokenStore.ts"
import { sleep, untilAborted } from "./Abort.ts"
import type { Auth } from "./Auth.ts"
import type { BudgetGuard } from "./Budget.ts"
import { endpointOf, errorFor } from "./Endpoints.ts"
import type { Governor } from "./Governor.ts"
import type { Log, Secrets } from "./Redaction.ts"

/** A fetch of one `Request`, as openapi-fetch calls it. */
export type FetchFn = (request: Request) => Promise<Response>

const aborted = () => new ExactAbortedError({ message: "The call was aborted by its caller" })

/**
 * One HTTP exchange with a real-time timeout (it bounds real I/O, whatever the clock), cut short by
 * `signal`. Fails with a bare `ExactTimeoutError`, `ExactTransportError` or `ExactAbortedError` for the caller to place.
 */
export const exchange = async (
  doFetch: FetchFn,
  request: Request,
  options: { readonly timeoutMs: number; readonly signal?: AbortSignal | undefined; readonly secrets: Secrets }
): Promise<{ response: Response; text: string }> => {
  const { signal } = options
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort()
  }, options.timeoutMs)
  const onAbort = () => controller.abort()
  signal?.addEventListener("abort", onAbort, { once: true })
  try {
    if (signal?.aborted) throw aborted()
    const response = await doFetch(new Request(request, { signal: controller.signal }))
    const text = await response.text()
    return { response, text }
  } catch (cause) {
    if (signal?.aborted) throw aborted()
    if (timedOut) throw new ExactTimeoutError({ timeoutMs: options.timeoutMs })
    throw new ExactTransportError({
      message: options.secrets.redact(cause instanceof Error ? cause.message : String(cause))
    })
  } finally {
    clearTimeout(timer)
    signal?.removeEventListener("abort", onAbort)
  }
}

/** Whether a 2xx body is a whole JSON object (the `{ d: … }` envelope of every API read). */
const isEnvelope = (text: string): boolean => {
  try {
    const parsed: unknown = JSON.parse(text)
    return parsed !== null && typeof parsed === "object" && "d" in parsed
  } catch {
    return false
  }
}

/** Exact's headers on every API request: JSON answers, and the created record back from a POST. */
export const exactHeaders: Middleware = {
  onRequest({ request }) {
    request.headers.set("Accept", "application/json")
    if (request.method !== "GET" && request.method !== "HEAD") request.headers.set("Prefer", "return=representation")
    return request
  }
}

/** What the pipeline needs from the client. */
export interface PipelineDeps {
  readonly fetch: FetchFn
  readonly clock: ExactClock
  readonly timeoutMs: number
  readonly maxRetries: number
  readonly secrets: Secrets
  readonly log: Log
  readonly auth: Auth
  readonly governor: Governor
  readonly budget: BudgetGuard
}

interface Call {
  readonly url: URL
  readonly method: string
  readonly headers: Headers
  readonly body: string | undefined
  readonly signal: AbortSignal
  /** The governor's budget key: the division, or `current`. */
  readonly key: string
  readonly site: { readonly method: string; readonly endpoint: string }
}

type Attempt =
  | { readonly kind: "answered"; readonly response: Response; readonly text: string; readonly tokens: TokenSet }
  | { readonly kind: "lost"; readonly reason: ExactTimeoutError | ExactTransportError }

/** One attempt: a governor slot, the current access token, the exchange. */
const attempt = async (deps: PipelineDeps, call: Call): Promise<Attempt> => {
  const { method, endpoint } = call.site
  await deps.governor.acquire(call.key, method, endpoint, call.signal)
  let tokens: TokenSet
  try {
    // A refresh is never cut short (its answer rotates the chain): the caller just stops waiting.
    tokens = await untilAborted(deps.auth.current(), call.signal, call.site)
  } catch (error) {
    deps.governor.release(call.key, undefined)
    throw error
  }
  const headers = new Headers(call.headers)
  headers.set("Authorization", `Bearer ${tokens.accessToken}`)
  const started = deps.clock.now()
  try {
    const { response, text } = await exchange(
      deps.fetch,
      new Request(call.url, { method, headers, ...(call.body === undefined ? {} : { body: call.body }) }),
      { timeoutMs: deps.timeoutMs, signal: call.signal, secrets: deps.secrets }
    )
    deps.governor.release(call.key, response.headers)
    deps.log("debug", `exact: ${method} ${endpoint} ${response.status}`, { ms: deps.clock.now() - started })
    return { kind: "answered", response, text, tokens }
  } catch (reason) {
    deps.governor.release(call.key, undefined)
    if (reason instanceof ExactAbortedError) throw new ExactError({ reason, method, endpoint })
    if (!(reason instanceof ExactTimeoutError || reason instanceof ExactTransportError)) throw reason
    deps.log("warn", `exact: ${method} ${endpoint} failed: ${reason._tag.replace(/Error$/, "")}`)
    return { kind: "lost", reason }
  }
}

/** After a 429: fails fast when the day is spent, else waits for the minute's reset (or fails when `mayWait` is false). */
const onRateLimited = async (deps: PipelineDeps, call: Call, headers: Headers, mayWait: boolean): Promise<void> => {
  const dayRemaining = headers.get("X-RateLimit-Remaining")
  const dayReset = Number(headers.get("X-RateLimit-Reset") ?? Number.NaN)
  if (dayRemaining !== null && Number(dayRemaining) === 0 && Number.isFinite(dayReset)) {
    deps.log("warn", "exact: the division's daily budget is spent", { resetAt: new Date(dayReset).toISOString() })
    throw new ExactError({ reason: new ExactDailyLimitExhaustedError({ resetAt: dayReset }), ...call.site })
  }
  const wait = deps.governor.spentMinute(call.key, headers)
  if (!mayWait) {
    throw new ExactError({ reason: new ExactRateLimitedError({ resetAt: deps.clock.now() + wait }), ...call.site })
  }
  deps.log("info", "exact: 429 from Exact; waiting for the minute reset", { waitMs: wait })
  await sleep(deps.clock, wait, call.signal, call.site)
}

/** The pipeline as a fetch: resolves only with a 2xx answer, else rejects with an `ExactError`. */
export const pipelineFetch =
  (deps: PipelineDeps): FetchFn =>
  async (request) => {
    const url = new URL(request.url)
    const { endpoint, key } = endpointOf(url)
    const method = request.method
    const site = { method, endpoint }
    const body = method === "GET" || method === "HEAD" ? undefined : await request.text()
    const call: Call = { url, method, headers: request.headers, body, signal: request.signal, key, site }
    const safe = method === "GET"
    let failures = 0
    let waits = 0
    const backoff = async () => {
      failures++
      await sleep(deps.clock, 500 * 2 ** failures, call.signal, site)
    }
    // Access tokens a 401 refused in this call: each is recovered from once, so a retry is never blind.
    const refused = new Set<string>()
    const budgetSite = { key, ...site }
    for (;;) {
      const done = await deps.budget.admit(budgetSite)
      let outcome: Attempt
      try {
        outcome = await attempt(deps, call)
        if (outcome.kind === "answered") await deps.budget.count(budgetSite, outcome.response.status)
      } finally {
        done()
      }
      if (outcome.kind === "lost") {
        if (safe && failures < deps.maxRetries) {
          await backoff()
          continue
        }
        throw new ExactError({ reason: outcome.reason, ...site })
      }
      const { response, text, tokens } = outcome
      if (response.ok) {
        // A read whose body is cut short or is not the OData envelope is as transient as a 5xx.
        if (safe && failures < deps.maxRetries && !isEnvelope(text)) {
          deps.log("warn", `exact: ${method} ${endpoint} answered a malformed body; retrying`)
          await backoff()
          continue
        }
        return new Response(text, { status: response.status, headers: response.headers })
      }
      if (response.status === 401 && !refused.has(tokens.accessToken) && refused.size < 3) {
        refused.add(tokens.accessToken)
        const next = await untilAborted(deps.auth.recover(tokens), call.signal, site)
        if (next && !refused.has(next.accessToken)) continue
      }
      if (response.status === 429) {
        await onRateLimited(deps, call, response.headers, waits++ < 5)
        continue
      }
      if (response.status >= 500 && safe && failures < deps.maxRetries) {
        deps.log("warn", `exact: ${method} ${endpoint} ${response.status}; retrying`)
        await backoff()
        continue
      }
      throw errorFor({ status: response.status, text, headers: response.headers }, site, (t) => deps.secrets.redact(t))
    }
  }

/** The token endpoint's fetch: a timeout and nothing else (no governor, no token); failures as `ExactError`. */
export const tokenFetch =
  (deps: Pick<PipelineDeps, "fetch" | "timeoutMs" | "secrets">): FetchFn =>
  async (request) => {
    try {
      const { response, text } = await exchange(deps.fetch, request, deps)
      return new Response(text, { status: response.status, headers: response.headers })
    } catch (reason) {
      if (
        reason instanceof ExactTimeoutError ||
        reason instanceof ExactTransportError ||
        reason instanceof ExactAbortedError
      ) {
        throw new ExactError({ reason, method: "POST", endpoint: "oauth2/token" })
      }
      throw reason
    }
  }
