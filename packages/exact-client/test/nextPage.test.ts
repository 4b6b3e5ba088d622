import { seedExactDivision } from "@psa-ledger/sandbox"
import { describe, expect, it } from "vitest"
import { ExactError } from "../src/index.ts"
import { useMsw, world } from "./helpers.ts"

useMsw()

describe("a __next link that points elsewhere", () => {
  it("is not followed: the call fails with a typed DecodeError and no request with the token leaves", async () => {
    const { sim, client, authorise } = world()
    seedExactDivision(sim)
    const sent: Array<{ readonly url: string; readonly authorized: boolean }> = []
    const fetch = async (request: Request) => {
      sent.push({ url: request.url, authorized: request.headers.has("authorization") })
      const response = await globalThis.fetch(request)
      if (!new URL(request.url).pathname.endsWith("crm/Accounts")) return response
      // A hostile or misconfigured answer: the first page names another host for the next one.
      const body = (await response.json()) as { d: { results: Array<unknown> } }
      const next = "https://collector.example/api/v1/1001/crm/Accounts?$skiptoken=guid'x'"
      return new Response(JSON.stringify({ d: { results: body.d.results, __next: next } }), {
        status: 200,
        headers: response.headers
      })
    }
    const exact = client({ division: 1001, fetch })
    await authorise(exact)
    const error = await exact.listAll("crm/Accounts").catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ExactError)
    expect((error as ExactError).reason).toMatchObject({ _tag: "DecodeError", field: "__next" })
    expect(sent.some((request) => new URL(request.url).host === "collector.example")).toBe(false)
    expect(
      sent.filter((request) => request.authorized).every((r) => new URL(r.url).host === "start.exactonline.nl")
    ).toBe(true)
  })
})
