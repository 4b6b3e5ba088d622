// A manual run started in the portal's API while the deployment's scheduling is `workers`: the
// server queues it on the fleet's run queue instead of running it, answers with the job's id, and a
// real `psa-ledger-worker` process runs it; the API names the run once the worker started it. The
// sandbox's Exact, over HTTP, is the judge of what the transfer did.
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import type { DeploymentApi } from "@psa-ledger/deployment"
import { retryPolicy } from "@psa-ledger/link/pg-boss"
import type { SandboxServer } from "@psa-ledger/sandbox"
import { addUser, createServer, type Server } from "@psa-ledger/server"
import { deploymentJobRunner } from "../src/host.ts"
import { type Child, spawnNode, until } from "./support/children.ts"
import { openFleet } from "./support/link.ts"
import { dropSchemas, prefix, reachable, url } from "./support/pg.ts"

const main = new URL("../src/main.ts", import.meta.url).pathname
const ORIGIN = "http://portal.test"
const PASSWORD = "a long enough password 1"

describe.skipIf(!reachable)("a manual run in workers mode", () => {
  const base = prefix("play")
  const schema = `${base}_store`
  const queueSchema = `${base}_jobs`
  const secretKey = randomBytes(32).toString("base64")
  const children: Array<Child> = []
  let sandbox: SandboxServer
  let deployment: DeploymentApi
  let server: Server
  let transferRun = ""

  beforeAll(async () => {
    ;({ sandbox, deployment } = await openFleet({ seed: 5, connectionString: url, schema, secretKey }))
    await addUser(deployment.storage, { username: "fin", password: PASSWORD, role: "finance", links: ["acme"] })
    server = createServer({
      deployment,
      queue: { connectionString: url, schema: queueSchema, retries: retryPolicy({ "*": { limit: 0 } }) }
    })
  })

  afterAll(async () => {
    for (const child of children) child.process.kill("SIGKILL")
    await Promise.all(children.map((child) => child.exited))
    await server?.close({ graceMs: 1_000 })
    await deployment?.close()
    await sandbox?.close()
    await dropSchemas(base)
  })

  it("queues the portal's transfer and payment sync for the workers, who run them; the API follows them", async () => {
    const signIn = await server.fetch(
      new Request(`${ORIGIN}/api/v1/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "fin", password: PASSWORD })
      })
    )
    const { csrfToken } = (await signIn.json()) as { csrfToken: string }
    const cookie = signIn.headers.get("set-cookie")?.split(";")[0] ?? ""
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await server.fetch(
        new Request(`${ORIGIN}/api/v1${path}`, {
          method,
          headers: { cookie, "x-csrf-token": csrfToken, "content-type": "application/json" },
          ...(body === undefined ? {} : { body: JSON.stringify(body) })
        })
      )
      // biome-ignore lint/suspicious/noExplicitAny: response bodies are read loosely in tests
      return { status: response.status, body: (await response.json()) as any }
    }

    // Last month's invoices (the world's newest month), as a person picks the range in the portal.
    const now = new Date()
    const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 10)
    const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0)).toISOString().slice(0, 10)
    const division = sandbox.credentials.exact.division
    const entries = () => sandbox.exact.records(division, "SalesEntries")
    const transfer = await call("POST", "/links/acme/transfer/run", { from, to })
    expect(transfer.status).toBe(202)
    expect(transfer.body).toEqual({ jobId: expect.any(String), queued: true })
    const jobId = transfer.body.jobId as string
    // No worker yet: it waits in the queue, and this server ran nothing.
    expect((await call("GET", `/links/acme/queued-runs/${jobId}`)).body).toEqual({
      jobId,
      job: "transfer.run",
      state: "queued"
    })
    expect(entries()).toHaveLength(0)
    expect((await call("GET", "/links/acme/runs")).body).toEqual([])
    expect((await call("GET", `/links/other/queued-runs/${jobId}`)).status).toBe(404)

    const worker = spawnNode(
      "w1",
      main,
      [
        "--storage",
        `${url}${url.includes("?") ? "&" : "?"}schema=${schema}`,
        "--queue-schema",
        queueSchema,
        "--name",
        "w1",
        "--polling",
        "0.5"
      ],
      { PSA_LEDGER_SECRET_KEY: secretKey, PSA_LEDGER_SECRET_KEY_FILE: "", PSA_LEDGER_STORAGE: "" }
    )
    children.push(worker)
    const followed = async (id: string) =>
      until(`queued job ${id} to finish`, async () => {
        const status = (await call("GET", `/links/acme/queued-runs/${id}`)).body
        return status.state === "done" || status.state === "failed" ? status : undefined
      })
    const done = await followed(jobId)
    expect(done).toMatchObject({ jobId, job: "transfer.run", state: "done", runId: expect.any(String) })
    const run = (await call("GET", `/links/acme/runs/${done.runId}`)).body
    expect(run).toMatchObject({ job: "transfer.run", trigger: "manual" })
    expect(["succeeded", "partial"]).toContain(run.status)
    // The range the person asked for, booked in Exact by the worker.
    expect(entries().length).toBeGreaterThan(0)
    expect(entries()).toHaveLength(run.counts.done)
    const log = (await call("GET", `/links/acme/runs/${done.runId}/log`)).body.entries as Array<{ message: string }>
    expect(log.map((e) => e.message).join("\n")).toContain(`played by fin; worker w1, queue job ${jobId}`)
    const approvals = (await call("GET", "/links/acme/approvals")).body as Array<{ action: string; changes: unknown }>
    expect(approvals.find((a) => a.action === "transfer.run")?.changes).toEqual({ range: { from, to }, queued: jobId })

    const payments = await call("POST", "/links/acme/transfer/payments")
    expect(payments.status).toBe(202)
    const synced = await followed(payments.body.jobId)
    expect(synced).toMatchObject({ job: "transfer.syncPayments", state: "done", runId: expect.any(String) })
    expect((await call("GET", `/links/acme/runs/${synced.runId}`)).body).toMatchObject({
      job: "transfer.syncPayments",
      trigger: "manual"
    })

    worker.process.kill("SIGTERM")
    expect(await worker.exited).toEqual({ code: 0, signal: null })
    transferRun = done.runId
  })

  it("runs nothing for a retry whose earlier attempt's run had already finished the job", async () => {
    // As when a worker finished the transfer and was killed before pg-boss heard of it: the retry
    // names that run, and the job runner sees it ended and does not run the transfer again.
    const runner = deploymentJobRunner(deployment)
    const link = await deployment.links.open("acme")
    const before = (await link.runs.list()).map((r) => r.id)
    const request = {
      linkId: "acme",
      trigger: "schedule" as const,
      onStart: () => {},
      signal: new AbortController().signal,
      note: "retry",
      attempt: 2,
      attempts: 3,
      resume: true
    }
    const retried = await runner({ ...request, job: "transfer.run", earlierRuns: [transferRun] })
    expect(retried).toEqual({ status: expect.stringMatching(/^(succeeded|partial)$/), alreadyDone: transferRun })
    expect((await link.runs.list()).map((r) => r.id)).toEqual(before)
    // A run of another job is not this job's: the payment sync runs.
    const other = await runner({ ...request, job: "transfer.syncPayments", earlierRuns: [transferRun] })
    expect(other.alreadyDone).toBeUndefined()
    const after = await link.runs.list()
    expect(after).toHaveLength(before.length + 1)
    expect(after.find((r) => !before.includes(r.id))?.job).toBe("transfer.syncPayments")
  })
})
