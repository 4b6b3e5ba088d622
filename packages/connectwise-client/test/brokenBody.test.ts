import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterEach, describe, expect, it } from "vitest"
import { ConnectWiseError, createConnectWiseClient } from "../src/index.ts"

/** A server answering 200 with a JSON body, cut in half for the first `broken` requests. */
const listen = async (broken: number, method = "GET") => {
  let requests = 0
  const body = JSON.stringify([{ id: 1, identifier: "A", name: "Acme" }])
  const server: Server = createServer((incoming, outgoing) => {
    incoming.resume()
    requests++
    outgoing.writeHead(200, { "content-type": "application/json" })
    outgoing.end(incoming.method === method && requests <= broken ? body.slice(0, body.length / 2) : body)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    requests: () => requests,
    baseUrl: `http://127.0.0.1:${port}/v2026_1/apis/3.0`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

const clientFor = (baseUrl: string) =>
  createConnectWiseClient({
    baseUrl,
    companyId: "acme",
    publicKey: "pub",
    privateKey: "priv",
    clientId: "client-1",
    maxRetries: 3,
    retryBaseDelayMs: 1,
    retryMaxDelayMs: 5
  })

let close: (() => Promise<void>) | undefined
afterEach(async () => {
  await close?.()
  close = undefined
})

describe("a 2xx answer with a broken body", () => {
  it("is retried on a GET like a 5xx, and the page is read whole", async () => {
    const server = await listen(2)
    close = server.close
    const rows = await clientFor(server.baseUrl).listAll("/company/companies")
    expect(rows.map((row) => row.identifier)).toEqual(["A"])
    expect(server.requests()).toBe(3)
  })

  it("fails with a typed DecodeError once the retries are spent, never a raw error", async () => {
    const server = await listen(10)
    close = server.close
    const error = await clientFor(server.baseUrl)
      .listAll("/company/companies")
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConnectWiseError)
    expect((error as ConnectWiseError).reason._tag).toBe("DecodeError")
    expect(server.requests()).toBe(4)
  })
})
