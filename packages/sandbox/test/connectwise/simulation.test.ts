import { describe, expect, it } from "vitest"
import {
  ConditionsSyntaxError,
  ConnectWiseSimulation,
  parseConditions,
  rawNumber,
  seedConnectWise,
  startConnectWiseServer,
  virtualClock
} from "../../src/index.ts"

const sim = () =>
  new ConnectWiseSimulation({ companyId: "acme", publicKey: "pub", privateKey: "priv", clientIds: ["cid"] })
const auth = `Basic ${Buffer.from("acme+pub:priv").toString("base64")}`
const headers = (extra: Record<string, string> = {}) => ({
  authorization: auth,
  clientid: "cid",
  accept: "application/vnd.connectwise.com+json; version=2026.4, application/json",
  ...extra
})
const get = (s: ConnectWiseSimulation, path: string, extra: Record<string, string> = {}) =>
  s.handle(new Request(`${s.baseUrl()}${path}`, { headers: headers(extra) }))

describe("ConnectWise simulation", () => {
  it("serves /login/companyinfo without auth and rejects bad keys and missing clientId", async () => {
    const s = sim()
    const info = await s.handle(new Request(`${s.origin}/login/companyinfo/acme`))
    expect(await info.json()).toMatchObject({ Codebase: "v2026_1/", CompanyID: "acme" })
    const noAuth = await s.handle(new Request(`${s.baseUrl()}/system/info`, { headers: { clientid: "cid" } }))
    expect(noAuth.status).toBe(401)
    expect(await noAuth.json()).toEqual({ code: "Unauthorized", message: "UserNotAuthenticated" })
    const noClient = await s.handle(new Request(`${s.baseUrl()}/system/info`, { headers: { authorization: auth } }))
    expect(noClient.status).toBe(403)
    expect(s.requests.count("GET", "/system/info")).toBe(2)
    expect(s.requests.log.every((e) => !JSON.stringify(e).includes("priv"))).toBe(true)
  })

  it("answers 403 naming the permission an API member's security role lacks", async () => {
    const s = sim()
    s.deniedPermissions.push({ template: "/finance/agreements", permission: "Finance > Agreements: Inquire Level" })
    const denied = await get(s, "/finance/agreements")
    expect(denied.status).toBe(403)
    const body = (await denied.json()) as { code: string; message: string }
    expect(body.code).toBe("Forbidden")
    expect(body.message).toContain("Finance > Agreements: Inquire Level")
    expect((await get(s, "/company/companies")).status).toBe(200)
  })

  it("rejects an API version newer than the tenant's", async () => {
    const response = await get(sim(), "/system/info", {
      accept: "application/vnd.connectwise.com+json; version=2099.1"
    })
    expect(response.status).toBe(400)
    expect((await response.json()).message).toContain("2099.1")
  })

  it("filters with conditions, counts, pages by number with Link headers, and pages forward-only", async () => {
    const s = sim()
    for (let i = 1; i <= 60; i++)
      s.store.insert("companies", { identifier: `C${i}`, name: i % 2 ? `Odd ${i}` : `Even ${i}` })
    const count = await get(s, `/company/companies/count?conditions=${encodeURIComponent('name like "Odd%"')}`)
    expect(await count.json()).toEqual({ count: 30 })
    const page1 = await get(s, "/company/companies?pageSize=25")
    expect((await page1.json()).length).toBe(25)
    expect(page1.headers.get("link")).toMatch(/page=2.*rel="next"/)
    const last = await get(s, "/company/companies?pageSize=25&page=3")
    expect((await last.json()).length).toBe(10)
    expect(last.headers.get("link")).not.toContain('rel="next"')
    const fo = await get(s, "/company/companies?pageSize=50", { "pagination-type": "forward-only" })
    const next = /<([^>]+)>; rel="next"/.exec(fo.headers.get("link") ?? "")?.[1]
    expect(next).toContain("pageId=50")
    const second = await s.handle(new Request(next!, { headers: headers({ "pagination-type": "forward-only" }) }))
    expect((await second.json()).map((r: { id: number }) => r.id)).toEqual([51, 52, 53, 54, 55, 56, 57, 58, 59, 60])
    expect(second.headers.get("link")).toBeNull()
  })

  it("caps pageSize at 1,000 and projects fields", async () => {
    const s = sim()
    for (let i = 1; i <= 1200; i++) s.store.insert("companies", { identifier: `C${i}`, name: `N${i}` })
    const response = await get(s, "/company/companies?pageSize=5000&fields=id,name")
    const body = await response.json()
    expect(body.length).toBe(1000)
    expect(body[0]).toEqual({ id: 1, name: "N1" })
  })

  it("answers an unparseable conditions string with 400", async () => {
    const response = await get(sim(), `/company/companies?conditions=${encodeURIComponent("name = O'Brien")}`)
    expect(response.status).toBe(400)
    expect(() => parseConditions('name = "unterminated')).toThrow(ConditionsSyntaxError)
  })

  it("validates POST bodies and applies JSON Patch", async () => {
    const s = sim()
    seedConnectWise(s.store, { companies: 1, catalogItems: 3, additionsPerAgreement: 1 })
    const bad = await s.handle(
      new Request(`${s.baseUrl()}/finance/agreements/1/additions`, {
        method: "POST",
        headers: headers({ "content-type": "application/json" }),
        body: JSON.stringify({ quantity: 2 })
      })
    )
    expect(bad.status).toBe(400)
    const body = await bad.json()
    expect(body.code).toBe("InvalidObject")
    expect(body.errors.map((e: { field: string }) => e.field)).toEqual(["product", "billCustomer"])
    const patched = await s.handle(
      new Request(`${s.baseUrl()}/finance/agreements/1/additions/1`, {
        method: "PATCH",
        headers: headers({ "content-type": "application/json" }),
        body: JSON.stringify([{ op: "replace", path: "quantity", value: 7 }])
      })
    )
    expect(patched.status).toBe(200)
    expect(s.store.get("additions", 1)?.quantity).toBe(7)
  })

  it("writes exact decimals verbatim", async () => {
    const s = sim()
    s.store.insert("catalogItems", { identifier: "X", cost: rawNumber("12.345678901234567890") })
    const text = await (await get(s, "/procurement/catalog")).text()
    expect(text).toContain('"cost":12.345678901234567890')
  })

  it("limits the rate with 429 and Retry-After on a virtual clock", async () => {
    const clock = virtualClock(0)
    const s = new ConnectWiseSimulation({ clock })
    s.faults.rateLimit = { requestsPerSecond: 2, retryAfterSeconds: 3 }
    const h = {
      ...headers(),
      authorization: `Basic ${Buffer.from(`${s.companyId}+${s.publicKey}:${s.privateKey}`).toString("base64")}`,
      clientid: s.clientIds[0]!
    }
    const call = () => s.handle(new Request(`${s.baseUrl()}/system/info`, { headers: h }))
    expect((await call()).status).toBe(200)
    expect((await call()).status).toBe(200)
    const limited = await call()
    expect(limited.status).toBe(429)
    expect(limited.headers.get("retry-after")).toBe("3")
    clock.advance(1001)
    expect((await call()).status).toBe(200)
  })

  it("runs behind a real HTTP server on 127.0.0.1", async () => {
    const s = sim()
    const server = await startConnectWiseServer(s)
    try {
      expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const response = await fetch(`${server.baseUrl}/system/info`, { headers: headers() })
      expect(response.status).toBe(200)
      expect(response.headers.get("content-type")).toContain("version=2026.4")
    } finally {
      await server.close()
    }
  })
})
