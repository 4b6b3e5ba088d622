import { seedExactDivision } from "@psa-ledger/sandbox"
import { describe, expect, it } from "vitest"
import { ExactError } from "../src/index.ts"
import { useMsw, world } from "./helpers.ts"

useMsw()

/** A fetch that cuts the 2xx body of the first `broken` reads of `endpoint` in half. */
const cutting = (endpoint: string, broken: number) => {
  let cut = 0
  const fetch = async (request: Request) => {
    const response = await globalThis.fetch(request)
    if (request.method !== "GET" || !new URL(request.url).pathname.endsWith(endpoint) || cut >= broken) return response
    cut++
    const text = await response.text()
    return new Response(text.slice(0, Math.floor(text.length / 2)), {
      status: response.status,
      headers: response.headers
    })
  }
  return { fetch, cut: () => cut }
}

describe("a 2xx read with a broken body", () => {
  it("is retried like a 5xx, with backoff, and the list is read whole", async () => {
    const { sim, client, authorise } = world()
    seedExactDivision(sim)
    const reference = client({ division: 1001 })
    await authorise(reference)
    const expected = await reference.listAll("crm/Accounts")
    const broken = cutting("crm/Accounts", 2)
    const patient = client({ division: 1001, fetch: broken.fetch })
    await authorise(patient)
    const accounts = await patient.listAll("crm/Accounts")
    expect(broken.cut()).toBe(2)
    expect(accounts).toEqual(expected)
  })

  it("fails with a typed DecodeError once the retries are spent", async () => {
    const { sim, client, authorise } = world()
    seedExactDivision(sim)
    const broken = cutting("crm/Accounts", 100)
    const exact = client({ division: 1001, fetch: broken.fetch, maxRetries: 2 })
    await authorise(exact)
    const error = await exact.listAll("crm/Accounts").catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ExactError)
    expect((error as ExactError).reason._tag).toBe("DecodeError")
    expect(broken.cut()).toBe(3)
  })
})
