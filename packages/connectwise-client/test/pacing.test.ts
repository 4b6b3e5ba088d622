// After a 429 the client spaces its requests at the rate ConnectWise accepted, instead of meeting
// the limit again and again. Everything runs on one virtual clock (the simulation's rate window,
// its latency, Retry-After and the client's spacing), so what is measured is simulated time.
import { ConnectWiseSimulation, seedConnectWise, virtualClock } from "@psa-ledger/sandbox"
import { describe, expect, it } from "vitest"
import { createConnectWiseClient } from "../src/index.ts"

const secrets = { companyId: "acme", publicKey: "PUB-pacing", privateKey: "PRIV-pacing", clientId: "CLIENT-pacing" }

const rateLimited = (requestsPerSecond: number) => {
  const clock = virtualClock()
  const sim = new ConnectWiseSimulation({ ...secrets, clientIds: [secrets.clientId], clock })
  seedConnectWise(sim.store, { companies: 1 })
  sim.faults.latencyMs = 100
  sim.faults.rateLimit = { requestsPerSecond, retryAfterSeconds: 1 }
  const client = createConnectWiseClient({
    baseUrl: `https://cw.test/${sim.codebase}apis/3.0`,
    ...secrets,
    maxConcurrency: 4,
    fetch: (request) => sim.handle(request),
    sleep: (ms, signal) => clock.sleep(ms, signal),
    now: () => clock.now()
  })
  return { clock, sim, client }
}

/** `n` reads, 4 at a time as apply sends them; what the simulation answered, and the simulated seconds. */
const readMany = async (n: number, requestsPerSecond: number) => {
  const { clock, sim, client } = rateLimited(requestsPerSecond)
  const started = clock.now()
  let next = 0
  const worker = async () => {
    while (next < n) {
      next++
      await client.api.GET("/company/companies/{id}", { params: { path: { id: 1 } } })
    }
  }
  await Promise.all([worker(), worker(), worker(), worker()])
  const seconds = (clock.now() - started) / 1_000
  const statuses = sim.requests.log.map((entry) => entry.status)
  return {
    seconds,
    answered: statuses.filter((status) => status !== 429).length,
    refused: statuses.filter((status) => status === 429).length
  }
}

describe("pacing after a 429", () => {
  it("keeps close to the rate ConnectWise allows, with few refusals and none surfaced", async () => {
    const { seconds, answered, refused } = await readMany(300, 10)
    expect(answered).toBe(300)
    // Unpaced, every second meets the limit and a refused request idles for its Retry-After:
    // about 0.75 of the allowed rate with a 429 for every third request.
    expect(answered / seconds).toBeGreaterThanOrEqual(0.9 * 10)
    expect(refused).toBeLessThan(40)
  })

  it("never paces a client that meets no 429", async () => {
    const { seconds, answered, refused } = await readMany(200, 1_000)
    expect(refused).toBe(0)
    // 4 at a time at 100 ms each: 50 rounds.
    expect(seconds).toBeCloseTo(5, 0)
    expect(answered).toBe(200)
  })
})
