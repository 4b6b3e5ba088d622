// A real transfer (flow B) on the sandbox over HTTP, run by real worker processes: the worker running
// it is SIGKILLed after some invoices were booked in Exact (the next booking never answers), another
// worker picks the job up once the heartbeat lapses and finishes it. Exact must end up with each
// invoice booked once: the sandbox's records, not the code's report, are the judge.
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import type { DeploymentApi } from "@psa-ledger/deployment"
import { makeRunQueue, retryPolicy } from "@psa-ledger/link/pg-boss"
import type { SandboxServer } from "@psa-ledger/sandbox"
import { type Child, spawnNode, until } from "./support/children.ts"
import { openFleet } from "./support/link.ts"
import { dropSchemas, prefix, reachable, url } from "./support/pg.ts"

const main = new URL("../src/main.ts", import.meta.url).pathname

describe.skipIf(!reachable)("a worker killed in the middle of a transfer", () => {
  const base = prefix("kill")
  const schema = `${base}_store`
  const queueSchema = `${base}_jobs`
  const secretKey = randomBytes(32).toString("base64")
  const children: Array<Child> = []
  let server: SandboxServer
  let deployment: DeploymentApi

  beforeAll(async () => {
    ;({ sandbox: server, deployment } = await openFleet({ seed: 11, connectionString: url, schema, secretKey }))
  })

  afterAll(async () => {
    for (const child of children) child.process.kill("SIGKILL")
    await Promise.all(children.map((child) => child.exited))
    await deployment?.close()
    await server?.close()
    await dropSchemas(base)
  })

  it("finishes the job on another worker and books each invoice once", async () => {
    const division = server.credentials.exact.division
    const entries = () => server.exact.records(division, "SalesEntries")
    expect(entries()).toHaveLength(0)
    // The third booking never answers: the run is mid-way when its worker is killed.
    server.faults.add({
      kind: "timeout",
      system: "exact",
      method: "POST",
      path: "salesentry/SalesEntries",
      after: 2,
      limit: 1
    })
    const start = (name: string) =>
      spawnNode(
        name,
        main,
        [
          "--storage",
          `${url}${url.includes("?") ? "&" : "?"}schema=${schema}`,
          "--queue-schema",
          queueSchema,
          "--name",
          name,
          "--port",
          "0",
          "--heartbeat",
          "10",
          "--supervise",
          "1",
          "--polling",
          "0.5"
        ],
        {
          PSA_LEDGER_SECRET_KEY: secretKey,
          PSA_LEDGER_SECRET_KEY_FILE: "",
          PSA_LEDGER_STORAGE: "",
          // The killed worker's run lease and claims pass 5 s after it died, not a minute: the retry
          // waits for them. A live run would lose them only after four missed heartbeats (1.25 s apart).
          PSA_LEDGER_LEASE_MS: "5000"
        }
      )
    const one = start("one")
    const two = start("two")
    children.push(one, two)
    await one.line((l) => l.message === "worker started", "one to start")
    await two.line((l) => l.message === "worker started", "two to start")

    const queue = makeRunQueue({
      connectionString: url,
      schema: queueSchema,
      retries: retryPolicy({ "*": { limit: 2, delaySeconds: 1 } })
    })
    await queue.start()
    try {
      await queue.play("acme", "transfer.run", "test")
    } finally {
      await queue.stop(1_000)
    }
    const started = await Promise.race(
      [one, two].map((child) => child.line((l) => l.message === "job started", "the job to start").then(() => child))
    )
    await until("two invoices booked", async () => (entries().length >= 2 ? true : undefined))
    started.process.kill("SIGKILL")
    await started.exited
    const other = started === one ? two : one
    const finished = await other.line(
      (l) => l.message === "job finished",
      "the other worker to finish the job",
      240_000
    )
    expect(finished).toMatchObject({ linkId: "acme", job: "transfer.run", attempt: 2 })

    const booked = entries()
    const numbers = booked.map((entry) => String(entry.EntryNumber ?? entry.YourRef))
    expect(booked.length).toBeGreaterThan(2)
    expect(new Set(numbers).size).toBe(numbers.length)
    // Every booking request booked one entry, but for the one that never answered: no invoice twice.
    const writes = server.exact.requestCounts()["POST salesentry/SalesEntries"] ?? 0
    expect(writes - booked.length).toBeGreaterThanOrEqual(0)
    expect(writes - booked.length).toBeLessThanOrEqual(1)
    const link = await deployment.links.open("acme")
    const runs = await link.runs.list()
    process.stdout.write(
      `kill test: ${booked.length} entries, ${writes} booking requests, runs ${JSON.stringify(runs.map((r) => [r.status, r.counts]))}\n`
    )
    // The killed run is marked abandoned when the retry takes the link's lease over.
    expect(runs.map((run) => run.status).sort()).toEqual([
      "abandoned",
      runs.find((r) => r.status !== "abandoned")?.status
    ])
    const retry = runs.find((r) => r.status !== "abandoned")
    expect(["succeeded", "partial"]).toContain(retry?.status)
    // The retry found the two invoices booked before the kill and booked only the rest.
    expect(retry?.counts.skipped).toBe(2)
    expect((retry?.counts.done ?? 0) + 2).toBe(booked.length)
    // A hang guard, not a time budget: each wait gives up on its own without progress; the whole
    // took 125 s on a loaded 2-core machine, too close to the default 300 s.
  }, 1_200_000)
})
