import { createServer, type IncomingHttpHeaders, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createConnectWiseClient } from "../src/index.ts"

interface Seen {
  readonly url: string
  readonly headers: IncomingHttpHeaders
}
const listen = async (answer: (url: URL) => { body: unknown; link?: string }) => {
  const seen: Array<Seen> = []
  const server: Server = createServer((incoming, outgoing) => {
    const url = new URL(incoming.url ?? "/", "http://127.0.0.1")
    seen.push({ url: `${url.pathname}${url.search}`, headers: incoming.headers })
    const { body, link } = answer(url)
    outgoing.writeHead(200, { "content-type": "application/json", ...(link ? { link } : {}) })
    outgoing.end(JSON.stringify(body))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return { seen, origin: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) }
}

describe("a Link header that points at another host", () => {
  let configured: Awaited<ReturnType<typeof listen>>
  let elsewhere: Awaited<ReturnType<typeof listen>>
  beforeAll(async () => {
    elsewhere = await listen(() => ({ body: [] }))
    configured = await listen((url) =>
      url.searchParams.get("pageId") === null
        ? {
            body: [{ id: 1, identifier: "A", name: "A" }],
            link: `<${elsewhere.origin}/v2026_1/apis/3.0/company/companies?pageId=1&pageSize=2>; rel="next"`
          }
        : { body: [{ id: 2, identifier: "B", name: "B" }] }
    )
  })
  afterAll(async () => {
    await configured.close()
    await elsewhere.close()
  })

  it("is not followed: the next page is asked of the configured base URL with the link's query", async () => {
    const warnings: Array<string> = []
    const client = createConnectWiseClient({
      baseUrl: `${configured.origin}/v2026_1/apis/3.0`,
      companyId: "acme",
      publicKey: "pub",
      privateKey: "priv",
      clientId: "client-1",
      logger: { warn: (message) => warnings.push(message) }
    })
    const rows = await client.listAll("/company/companies", { pageSize: 2 })
    expect(rows.map((r) => r.identifier)).toEqual(["A", "B"])
    expect(elsewhere.seen).toEqual([])
    expect(configured.seen.map((s) => s.url)).toEqual([
      "/v2026_1/apis/3.0/company/companies?pageSize=2",
      "/v2026_1/apis/3.0/company/companies?pageId=1&pageSize=2"
    ])
    expect(configured.seen.every((s) => s.headers.authorization?.startsWith("Basic "))).toBe(true)
    expect(warnings).toHaveLength(1)
  })

  it("refuses to send credentials to a base URL given per call", async () => {
    const client = createConnectWiseClient({
      baseUrl: `${configured.origin}/v2026_1/apis/3.0`,
      companyId: "acme",
      publicKey: "pub",
      privateKey: "priv",
      clientId: "client-1"
    })
    await expect(client.api.GET("/system/info", { baseUrl: `${elsewhere.origin}/apis/3.0` })).rejects.toThrow(
      /only to its configured API base URL/
    )
    expect(elsewhere.seen).toEqual([])
  })
})
