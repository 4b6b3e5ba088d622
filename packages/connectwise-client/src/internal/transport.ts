/**
 * The `fetch` given to openapi-fetch: one logical request becomes up to `1 + maxRetries` attempts,
 * each under its own timeout and the concurrency limit, and every failure becomes a
 * {@link ConnectWiseError}. ConnectWise answers 429 before doing any work, so a 429 is retried for
 * every method. A read is retried after any transient failure; a write (POST, PUT, PATCH) only when
 * it provably never reached the server, or when the caller's look-up finds it did nothing. Else a
 * write whose outcome is unknown fails `AmbiguousWriteError`, for the caller to look it up.
 */
import type { ConnectWiseLogger } from "../Client.ts"
import {
  ConnectWiseAmbiguousWriteError,
  ConnectWiseError,
  type ConnectWiseErrorReason,
  ConnectWiseTimeoutError,
  ConnectWiseTransportError
} from "../ConnectWiseError.ts"
import { raceAbort } from "./abort.ts"
import type { Pacer, Ticket } from "./pacer.ts"
import { isWholePdf } from "./pdf.ts"
import { abortedReason, errorCode, reasonFor } from "./reasons.ts"

/** What the transport needs; every field is resolved from the client's options. */
export interface TransportConfig {
  readonly fetch: (request: Request) => Promise<Response>
  readonly timeoutMs: number
  readonly maxRetries: number
  readonly retryBaseDelayMs: number
  readonly retryMaxDelayMs: number
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>
  readonly random: () => number
  readonly logger: ConnectWiseLogger
  /** The path template a request was made for (errors and logs never name ids). */
  readonly templateOf: (request: Request) => string
  readonly run: <A>(task: () => Promise<A>, signal: AbortSignal) => Promise<A>
  /** Spaces requests out after a 429, at the rate ConnectWise accepted. */
  readonly pacer: Pacer
}

/** Asked before repeating a POST that may have reached the server: `true` when nothing was created. */
export type RetryCheck = () => Promise<boolean>

/** One request through retries; what openapi-fetch calls as its `fetch`. */
export type Transport = (request: Request, retryCheck?: RetryCheck) => Promise<Response>

/** Methods repeated freely: reads, and DELETE (deleting twice deletes once). */
const IDEMPOTENT = new Set(["GET", "HEAD", "DELETE", "OPTIONS"])
/** Writes, whose unknown outcome is the caller's to settle. */
const WRITES = new Set(["POST", "PUT", "PATCH"])
const RETRY_STATUS = new Set([502, 503, 504])
const NULL_BODY_STATUS = new Set([101, 204, 205, 304])

type Outcome =
  | { readonly response: Response; readonly ticket: Ticket }
  | { readonly error: unknown; readonly timedOut: boolean }
type Step =
  | { readonly response: Response }
  | { readonly retryInMs: number; readonly why: string }
  | { readonly reason: ConnectWiseErrorReason; readonly status?: number }

// A successful body is read inside the attempt, so the timeout and the caller's signal cover it
// and a body cut off mid-way is a transport failure like any other.
const buffered = async (response: Response): Promise<Response> => {
  if (!response.ok) return response
  const body = NULL_BODY_STATUS.has(response.status) ? null : await response.arrayBuffer()
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers })
}

/** Whether a JSON answer's body parses, and a PDF's is whole (other content types are not judged). */
const wholeJson = async (response: Response): Promise<boolean> => {
  const type = response.headers.get("content-type") ?? ""
  if (type.includes("application/pdf")) return isWholePdf(new Uint8Array(await response.clone().arrayBuffer()))
  if (!type.includes("json")) return true
  const text = await response.clone().text()
  if (text.trim() === "") return true
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

/** The reason of a write answered 2xx whose body does not decode (`detail` says how). */
export const ambiguousBody = (method: string, detail: string, field?: string): ConnectWiseAmbiguousWriteError =>
  new ConnectWiseAmbiguousWriteError({
    message: `The ${method} was answered 2xx, but its body ${detail}: it was written, and what was stored is unknown`,
    why: "body",
    ...(field === undefined ? {} : { field })
  })

/** Builds the transport. */
export const makeTransport = (config: TransportConfig): Transport => {
  const backoff = (attempt: number): number =>
    Math.min(config.retryMaxDelayMs, config.retryBaseDelayMs * 2 ** attempt) * (0.5 + config.random() / 2)

  // Every answer tells the pacer whether ConnectWise refused it for the rate.
  const paced = (outcome: { readonly response: Response; readonly ticket: Ticket }): Response => {
    const { response, ticket } = outcome
    if (response.status === 429) {
      const retryAfter = Number(response.headers.get("retry-after"))
      config.pacer.refused(ticket, Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1_000 : 0)
    } else config.pacer.accepted(ticket)
    return response
  }

  const attempt = async (request: Request, init: RequestInit, signal: AbortSignal): Promise<Outcome> => {
    const timer = new AbortController()
    let timedOut = false
    const timeout = setTimeout(() => {
      timedOut = true
      timer.abort()
    }, config.timeoutMs)
    try {
      const once = new Request(request.url, { ...init, signal: AbortSignal.any([signal, timer.signal]) })
      return await config.run(async () => {
        const ticket = await config.pacer.turn(signal)
        return { response: await config.fetch(once).then(buffered), ticket }
      }, signal)
    } catch (error) {
      return { error, timedOut }
    } finally {
      clearTimeout(timeout)
    }
  }

  const afterError = async (
    outcome: { readonly error: unknown; readonly timedOut: boolean },
    method: string,
    attemptNo: number,
    retryCheck: RetryCheck | undefined
  ): Promise<Step> => {
    const code = errorCode(outcome.error)
    // Refused means the request never reached a server: nothing can have been created.
    const provenUnsent = code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN"
    const reason = outcome.timedOut
      ? new ConnectWiseTimeoutError({ message: `No answer within ${config.timeoutMs} ms`, timeoutMs: config.timeoutMs })
      : new ConnectWiseTransportError({
          message: outcome.error instanceof Error ? outcome.error.message : "Network error",
          ...(code ? { code } : {})
        })
    const retryable =
      attemptNo < config.maxRetries &&
      (IDEMPOTENT.has(method) || provenUnsent || (retryCheck !== undefined && (await retryCheck())))
    if (retryable) return { retryInMs: backoff(attemptNo), why: reason._tag }
    if (WRITES.has(method) && !provenUnsent) {
      return {
        reason: new ConnectWiseAmbiguousWriteError({
          message: `The ${method} was sent but its outcome is unknown: ${reason.message}`,
          why: outcome.timedOut ? "timeout" : "transport"
        })
      }
    }
    return { reason }
  }

  const afterAnswer = async (
    response: Response,
    method: string,
    attemptNo: number,
    retryCheck: RetryCheck | undefined,
    signal: AbortSignal
  ): Promise<Step> => {
    if (response.ok) {
      // A 2xx read whose JSON body (or PDF) is cut short or garbled is as transient as a 5xx: ask again.
      // On a write it is an ambiguous outcome, left to the caller's look-up before retry.
      if (IDEMPOTENT.has(method) && attemptNo < config.maxRetries && !(await wholeJson(response))) {
        return { retryInMs: backoff(attemptNo), why: "malformed body" }
      }
      if (WRITES.has(method) && !(await wholeJson(response))) {
        await response.body?.cancel().catch(() => undefined)
        return { reason: ambiguousBody(method, "is not valid JSON"), status: response.status }
      }
      return { response }
    }
    const status = response.status
    const retryable =
      attemptNo < config.maxRetries &&
      (status === 429 ||
        (RETRY_STATUS.has(status) && (IDEMPOTENT.has(method) || (retryCheck !== undefined && (await retryCheck())))))
    if (!retryable && WRITES.has(method) && status >= 500) {
      const reason = await reasonFor(response, signal)
      if (reason._tag === "AbortedError") return { reason }
      return {
        reason: new ConnectWiseAmbiguousWriteError({
          message: `The ${method} was sent but ConnectWise answered ${status} (${reason.message}): it may have been written`,
          why: "server"
        }),
        status
      }
    }
    if (!retryable) return { reason: await reasonFor(response, signal), status }
    const retryAfter = Number(response.headers.get("retry-after"))
    await response.body?.cancel().catch(() => undefined)
    return {
      retryInMs:
        status === 429 && Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : backoff(attemptNo),
      why: `HTTP ${status}`
    }
  }

  return async (request, retryCheck) => {
    const method = request.method.toUpperCase()
    const path = config.templateOf(request)
    const signal = request.signal
    const fail = (reason: ConnectWiseErrorReason, status?: number): never => {
      throw new ConnectWiseError({ method, path, reason, ...(status !== undefined ? { status } : {}) })
    }
    if (signal.aborted) fail(abortedReason())
    const body = method === "GET" || method === "HEAD" ? undefined : await request.arrayBuffer()
    const init: RequestInit = { method, headers: request.headers, ...(body !== undefined ? { body } : {}) }
    for (let attemptNo = 0; ; attemptNo++) {
      const outcome = await attempt(request, init, signal)
      if ("error" in outcome && signal.aborted) fail(abortedReason())
      const step =
        "error" in outcome
          ? await afterError(outcome, method, attemptNo, retryCheck)
          : await afterAnswer(paced(outcome), method, attemptNo, retryCheck, signal)
      if ("response" in step) return step.response
      if ("reason" in step) return fail(step.reason, step.status)
      config.logger.warn?.("ConnectWise request failed; retrying", {
        method,
        path,
        reason: step.why,
        attempt: attemptNo + 1,
        delayMs: Math.round(step.retryInMs)
      })
      await raceAbort(
        config.sleep(step.retryInMs, signal),
        signal,
        () => new ConnectWiseError({ method, path, reason: abortedReason() })
      )
      if (signal.aborted) fail(abortedReason())
    }
  }
}
