import { createExactSimulation, type ExactSimulation, seedExactDivision, startExactServer } from "@psa-ledger/sandbox"
import { Effect, Fiber } from "effect"
import { afterEach, describe, expect, it, vi } from "vitest"
import { createExactClient, ExactError, memoryTokenStore } from "../src/index.ts"
import { app } from "./helpers.ts"

/**
 * A real HTTP server over a simulation that holds chosen API requests for `holdMs` and records
 * whether the client closed the connection while it waited (the server sees its request aborted).
 */
const slowServer = async (options: { readonly minutelyLimit?: number } = {}) => {
  const sim = createExactSimulation({ apps: [app], ...options })
  const seen = { held: 0, closedByClient: 0 }
  let slow: (url: URL, method: string) => boolean = () => false
  const holdMs = 10_000
  const handle = async (request: Request): Promise<Response> => {
    const url = new URL(request.url)
    if (slow(url, request.method)) {
      seen.held++
      const closed = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), holdMs)
        request.signal.addEventListener(
          "abort",
          () => {
            clearTimeout(timer)
            resolve(true)
          },
          { once: true }
        )
      })
      if (closed) {
        seen.closedByClient++
        return new Response(null, { status: 499 })
      }
    }
    return sim.handle(request)
  }
  const server = await startExactServer({ handle } as ExactSimulation)
  servers.push(server)
  const exact = createExactClient({ ...app, baseUrl: server.url, tokens: memoryTokenStore(), division: 1001 })
  await exact.auth.exchangeCode(sim.authorize())
  return {
    sim,
    exact,
    seen,
    slowWhen: (predicate: (url: URL, method: string) => boolean) => {
      slow = predicate
    }
  }
}

const servers: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

/**
 * Aborts once `when` holds (polled; a number means that many ms from now) and returns how long the
 * call took to reject after the abort, and with what. Waiting for the server to hold the request,
 * rather than for a fixed time, keeps the test honest on a loaded machine.
 */
const abortWhen = async (when: number | (() => boolean), call: (signal: AbortSignal) => Promise<unknown>) => {
  const controller = new AbortController()
  const due = typeof when === "number" ? Date.now() + when : 0
  const ready = typeof when === "number" ? () => Date.now() >= due : when
  let abortedAt = 0
  const poll = setInterval(() => {
    if (!ready()) return
    clearInterval(poll)
    abortedAt = Date.now()
    controller.abort()
  }, 5)
  try {
    await call(controller.signal)
  } catch (error) {
    return { error, elapsed: Date.now() - abortedAt }
  } finally {
    clearInterval(poll)
  }
  throw new Error("expected the call to reject")
}

const expectAborted = (error: unknown) => {
  expect(error).toBeInstanceOf(ExactError)
  expect((error as ExactError).reason._tag).toBe("AbortedError")
}

describe("AbortSignal", () => {
  it("aborts an in-flight GET: the server sees the connection close and the call rejects at once", async () => {
    const { exact, seen, slowWhen } = await slowServer()
    slowWhen((url) => url.pathname.endsWith("/current/Me"))
    const { error, elapsed } = await abortWhen(
      () => seen.held === 1,
      (signal) => exact.me({ signal })
    )
    expectAborted(error)
    expect(elapsed).toBeLessThan(2_000)
    await vi.waitFor(() => expect(seen.closedByClient).toBe(1))
  })

  it("aborts listAll on its second page", async () => {
    const { sim, exact, seen, slowWhen } = await slowServer()
    seedExactDivision(sim, { accounts: 130 })
    slowWhen((url) => url.pathname.endsWith("/crm/Accounts") && url.searchParams.has("$skiptoken"))
    const { error, elapsed } = await abortWhen(
      () => seen.held === 1,
      (signal) => exact.listAll("crm/Accounts", { select: ["ID"], signal })
    )
    expectAborted(error)
    expect((error as ExactError).endpoint).toBe("crm/Accounts")
    expect(elapsed).toBeLessThan(2_000)
    await vi.waitFor(() => expect(seen.closedByClient).toBe(1))
  })

  it("aborts an in-flight POST without looking up or retrying it", async () => {
    const { sim, exact, seen, slowWhen } = await slowServer()
    const seeded = seedExactDivision(sim)
    slowWhen((url, method) => method === "POST" && url.pathname.endsWith("/salesinvoice/SalesInvoices"))
    sim.resetCounters()
    const { error, elapsed } = await abortWhen(
      () => seen.held === 1,
      (signal) =>
        exact.createSalesInvoice(
          { OrderedBy: seeded.accounts[0]!.ID, SalesInvoiceLines: [{ Item: seeded.items[0]!.ID, Quantity: "1" }] },
          { yourRef: "CW-ABORT", signal }
        )
    )
    expectAborted(error)
    expect(elapsed).toBeLessThan(2_000)
    await vi.waitFor(() => expect(seen.closedByClient).toBe(1))
    // One lookup before the POST, the POST itself, and nothing after.
    expect(sim.requestCount("GET salesinvoice/SalesInvoices")).toBe(1)
    expect(seen.held).toBe(1)
  })

  it("cuts short a wait for the minute's rate limit", async () => {
    const { exact } = await slowServer({ minutelyLimit: 0 })
    const { error, elapsed } = await abortWhen(300, (signal) => exact.listAll("vat/VATCodes", { signal }))
    expectAborted(error)
    expect(elapsed).toBeLessThan(2_000)
  })

  it("sends nothing when the signal has already fired", async () => {
    const { sim, exact } = await slowServer()
    sim.resetCounters()
    const error = await exact.me({ signal: AbortSignal.abort() }).catch((e: unknown) => e)
    expectAborted(error)
    expect(sim.requestCount()).toBe(0)
  })

  it("aborts a call made through the typed api", async () => {
    const { exact, seen, slowWhen } = await slowServer()
    slowWhen((url) => url.pathname.endsWith("/current/Me"))
    const { error, elapsed } = await abortWhen(
      () => seen.held === 1,
      (signal) => exact.api.GET("/v1/current/Me", { signal })
    )
    expectAborted(error)
    expect(elapsed).toBeLessThan(2_000)
    await vi.waitFor(() => expect(seen.closedByClient).toBe(1))
  })

  it("lets an interrupted Effect abort the request it waits on", async () => {
    const { exact, seen, slowWhen } = await slowServer()
    slowWhen((url) => url.pathname.endsWith("/current/Me"))
    const fiber = Effect.runFork(Effect.tryPromise((signal) => exact.me({ signal })))
    await vi.waitFor(() => expect(seen.held).toBe(1))
    const started = Date.now()
    await Effect.runPromise(Fiber.interrupt(fiber))
    expect(Date.now() - started).toBeLessThan(2_000)
    await vi.waitFor(() => expect(seen.closedByClient).toBe(1))
  })
})
