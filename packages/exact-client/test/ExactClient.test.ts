import { inspect } from "node:util"
import { seedExactDivision } from "@psa-ledger/sandbox"
import { BigDecimal } from "effect"
import { describe, expect, it } from "vitest"
import { Account, ExactError, Item, Me, memoryTokenStore, odata, SalesInvoice, SalesInvoiceLine } from "../src/index.ts"
import { app, recordingStore, useMsw, world } from "./helpers.ts"

useMsw()

const rejection = async (promise: Promise<unknown>): Promise<ExactError> => {
  try {
    await promise
  } catch (error) {
    if (error instanceof ExactError) return error
    throw error
  }
  throw new Error("expected a rejection")
}

describe("OAuth", () => {
  it("runs the authorization-code flow: consent URL, redirect with code and state, exchange, calls", async () => {
    const { sim, client } = world()
    const exact = client()
    const url = new URL(exact.auth.authorizeUrl({ state: "csrf-123" }))
    expect(url.origin + url.pathname).toBe("https://start.exactonline.nl/api/oauth2/auth")
    expect(url.searchParams.get("client_id")).toBe(app.clientId)
    expect(url.searchParams.get("response_type")).toBe("code")
    // The consent page: the user picks the administration and grants access; the answer redirects.
    const page = await sim.handle(new Request(url))
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('name="division"')
    const form = new URLSearchParams(url.searchParams)
    form.set("division", "1001")
    const consent = await sim.handle(
      new Request(`${url.origin}${url.pathname}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: form
      })
    )
    const redirect = new URL(consent.headers.get("Location") ?? "")
    expect(redirect.searchParams.get("state")).toBe("csrf-123")
    await exact.auth.exchangeCode(redirect.searchParams.get("code") ?? "")
    expect((await exact.auth.status()).authorised).toBe(true)
    const me = await exact.me()
    expect(me.CurrentDivision).toBe(1001)
    expect(await exact.division()).toBe(1001)
    // The code was single-use.
    const again = await rejection(exact.auth.exchangeCode(redirect.searchParams.get("code") ?? ""))
    expect(again.reason._tag).toBe("UnauthorizedError")
  })

  it("uses an access token until its last 30 s and never refreshes within 570 s", async () => {
    const { sim, clock, client, authorise } = world()
    const exact = client()
    await authorise(exact)
    const start = clock.now()
    await clock.sleep(569_000)
    await exact.me()
    expect(sim.stats.refreshes).toBe(0)
    await clock.sleep(2_000)
    expect(clock.now() - start).toBeGreaterThanOrEqual(570_000)
    await exact.me()
    expect(sim.stats.refreshes).toBe(1)
    expect(sim.stats.earlyRefreshes).toBe(0)
  })

  it("recovers an access token that expired in flight after a slow token answer, without an early refresh", async () => {
    const { sim, clock, client } = world()
    // Every token answer arrives 45 s after Exact issued it, and chosen API requests take 40 s to arrive:
    // a client that dated the token by the answer's arrival would believe it valid 45 s too long.
    let slowApi = false
    const exact = client({
      division: 1001,
      fetch: async (request) => {
        const isToken = new URL(request.url).pathname.endsWith("/oauth2/token")
        if (!isToken && slowApi) await clock.sleep(40_000)
        const response = await globalThis.fetch(request)
        if (isToken) await clock.sleep(45_000)
        return response
      }
    })
    const issued = clock.now()
    await exact.auth.exchangeCode(sim.authorize())
    // 1. A call in what the client could take for the token's last minute, but after Exact's expiry.
    await clock.sleep(issued + 605_000 - clock.now())
    await exact.me()
    expect(sim.stats.refreshes).toBe(1)
    // 2. A call sent 35 s before the (new) token's expiry that reaches Exact 5 s after it.
    const second = (await exact.auth.status()).obtainedAt ?? 0
    await clock.sleep(second - 45_000 + 565_000 - clock.now())
    slowApi = true
    await exact.me()
    slowApi = false
    expect(sim.stats.refreshes).toBe(2)
    expect(sim.stats.earlyRefreshes).toBe(0)
    expect(sim.stats.brokenChains).toBe(0)
    // The only error Exact counted is the in-flight expiry the client recovered from.
    expect(sim.stats.errors).toBe(1)
  })

  it("recovers again when the retry, sent with another worker's newer token, also expires in flight", async () => {
    const { sim, clock, client, authorise } = world()
    const tokens = memoryTokenStore()
    // Real stalls in a row: the first request and its retry both reach Exact late.
    const stalls: Array<number> = []
    const stalled = client({
      division: 1001,
      tokens,
      fetch: async (request) => {
        const stall = stalls.shift() ?? 0
        if (stall > 0) await clock.sleep(stall)
        return globalThis.fetch(request)
      }
    })
    const other = client({ division: 1001, tokens })
    const start = clock.now()
    await authorise(other)
    await stalled.me() // caches the first token
    await clock.sleep(start + 565_000 - clock.now())
    stalls.push(40_000, 580_000)
    // Sent at 565 s with the first token, it arrives at 605 s, after that token expired.
    const slow = stalled.me()
    await clock.sleep(15_000)
    await other.me() // meanwhile rotates at 580 s: the retry uses this token and arrives after it expired too
    await slow
    expect(sim.stats.refreshes).toBe(2)
    expect(sim.stats.brokenChains).toBe(0)
    expect(sim.stats.earlyRefreshes).toBe(0)
    expect(sim.stats.errors).toBe(2)
  })

  it("after a 401, does not force a refresh of a newer stored token that is due but not yet refreshable", async () => {
    const { sim, clock, client, authorise } = world()
    const tokens = memoryTokenStore()
    const stalls: Array<number> = []
    let lockStall = 0
    const stalled = client({
      division: 1001,
      // The lock is slow to come: by then the other worker's token is in its last 30 s.
      tokens: {
        load: () => tokens.load(),
        compareAndSet: (previous, next) => tokens.compareAndSet(previous, next),
        withLock: async (fn) => {
          const stall = lockStall
          lockStall = 0
          if (stall > 0) await clock.sleep(stall)
          return tokens.withLock(fn)
        }
      },
      fetch: async (request) => {
        const stall = stalls.shift() ?? 0
        if (stall > 0) await clock.sleep(stall)
        return globalThis.fetch(request)
      }
    })
    // The other worker's token answers arrive 45 s after Exact issued them.
    const other = client({
      division: 1001,
      tokens,
      fetch: async (request) => {
        const response = await globalThis.fetch(request)
        if (new URL(request.url).pathname.endsWith("/oauth2/token")) await clock.sleep(45_000)
        return response
      }
    })
    const start = clock.now()
    await authorise(other)
    await stalled.me() // caches the first token
    await clock.sleep(start + 565_000 - clock.now())
    stalls.push(40_000)
    lockStall = 595_000
    // Sent at 565 s, it reaches Exact at 605 s, after the first token expired; the lock comes at 1,200 s.
    const slow = stalled.me()
    await clock.sleep(55_000)
    await other.me() // rotates at 620 s (saved at 665 s): due from 1,190 s, refreshable from 1,235 s
    await slow
    expect(sim.stats.refreshes).toBe(1)
    expect(sim.stats.earlyRefreshes).toBe(0)
    expect(sim.stats.errors).toBe(1)
  })

  it("shares one token chain between eight concurrent clients: 200 refreshes over simulated days, none broken", async () => {
    const { sim, clock, client, authorise } = world({ dailyLimit: 1_000_000 })
    const tokens = memoryTokenStore()
    const clients = Array.from({ length: 8 }, () => client({ tokens, division: 1001 }))
    await authorise(clients[0]!)
    while (sim.stats.refreshes < 200) {
      // Every client calls at once, one token lifetime apart: all eight see the same token fall due,
      // and exactly one of them may refresh it.
      await Promise.all(clients.map((exact) => exact.listAll("vat/VATCodes")))
      await clock.sleep(600_000)
    }
    expect(sim.stats.refreshes).toBe(200)
    expect(sim.stats.brokenChains).toBe(0)
    expect(sim.stats.earlyRefreshes).toBe(0)
    expect(sim.stats.errors).toBe(0)
    expect(clock.now() - Date.UTC(2026, 1, 2, 8)).toBeGreaterThan(200 * 570_000)
    // 1,600 requests through msw: generous for a loaded two-core CI machine.
  })

  it("keepAlive refreshes an idle chain so it outlives 30 days; without it the chain dies", async () => {
    const kept = world()
    const exact = kept.client({ division: 1001 })
    await kept.authorise(exact)
    for (let day = 0; day < 35; day++) {
      await kept.clock.sleep(86_400_000)
      if (day % 7 === 0) expect((await exact.auth.keepAlive()).refreshed).toBe(true)
    }
    await exact.me()
    const idle = world()
    const lazy = idle.client({ division: 1001 })
    await idle.authorise(lazy)
    await idle.clock.sleep(31 * 86_400_000)
    expect((await rejection(lazy.me())).reason._tag).toBe("TokenChainBrokenError")
  })
})

describe("rate limits", () => {
  it("completes 150 requests against a budget of 60 a minute with no 429 reaching the caller", async () => {
    const { sim, clock, client, authorise } = world()
    const exact = client({ division: 1001 })
    await authorise(exact)
    const start = clock.now()
    const results = await Promise.all(Array.from({ length: 150 }, () => exact.listAll("vat/VATCodes")))
    expect(results).toHaveLength(150)
    expect(sim.requestCount("GET vat/VATCodes")).toBe(150 + sim.stats.rateLimited)
    expect(sim.stats.rateLimited).toBe(0)
    // 150 calls at 60 a minute need at least two resets.
    expect(clock.now() - start).toBeGreaterThanOrEqual(120_000)
  })

  it("fails fast with DailyLimitExhaustedError, carrying the reset, once the day's budget is spent", async () => {
    const { sim, client, authorise } = world()
    const exact = client({ division: 1001 })
    await authorise(exact)
    sim.setDailyUsed(1001, 4_999)
    await exact.listAll("vat/VATCodes")
    const before = sim.requestCount()
    const error = await rejection(exact.listAll("vat/VATCodes"))
    expect(error.reason._tag).toBe("DailyLimitExhaustedError")
    expect(error.reason._tag === "DailyLimitExhaustedError" && error.reason.resetAt).toBe(Date.UTC(2026, 1, 3))
    expect(sim.requestCount()).toBe(before)
    // A fresh client learns it from Exact's 429 and fails at once too.
    const other = client({ division: 1001, tokens: memoryTokenStore() })
    await authorise(other)
    expect((await rejection(other.listAll("vat/VATCodes"))).reason._tag).toBe("DailyLimitExhaustedError")
  })
})

describe("reading", () => {
  it("reads a 5,000-line month in 5 bulk pages, amounts as exact decimal strings", async () => {
    const { sim, client, authorise } = world()
    seedExactDivision(sim, { invoices: { year: 2026, month: 1, count: 250, linesPerInvoice: 20 } })
    const exact = client({ division: 1001 })
    await authorise(exact)
    sim.resetCounters()
    const lines = await exact.listAll("salesinvoice/SalesInvoiceLines", {
      bulk: true,
      select: ["ID", "InvoiceID", "Quantity", "NetPrice", "AmountFC"],
      schema: SalesInvoiceLine
    })
    expect(lines).toHaveLength(5_000)
    expect(sim.requestCounts()).toEqual({ "GET bulk/SalesInvoice/SalesInvoiceLines": 5 })
    const azure = lines.find((line) => line.NetPrice === "0.123456789012345678")
    expect(azure).toBeDefined()
    const total = lines.reduce(
      (sum, line) => BigDecimal.sum(sum, BigDecimal.fromStringUnsafe(line.AmountFC ?? "0")),
      BigDecimal.fromBigInt(0n)
    )
    expect(BigDecimal.format(total)).toMatch(/^\d+(\.\d{1,2})?$/)
  })

  it("lists last month's invoices with lines: dates as Date, GUIDs checked, 't Hoekje escaped", async () => {
    const { sim, client, authorise } = world()
    seedExactDivision(sim, { invoices: { year: 2026, month: 1, count: 40, linesPerInvoice: 3 } })
    const exact = client({ division: 1001 })
    await authorise(exact)
    const filter = odata
      .ge("InvoiceDate", new Date(Date.UTC(2026, 0, 1)))
      .and(odata.lt("InvoiceDate", new Date(Date.UTC(2026, 1, 1))))
      .and(odata.eq("OrderedByName", "Café 't Hoekje"))
    expect(String(filter)).toContain("'Café ''t Hoekje'")
    const invoices = await exact.listAll("salesinvoice/SalesInvoices", {
      filter,
      expand: ["SalesInvoiceLines"],
      schema: SalesInvoice
    })
    expect(invoices).toHaveLength(2)
    expect(invoices[0]?.InvoiceDate).toEqual(new Date(Date.UTC(2026, 0, 1)))
    expect(invoices[0]?.SalesInvoiceLines).toHaveLength(3)
    const [hoekje] = await exact.listAll("crm/Accounts", {
      filter: odata.eq("Name", "Café 't Hoekje"),
      schema: Account
    })
    expect(hoekje?.Code).toBe("              1000")
    const [azure] = await exact.listAll("logistics/Items", { filter: odata.eq("Code", "AZURE-CONS"), schema: Item })
    expect(azure?.StandardSalesPrice).toBe("0.123456789012345678")
  })

  it("pages regular endpoints 60 at a time", async () => {
    const { sim, client, authorise } = world()
    seedExactDivision(sim, { accounts: 130 })
    const exact = client({ division: 1001 })
    await authorise(exact)
    sim.resetCounters()
    expect(await exact.listAll("crm/Accounts", { select: ["ID", "Name"] })).toHaveLength(130)
    expect(sim.requestCount("GET crm/Accounts")).toBe(3)
  })
})

describe("idempotent sales-invoice creation", () => {
  const draft = (seeded: ReturnType<typeof seedExactDivision>) => ({
    OrderedBy: seeded.accounts[0]!.ID,
    Journal: "70",
    Description: "ConnectWise invoice 10231",
    OrderDate: new Date(Date.UTC(2026, 1, 1)),
    SalesInvoiceLines: [{ Item: seeded.items[0]!.ID, Quantity: "3", NetPrice: "20.605", Description: "M365" }]
  })

  for (const kind of ["hang-after-commit", "error-after-commit", "error-before-commit", "network-error"] as const) {
    it(`creates exactly one invoice when the POST ends ambiguously (${kind})`, async () => {
      const { sim, client, authorise } = world()
      const seeded = seedExactDivision(sim)
      const exact = client({ division: 1001, timeoutMs: 150 })
      await authorise(exact)
      sim.inject({ method: "POST", endpoint: "salesinvoice/SalesInvoices", kind, hangMs: 400, status: 503 })
      const result = await exact.createSalesInvoice(draft(seeded), { yourRef: "CW-10231" })
      expect(result.created).toBe(true)
      expect(result.invoice.YourRef).toBe("CW-10231")
      expect(result.invoice.AmountFCExclVat).toBe("61.82")
      expect(sim.records(1001, "SalesInvoices").filter((i) => i.YourRef === "CW-10231")).toHaveLength(1)
      const again = await exact.createSalesInvoice(draft(seeded), { yourRef: "CW-10231" })
      expect(again).toMatchObject({ created: false, invoice: { InvoiceID: result.invoice.InvoiceID } })
      expect(sim.records(1001, "SalesInvoices").filter((i) => i.YourRef === "CW-10231")).toHaveLength(1)
    })
  }

  for (const kind of ["hang-after-commit", "error-after-commit", "error-before-commit", "network-error"] as const) {
    it(`prints an invoice exactly once when the print POST ends ambiguously (${kind})`, async () => {
      const { sim, client, authorise } = world()
      const seeded = seedExactDivision(sim)
      const exact = client({ division: 1001, timeoutMs: 150 })
      await authorise(exact)
      const { invoice } = await exact.createSalesInvoice(draft(seeded), { yourRef: "CW-77" })
      sim.inject({ method: "POST", endpoint: "salesinvoice/PrintedSalesInvoices", kind, hangMs: 400, status: 503 })
      const processed = await exact.processSalesInvoice(invoice.InvoiceID)
      expect(processed.Status).toBe(50)
      // A second print would be refused by Exact; the lookup must have stopped it.
      expect(await exact.listAll("cashflow/Receivables")).toHaveLength(1)
      const landed = kind === "error-before-commit" || kind === "network-error" ? 2 : 1
      expect(sim.requestCount("POST salesinvoice/PrintedSalesInvoices")).toBe(landed)
    })

    it(`creates an account exactly once when its POST ends ambiguously (${kind})`, async () => {
      const { sim, client, authorise } = world()
      seedExactDivision(sim)
      const exact = client({ division: 1001, timeoutMs: 150 })
      await authorise(exact)
      sim.inject({ method: "POST", endpoint: "crm/Accounts", kind, hangMs: 400, status: 503 })
      const account = await exact.createAccount({ Name: "Nieuwe Klant B.V.", Code: "900123", Status: "C" })
      expect(account.ID).toBeTruthy()
      const named = sim.records(1001, "Accounts").filter((a) => a.Name === "Nieuwe Klant B.V.")
      expect(named).toHaveLength(1)
    })
  }

  it("skips the look-up before the first POST when asked (the caller read the invoices in bulk), not after an ambiguous one", async () => {
    const { sim, client, authorise } = world()
    const seeded = seedExactDivision(sim)
    const exact = client({ division: 1001, timeoutMs: 150 })
    await authorise(exact)
    sim.resetCounters()
    await exact.createSalesInvoice(draft(seeded), { yourRef: "CW-500", lookupFirst: false })
    expect(sim.requestCount("GET salesinvoice/SalesInvoices")).toBe(0)
    expect(sim.requestCount("POST salesinvoice/SalesInvoices")).toBe(1)
    // An answer lost after the commit is still looked for before any retry: one invoice, not two.
    sim.inject({ method: "POST", endpoint: "salesinvoice/SalesInvoices", kind: "error-after-commit", status: 503 })
    const lost = await exact.createSalesInvoice(draft(seeded), { yourRef: "CW-501", lookupFirst: false })
    expect(lost.created).toBe(true)
    expect(sim.records(1001, "SalesInvoices").filter((i) => i.YourRef === "CW-501")).toHaveLength(1)
    expect(sim.requestCount("GET salesinvoice/SalesInvoices")).toBeGreaterThan(0)
  })

  it("processes an invoice so a receivable exists", async () => {
    const { sim, client, authorise } = world()
    const seeded = seedExactDivision(sim)
    const exact = client({ division: 1001 })
    await authorise(exact)
    const { invoice } = await exact.createSalesInvoice(draft(seeded), { yourRef: "CW-1" })
    const processed = await exact.processSalesInvoice(invoice.InvoiceID)
    expect(processed.Status).toBe(50)
    // PrintedSalesInvoices documents no InvoiceNumber: the number is read from the invoice.
    expect(processed.InvoiceNumber).toBeUndefined()
    const printed = await exact.findSalesInvoiceByYourRef("CW-1")
    expect(printed?.InvoiceNumber).toBeGreaterThan(0)
    const receivables = await exact.listAll("cashflow/Receivables")
    expect(receivables).toHaveLength(1)
  })
})

describe("errors", () => {
  it("raises every reason, and no secret appears in any error, its JSON, its inspection or a log line", async () => {
    const { sim, clock, client, authorise, logs } = world({
      divisions: [
        { code: 1001, description: "Main" },
        { code: 2002, description: "Closed", access: false }
      ]
    })
    seedExactDivision(sim)
    const errors: Array<ExactError> = []
    const reasons = new Set<string>()
    const expectReason = async (tag: string, promise: Promise<unknown>) => {
      const error = await rejection(promise)
      expect(error.reason._tag).toBe(tag)
      expect(error).toBeInstanceOf(Error)
      // The reason is an Error too, with a message of its own.
      expect(error.reason).toBeInstanceOf(Error)
      expect(error.reason.message).not.toBe("")
      errors.push(error)
      reasons.add(tag)
    }
    const recorded = recordingStore()
    const codes: Array<string> = []

    await expectReason("UnauthorizedError", client({ tokens: recorded.store }).me())
    // A generous per-attempt timeout: on a loaded machine a short one turns other cases into Timeout.
    const exact = client({ tokens: recorded.store, division: 1001, timeoutMs: 20_000, maxRetries: 1 })
    codes.push(await authorise(exact))
    await expectReason("ForbiddenError", exact.listAll("crm/Accounts", { division: 2002 }))
    expect(errors.at(-1)?.reason).toMatchObject({ exactReason: "NoDivisionAccess" })
    await expectReason("NotFoundError", exact.listAll("crm/NoSuchThing"))
    await expectReason("ValidationError", exact.createAccount({ Name: "" }))
    await expectReason("DecodeError", exact.listAll("crm/Accounts", { schema: Me }))
    expect(errors.at(-1)?.reason).toMatchObject({ field: "UserID" })
    sim.inject({ method: "GET", endpoint: "vat/VATCodes", kind: "error-before-commit", status: 503, times: 2 })
    await expectReason("ServerError", exact.listAll("vat/VATCodes"))
    // Only the timeout case gets a short limit, against an answer held back far longer than it.
    const impatient = client({ tokens: recorded.store, division: 1001, timeoutMs: 200, maxRetries: 1 })
    sim.inject({ method: "GET", endpoint: "vat/VATCodes", kind: "hang-after-commit", hangMs: 20_000, times: 2 })
    await expectReason("TimeoutError", impatient.listAll("vat/VATCodes"))
    sim.inject({ method: "GET", endpoint: "vat/VATCodes", kind: "network-error", times: 2 })
    await expectReason("TransportError", exact.listAll("vat/VATCodes"))
    const tight = world({ minutelyLimit: 0 })
    const limited = tight.client({ division: 1001 })
    codes.push(await tight.authorise(limited))
    await expectReason("RateLimitedError", limited.listAll("vat/VATCodes"))
    const daily = world()
    const spent = daily.client({ division: 1001 })
    codes.push(await daily.authorise(spent))
    daily.sim.setDailyUsed(1001, 5_000)
    await expectReason("DailyLimitExhaustedError", spent.listAll("vat/VATCodes"))
    // A worker that refreshed outside the shared store leaves us holding an old refresh token.
    const broken = world()
    const brokenStore = recordingStore()
    const victim = broken.client({ division: 1001, tokens: brokenStore.store })
    codes.push(await broken.authorise(victim))
    const stale = (await brokenStore.store.load())!
    await broken.clock.sleep(580_000)
    const rogue = await broken.sim.handle(
      new Request("https://start.exactonline.nl/api/oauth2/token", {
        method: "POST",
        body: new URLSearchParams({
          grant_type: "refresh_token",
          refresh_token: stale.refreshToken,
          client_id: app.clientId,
          client_secret: app.clientSecret
        })
      })
    )
    const rogueTokens = (await rogue.json()) as { access_token: string; refresh_token: string }
    await expectReason("TokenChainBrokenError", victim.me())
    expect(clock.now()).toBeGreaterThan(0)

    expect([...reasons].sort()).toEqual(
      [
        "DailyLimitExhaustedError",
        "DecodeError",
        "ForbiddenError",
        "NotFoundError",
        "RateLimitedError",
        "ServerError",
        "TimeoutError",
        "TokenChainBrokenError",
        "TransportError",
        "UnauthorizedError",
        "ValidationError"
      ].sort()
    )
    const secrets = [
      app.clientSecret,
      ...codes,
      rogueTokens.access_token,
      rogueTokens.refresh_token,
      ...[...recorded.saved, ...brokenStore.saved].flatMap((t) => [t.accessToken, t.refreshToken])
    ]
    expect(secrets.length).toBeGreaterThan(6)
    const surfaces = [
      ...errors.flatMap((error) => [
        String(error),
        error.message,
        error.stack ?? "",
        JSON.stringify(error),
        inspect(error, { depth: 10 })
      ]),
      inspect(exact, { depth: 10, showHidden: true }),
      JSON.stringify(exact),
      ...logs
    ]
    expect(logs.length).toBeGreaterThan(10)
    for (const surface of surfaces) {
      for (const secret of secrets) expect(surface.includes(secret), `${secret.slice(0, 4)}… leaked`).toBe(false)
    }
  })
})
