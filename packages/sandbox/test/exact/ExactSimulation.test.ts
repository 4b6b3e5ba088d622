import { setupServer } from "msw/node"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  createExactSimulation,
  type ExactSimulation,
  exactHandlers,
  seedExactDivision,
  startExactServer,
  virtualClock
} from "../../src/index.ts"

const base = "https://start.exactonline.nl"
const app = { clientId: "app-1", clientSecret: "s3cret-app-1", redirectUri: "https://psa-ledger.example/callback" }

const setup = (options: Parameters<typeof createExactSimulation>[0] = {}) => {
  const clock = virtualClock(Date.UTC(2026, 1, 2, 9))
  const sim = createExactSimulation({ clock, apps: [app], ...options })
  return { clock, sim }
}

const token = (sim: ExactSimulation, body: Record<string, string>) =>
  sim.handle(
    new Request(`${base}/api/oauth2/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: app.clientId, client_secret: app.clientSecret, ...body })
    })
  )

const login = async (sim: ExactSimulation) => {
  const code = sim.authorize()
  const response = await token(sim, { grant_type: "authorization_code", code, redirect_uri: app.redirectUri })
  return (await response.json()) as { access_token: string; refresh_token: string; expires_in: string }
}

const get = (sim: ExactSimulation, accessToken: string, path: string) =>
  sim.handle(
    new Request(`${base}/api/v1/${path}`, {
      headers: { Authorization: `Bearer ${accessToken}`, Accept: "application/json" }
    })
  )

const post = (sim: ExactSimulation, accessToken: string, path: string, body: string) =>
  sim.handle(
    new Request(`${base}/api/v1/${path}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${accessToken}`, "Content-Type": "application/json" },
      body
    })
  )

describe("Exact simulation: OAuth", () => {
  it("shows a consent page where a division is chosen, then redirects with a code and the state", async () => {
    const { sim } = setup({
      divisions: [
        { code: 1001, description: "Main BV" },
        { code: 2002, description: "Second BV" },
        { code: 3003, description: "Closed BV", access: false }
      ]
    })
    const url = new URL(`${base}/api/oauth2/auth`)
    url.search = new URLSearchParams({
      client_id: app.clientId,
      redirect_uri: app.redirectUri,
      response_type: "code",
      state: "xyz"
    }).toString()
    const page = await sim.handle(new Request(url))
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('<option value="1001" selected>')
    expect(html).toContain('<option value="2002">')
    expect(html).not.toContain("3003")
    expect(html).toContain('name="state" value="xyz"')
    const response = await sim.handle(
      new Request(`${base}/api/oauth2/auth`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ ...Object.fromEntries(url.searchParams), division: "2002" })
      })
    )
    expect(response.status).toBe(302)
    const location = new URL(response.headers.get("Location") ?? "")
    expect(location.origin + location.pathname).toBe(app.redirectUri)
    expect(location.searchParams.get("state")).toBe("xyz")
    const code = location.searchParams.get("code") ?? ""
    expect(code).toMatch(/.{20,}/)
    // The chain reaches the chosen division only, and current/Me says so.
    const exchanged = await token(sim, { grant_type: "authorization_code", code, redirect_uri: app.redirectUri })
    const { access_token } = (await exchanged.json()) as { access_token: string }
    const me = (await (await get(sim, access_token, "current/Me")).json()) as {
      d: { results: Array<Record<string, unknown>> }
    }
    expect(me.d.results[0]?.CurrentDivision).toBe(2002)
    expect((await get(sim, access_token, "2002/crm/Accounts")).status).toBe(200)
    const other = await get(sim, access_token, "1001/crm/Accounts")
    expect(other.status).toBe(403)
    expect(`${other.headers.get("Reason")} ${await other.text()}`).toContain("NoDivisionAccess")
    const divisions = (await (await get(sim, access_token, "2002/system/Divisions")).json()) as {
      d: { results: Array<{ Code: number }> }
    }
    expect(divisions.d.results.map((d) => d.Code)).toEqual([2002])
  })

  it("matches the redirect URI exactly, as Exact does", async () => {
    const { sim } = setup()
    for (const redirect of [`${app.redirectUri}/`, app.redirectUri.toUpperCase(), `${app.redirectUri}?x=1`]) {
      const url = new URL(`${base}/api/oauth2/auth`)
      url.search = new URLSearchParams({
        client_id: app.clientId,
        redirect_uri: redirect,
        response_type: "code"
      }).toString()
      expect((await sim.handle(new Request(url))).status).toBe(400)
      const posted = await sim.handle(
        new Request(`${base}/api/oauth2/auth`, {
          method: "POST",
          body: new URLSearchParams({
            client_id: app.clientId,
            redirect_uri: redirect,
            response_type: "code",
            division: "1001"
          })
        })
      )
      expect(posted.status).toBe(400)
    }
  })

  it("accepts a code once, within three minutes, for the right redirect URI", async () => {
    const { sim, clock } = setup()
    const code = sim.authorize()
    const wrongRedirect = await token(sim, {
      grant_type: "authorization_code",
      code,
      redirect_uri: "https://evil.example"
    })
    expect(wrongRedirect.status).toBe(400)
    const first = await token(sim, { grant_type: "authorization_code", code, redirect_uri: app.redirectUri })
    expect(first.status).toBe(200)
    const body = (await first.json()) as Record<string, unknown>
    expect(body.expires_in).toBe("600")
    expect(body.token_type).toBe("bearer")
    const again = await token(sim, { grant_type: "authorization_code", code, redirect_uri: app.redirectUri })
    expect(again.status).toBe(400)
    const late = sim.authorize()
    clock.advance(181_000)
    const expired = await token(sim, { grant_type: "authorization_code", code: late, redirect_uri: app.redirectUri })
    expect(await expired.json()).toEqual({ error: "invalid_grant", error_description: "The code has expired." })
  })

  it("refuses a refresh within 570 s, rotates after, and breaks the chain when an old token comes back", async () => {
    const { sim, clock } = setup()
    const pair = await login(sim)
    clock.advance(569_000)
    const early = await token(sim, { grant_type: "refresh_token", refresh_token: pair.refresh_token })
    expect(early.status).toBe(401)
    expect(sim.stats.earlyRefreshes).toBe(1)
    clock.advance(2_000)
    const next = (await (
      await token(sim, { grant_type: "refresh_token", refresh_token: pair.refresh_token })
    ).json()) as {
      refresh_token: string
    }
    expect(next.refresh_token).not.toBe(pair.refresh_token)
    clock.advance(600_000)
    const reuse = await token(sim, { grant_type: "refresh_token", refresh_token: pair.refresh_token })
    expect(reuse.status).toBe(401)
    expect(await reuse.json()).toEqual({ error: "unauthorized_client", error_description: "Old refresh token used." })
    // The chain is dead for good: the newest token no longer works either.
    const current = await token(sim, { grant_type: "refresh_token", refresh_token: next.refresh_token })
    expect(current.status).toBe(401)
    expect(sim.stats.brokenChains).toBe(1)
  })

  it("lets an idle refresh token die after 30 days", async () => {
    const { sim, clock } = setup()
    const pair = await login(sim)
    clock.advance(30 * 86_400_000 + 1)
    const response = await token(sim, { grant_type: "refresh_token", refresh_token: pair.refresh_token })
    expect(response.status).toBe(400)
    expect(((await response.json()) as { error_description: string }).error_description).toMatch(
      /^The refresh token expired at/
    )
  })

  it("expires access tokens after 600 s", async () => {
    const { sim, clock } = setup()
    const pair = await login(sim)
    expect((await get(sim, pair.access_token, "current/Me")).status).toBe(200)
    clock.advance(600_000)
    expect((await get(sim, pair.access_token, "current/Me")).status).toBe(401)
  })
})

describe("Exact simulation: limits", () => {
  it("reports the budgets in headers and answers the 61st call in a minute with a 429 carrying only minutely headers", async () => {
    const { sim, clock } = setup()
    const pair = await login(sim)
    const start = clock.now()
    let last: Response | undefined
    for (let i = 0; i < 60; i++) last = await get(sim, pair.access_token, "1001/vat/VATCodes")
    expect(last?.headers.get("X-RateLimit-Minutely-Remaining")).toBe("0")
    expect(last?.headers.get("X-RateLimit-Remaining")).toBe("4940")
    expect(Number(last?.headers.get("X-RateLimit-Minutely-Reset"))).toBe(start + 60_000)
    const refused = await get(sim, pair.access_token, "1001/vat/VATCodes")
    expect(refused.status).toBe(429)
    expect(refused.headers.get("X-RateLimit-Remaining")).toBeNull()
    expect(refused.headers.get("X-RateLimit-Minutely-Reset")).toBe(String(start + 60_000))
    clock.advance(60_000)
    expect((await get(sim, pair.access_token, "1001/vat/VATCodes")).status).toBe(200)
  })

  it("answers 429 with the daily reset at UTC midnight when the day is spent", async () => {
    const { sim, clock } = setup()
    const pair = await login(sim)
    sim.setDailyUsed(1001, 5000)
    const refused = await get(sim, pair.access_token, "1001/vat/VATCodes")
    expect(refused.status).toBe(429)
    expect(refused.headers.get("X-RateLimit-Remaining")).toBe("0")
    expect(Number(refused.headers.get("X-RateLimit-Reset"))).toBe(Date.UTC(2026, 1, 3))
    expect(clock.now()).toBeLessThan(Date.UTC(2026, 1, 3))
  })

  it("blocks an endpoint after ten errors in an hour", async () => {
    const { sim } = setup()
    const pair = await login(sim)
    for (let i = 0; i < 10; i++) {
      expect((await get(sim, pair.access_token, "1001/salesinvoice/SalesInvoices?$filter=Nope eq 1")).status).toBe(400)
    }
    const blocked = await get(sim, pair.access_token, "1001/salesinvoice/SalesInvoices")
    expect(blocked.status).toBe(403)
    expect(blocked.headers.get("Reason")).toBe("ErrorLimitExceeded")
    expect((await get(sim, pair.access_token, "1001/crm/Accounts")).status).toBe(200)
  })

  it("answers 403 NoDivisionAccess for a division the user may not use", async () => {
    const { sim } = setup({
      divisions: [
        { code: 1001, description: "Main" },
        { code: 2002, description: "Other", access: false }
      ]
    })
    const pair = await login(sim)
    const response = await get(sim, pair.access_token, "2002/crm/Accounts")
    expect(response.status).toBe(403)
    expect(response.headers.get("Reason")).toBe("NoDivisionAccess")
  })
})

describe("Exact simulation: OData", () => {
  it("pages regular endpoints by 60 and bulk endpoints by 1,000 following __next", async () => {
    const { sim } = setup({ dailyLimit: 100_000 })
    seedExactDivision(sim, { invoices: { year: 2026, month: 1, count: 120, linesPerInvoice: 10 } })
    const pair = await login(sim)
    const follow = async (first: string) => {
      const pages: Array<number> = []
      let url: string | undefined = `${base}/api/v1/${first}`
      while (url) {
        const response = await sim.handle(
          new Request(url, { headers: { Authorization: `Bearer ${pair.access_token}` } })
        )
        const body = (await response.json()) as { d: { results: Array<unknown>; __next?: string } }
        pages.push(body.d.results.length)
        url = body.d.__next
      }
      return pages
    }
    expect(await follow("1001/salesinvoice/SalesInvoices?$select=InvoiceID")).toEqual([60, 60])
    expect(await follow("1001/bulk/SalesInvoice/SalesInvoiceLines?$select=ID,InvoiceID,Quantity")).toEqual([1000, 200])
    const noSelect = await get(sim, pair.access_token, "1001/bulk/SalesInvoice/SalesInvoiceLines")
    expect(noSelect.status).toBe(400)
  })

  it("filters with escaped strings, guids, datetimes and substringof, and selects and expands", async () => {
    const { sim } = setup()
    const seeded = seedExactDivision(sim, { invoices: { year: 2026, month: 1, count: 3, linesPerInvoice: 2 } })
    const pair = await login(sim)
    const query = (path: string, params: Record<string, string>) =>
      get(sim, pair.access_token, `${path}?${new URLSearchParams(params).toString()}`).then(
        async (r) => (await r.json()) as { d: { results: Array<Record<string, unknown>> } }
      )
    const hoekje = await query("1001/crm/Accounts", { $filter: "Name eq 'Café ''t Hoekje'", $select: "ID,Name" })
    expect(hoekje.d.results.map((r) => r.Name)).toEqual(["Café 't Hoekje"])
    expect(Object.keys(hoekje.d.results[0] ?? {})).toEqual(["__metadata", "ID", "Name"])
    const byId = await query("1001/crm/Accounts", {
      $filter: `ID eq guid'${seeded.accounts[1]?.ID}' or substringof('Garage', Name)`,
      $select: "Name"
    })
    expect(byId.d.results.map((r) => r.Name)).toEqual(["Bakkerij De Gouden Korst", "Garage Hendriks"])
    const january = await query("1001/salesinvoice/SalesInvoices", {
      $filter: "InvoiceDate ge datetime'2026-01-01T00:00' and InvoiceDate lt datetime'2026-02-01'",
      $expand: "SalesInvoiceLines",
      $select: "InvoiceID,InvoiceDate,SalesInvoiceLines/Quantity"
    })
    expect(january.d.results).toHaveLength(3)
    expect(january.d.results[0]?.InvoiceDate).toBe(`/Date(${Date.UTC(2026, 0, 1)})/`)
    const lines = (january.d.results[0]!.SalesInvoiceLines as { results: Array<Record<string, unknown>> }).results
    expect(lines).toHaveLength(2)
    expect(Object.keys(lines[0] ?? {})).toEqual(["__metadata", "Quantity"])
    const bad = await get(sim, pair.access_token, "1001/crm/Accounts?$filter=Name eq 'unterminated")
    expect(bad.status).toBe(400)
  })

  it("writes amounts as the decimal literal, with every digit", async () => {
    const { sim } = setup()
    seedExactDivision(sim)
    const pair = await login(sim)
    const text = await (
      await get(sim, pair.access_token, "1001/logistics/Items?$filter=Code eq 'AZURE-CONS'&$select=StandardSalesPrice")
    ).text()
    expect(text).toContain('"StandardSalesPrice":0.123456789012345678')
  })

  it("validates a POSTed invoice with Exact's error body, creates it with lines, and processes it once", async () => {
    const { sim } = setup()
    const seeded = seedExactDivision(sim)
    const pair = await login(sim)
    const invalid = await post(
      sim,
      pair.access_token,
      "1001/salesinvoice/SalesInvoices",
      JSON.stringify({ Description: "x" })
    )
    expect(invalid.status).toBe(400)
    const error = (await invalid.json()) as { error: { message: { value: string } } }
    expect(error.error.message.value).toBe(
      "Mandatory: OrderedBy (Ordered by)\r\nMandatory: SalesInvoiceLines (at least one line)"
    )
    const created = await post(
      sim,
      pair.access_token,
      "1001/salesinvoice/SalesInvoices",
      `{"OrderedBy":"${seeded.accounts[0]?.ID}","YourRef":"CW-1","OrderDate":"2026-02-01","SalesInvoiceLines":[{"Item":"${seeded.items[0]?.ID}","Quantity":3,"NetPrice":20.605}]}`
    )
    expect(created.status).toBe(201)
    const invoice = (await created.json()) as { d: Record<string, unknown> }
    expect(invoice.d.Status).toBe(20)
    expect(invoice.d.AmountFCExclVat).toBe(61.82)
    expect(invoice.d.VATAmountFC).toBe(12.98)
    const processed = await post(
      sim,
      pair.access_token,
      "1001/salesinvoice/PrintedSalesInvoices",
      JSON.stringify({ InvoiceID: invoice.d.InvoiceID })
    )
    expect(processed.status).toBe(201)
    expect(sim.records(1001, "Receivables")).toHaveLength(1)
    // Printing stores Exact's own document of the invoice, with its file, linked by the InvoiceID.
    const printed = sim.documentsOf(1001, String(invoice.d.InvoiceID))
    expect(printed.map((d) => [d.type, d.account, d.attachments.length])).toEqual([[10, seeded.accounts[0]?.ID, 1]])
    expect(Buffer.from(printed[0]!.attachments[0]!.bytes).toString("latin1").startsWith("%PDF")).toBe(true)
    const twice = await post(
      sim,
      pair.access_token,
      "1001/salesinvoice/PrintedSalesInvoices",
      JSON.stringify({ InvoiceID: invoice.d.InvoiceID })
    )
    expect(twice.status).toBe(400)
    expect(sim.documentsOf(1001, String(invoice.d.InvoiceID))).toHaveLength(1)
    expect(sim.requestCount("POST salesinvoice/SalesInvoices")).toBe(2)
    expect(sim.requestCount("POST salesinvoice/PrintedSalesInvoices")).toBe(2)
  })
})

describe("Exact simulation: msw", () => {
  const sim = createExactSimulation({ clock: virtualClock(), apps: [app] })
  const msw = setupServer(...exactHandlers(sim))
  beforeAll(() => msw.listen({ onUnhandledFrame: "error" }))
  afterAll(() => msw.close())

  it("answers fetch through msw handlers", async () => {
    const pair = await login(sim)
    const response = await fetch(`${base}/api/v1/current/Me`, {
      headers: { Authorization: `Bearer ${pair.access_token}` }
    })
    expect(response.status).toBe(200)
    const body = (await response.json()) as { d: { results: Array<{ CurrentDivision: number }> } }
    expect(body.d.results[0]?.CurrentDivision).toBe(1001)
  })
})

describe("Exact simulation: HTTP server", () => {
  it("answers over real HTTP on 127.0.0.1", async () => {
    const sim = createExactSimulation({ clock: virtualClock(), apps: [app] })
    const pair = await login(sim)
    const server = await startExactServer(sim)
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const response = await fetch(`${server.url}/api/v1/1001/system/Divisions`, {
        headers: { Authorization: `Bearer ${pair.access_token}` }
      })
      expect(response.status).toBe(200)
      expect(response.headers.get("X-RateLimit-Minutely-Remaining")).toBe("59")
      const body = (await response.json()) as { d: { results: Array<{ Code: number }> } }
      expect(body.d.results.map((d) => d.Code)).toEqual([1001])
      expect(sim.requestCounts()).toMatchObject({ "GET system/Divisions": 1 })
    } finally {
      await server.close()
    }
  })
})
