/**
 * Faults the sandbox injects in front of both simulations, per system and per path, decided by a
 * seeded PRNG: the same seed and the same sequence of requests fail the same requests.
 */
import type { SandboxClock } from "../clock.ts"
import { Prng } from "../world/internal/Prng.ts"

/**
 * The two simulated systems.
 *
 * @since 0.1.0
 */
export type SandboxSystem = "connectwise" | "exact"

/**
 * What a fault does to a request it hits.
 *
 * - `latency`: waits `latencyMs` on the sandbox clock, then answers normally.
 * - `rateLimit`: a 429 with `Retry-After` (and Exact's minutely rate-limit headers); nothing happens.
 * - `serverError`: a 5xx (`status`, default 503) in the system's error shape; nothing happens.
 * - `drop`: the connection is cut without an answer; nothing happens.
 * - `timeout`: no answer until the caller gives up (or `hangMs` real milliseconds, then a 504).
 * - `malformed`: the request takes effect, then a 2xx answer arrives with its JSON body cut in half.
 *
 * @since 0.1.0
 */
export type FaultKind = "latency" | "rateLimit" | "serverError" | "drop" | "timeout" | "malformed"

/**
 * One fault rule. Omitted matchers match everything.
 *
 * @example
 * ```ts
 * // Bursts of three 429s on 20% of ConnectWise agreement reads, and one dropped Exact token call.
 * const faults: ReadonlyArray<FaultRule> = [
 *   { system: "connectwise", method: "GET", path: "/finance/agreements*", kind: "rateLimit", probability: 0.2, burst: 3 },
 *   { system: "exact", path: "oauth2/token", kind: "drop", limit: 1 }
 * ]
 * ```
 *
 * @since 0.1.0
 */
export interface FaultRule {
  readonly kind: FaultKind
  readonly system?: SandboxSystem
  readonly method?: string
  /**
   * A pattern for the path inside the system, `*` matching any run of characters, compared without
   * case. ConnectWise: the path after `/apis/3.0` (`/company/companies`, `/finance/agreements/12/additions`)
   * or `/login/companyinfo/{companyId}`. Exact Online: the path after `/api/v1/{division}/`
   * (`bulk/SalesInvoice/SalesInvoiceLines`, `current/Me`) or `oauth2/token`, `oauth2/auth`.
   */
  readonly path?: string
  /** The chance that a matching request (outside a burst) starts the fault. Default 1. */
  readonly probability?: number
  /** How many consecutive matching requests one start of the fault hits. Default 1. */
  readonly burst?: number
  /** How many times the fault may start at most. Default: no limit. */
  readonly limit?: number
  /** Matching requests to let through before the rule applies. Default 0. */
  readonly after?: number
  /** `latency`: the delay. Default 250 ms. */
  readonly latencyMs?: number
  /** `serverError`: the status. Default 503. */
  readonly status?: number
  /**
   * `serverError` on ConnectWise: the field-level `errors[]` of its error body, as ConnectWise sends
   * with a refused write (`{ code, message, field }` each). Default none.
   */
  readonly errors?: ReadonlyArray<{ readonly code?: string; readonly message?: string; readonly field?: string }>
  /** `rateLimit`: the `Retry-After` seconds. Default 1. */
  readonly retryAfterSeconds?: number
  /** `timeout`: real milliseconds before a 504 if the caller is still waiting. Default 60,000. */
  readonly hangMs?: number
}

/**
 * A fault that hit a request: which system, which request of that system (1-based, in arrival
 * order), and what happened.
 *
 * @since 0.1.0
 */
export interface FaultEvent {
  readonly system: SandboxSystem
  readonly sequence: number
  readonly method: string
  readonly path: string
  readonly kind: FaultKind
  /** The index of the rule in the order rules were added. */
  readonly rule: number
}

interface ActiveRule {
  readonly rule: FaultRule
  readonly index: number
  readonly pattern: RegExp | undefined
  readonly random: Prng
  seen: number
  starts: number
  burstLeft: number
}

const globToRegExp = (glob: string): RegExp =>
  new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`, "i")

/**
 * The fault rules of a sandbox, their seeded decisions and the log of faults that hit.
 *
 * @since 0.1.0
 */
export class SandboxFaults {
  /** Faults that hit, in order. */
  readonly log: Array<FaultEvent> = []
  /** Latency added to every request of a system, on the sandbox clock. */
  readonly latencyMs: Record<SandboxSystem, number> = { connectwise: 0, exact: 0 }
  private readonly rules: Array<ActiveRule> = []
  private readonly sequences: Record<SandboxSystem, number> = { connectwise: 0, exact: 0 }
  private added = 0

  /** The seed every rule's PRNG stream is derived from. */
  readonly seed: number

  constructor(seed: number, rules: ReadonlyArray<FaultRule> = []) {
    this.seed = seed
    for (const rule of rules) this.add(rule)
  }

  /** Adds a rule; its decisions come from its own stream of the seed, so adding rules never reshuffles others. */
  add(rule: FaultRule): void {
    const index = this.added++
    this.rules.push({
      rule,
      index,
      pattern: rule.path === undefined ? undefined : globToRegExp(rule.path),
      random: Prng.stream(this.seed, `sandbox-fault:${index}`),
      seen: 0,
      starts: 0,
      burstLeft: 0
    })
  }

  /** Removes every rule (the log and the request sequence numbers stay). */
  clear(): void {
    this.rules.length = 0
  }

  /** @internal Numbers a request and returns the rules that hit it, at most one of each kind. */
  decide(
    system: SandboxSystem,
    method: string,
    path: string
  ): { readonly sequence: number; readonly hits: ReadonlyArray<FaultRule> } {
    const sequence = ++this.sequences[system]
    const hits: Array<FaultRule> = []
    for (const active of this.rules) {
      const { rule } = active
      if (rule.system !== undefined && rule.system !== system) continue
      if (rule.method !== undefined && rule.method.toUpperCase() !== method) continue
      if (active.pattern && !active.pattern.test(path)) continue
      active.seen++
      if (active.seen <= (rule.after ?? 0)) continue
      let hit = false
      if (active.burstLeft > 0) {
        active.burstLeft--
        hit = true
      } else if (
        (rule.limit === undefined || active.starts < rule.limit) &&
        active.random.chance(rule.probability ?? 1)
      ) {
        active.starts++
        active.burstLeft = Math.max(1, rule.burst ?? 1) - 1
        hit = true
      }
      if (!hit || hits.some((h) => h.kind === rule.kind)) continue
      hits.push(rule)
      this.log.push({ system, sequence, method, path, kind: rule.kind, rule: active.index })
    }
    return { sequence, hits }
  }
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers }
  })

const errorBody = (
  system: SandboxSystem,
  status: number,
  message: string,
  errors?: ReadonlyArray<{ readonly code?: string; readonly message?: string; readonly field?: string }>
) =>
  system === "connectwise"
    ? {
        code: status === 429 ? "TooManyRequests" : "ConnectWiseApi",
        message,
        ...(errors === undefined ? {} : { errors })
      }
    : { error: { code: "", message: { lang: "en-US", value: message } } }

/**
 * Runs `answer` behind the faults that hit this request.
 *
 * @internal
 */
export const withFaults = async (
  faults: SandboxFaults,
  clock: SandboxClock,
  system: SandboxSystem,
  request: Request,
  path: string,
  answer: () => Promise<Response>
): Promise<Response> => {
  const method = request.method.toUpperCase()
  const { hits } = faults.decide(system, method, path)
  const hit = (kind: FaultKind) => hits.find((rule) => rule.kind === kind)
  const wait = async (ms: number) => {
    if (ms > 0) await clock.sleep(ms, request.signal).catch(() => {})
  }
  await wait(faults.latencyMs[system])
  const latency = hit("latency")
  if (latency) await wait(latency.latencyMs ?? 250)
  if (hit("drop")) return Response.error()
  const timeout = hit("timeout")
  if (timeout) {
    // Real time: the caller's timeout is a real timer, whatever clock the sandbox runs on.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeout.hangMs ?? 60_000)
      timer.unref?.()
      if (request.signal.aborted) resolve()
      request.signal.addEventListener("abort", () => {
        clearTimeout(timer)
        resolve()
      })
    })
    return json(504, errorBody(system, 504, "The upstream did not answer in time."))
  }
  const limited = hit("rateLimit")
  if (limited) {
    const seconds = limited.retryAfterSeconds ?? 1
    const headers: Record<string, string> = { "retry-after": String(seconds) }
    if (system === "exact") {
      headers["x-ratelimit-minutely-limit"] = "60"
      headers["x-ratelimit-minutely-remaining"] = "0"
      headers["x-ratelimit-minutely-reset"] = String(clock.now() + seconds * 1000)
    }
    return json(429, errorBody(system, 429, "Too many requests (injected)."), headers)
  }
  const failure = hit("serverError")
  if (failure) {
    const status = failure.status ?? 503
    return json(status, errorBody(system, status, `Simulated ${status} (injected).`, failure.errors))
  }
  const response = await answer()
  if (hit("malformed") && response.ok && response.type !== "error") {
    const text = await response.text()
    return new Response(text.slice(0, Math.max(1, text.length >> 1)), {
      status: response.status,
      headers: response.headers
    })
  }
  return response
}
