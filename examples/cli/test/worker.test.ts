// `psa-ledger worker` and `psa-ledger worker play` on a real PostgreSQL: the worker starts, serves
// /health, runs a played job through the queue (here one that fails, so it is dead-lettered at once
// with `worker play --retry '*=0'`), and exits 0 on SIGTERM.
import { spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { openDeployment } from "@psa-ledger/deployment"
import { postgresStorage } from "@psa-ledger/storage-adapters/postgres"
import pg from "pg"
import { afterAll, describe, expect, it } from "vitest"
import { binArgs, cli, PG_URL, pgReachable } from "./support.ts"

const url = PG_URL
const reachable = await pgReachable()

describe("psa-ledger worker", () => {
  it("needs a postgres:// storage", async () => {
    const result = await cli(["worker", "--storage", "sqlite:ledger.db"])
    expect(result.status).toBe(2)
    expect(result.stderr).toContain("the worker needs a postgres:// storage")
    const help = await cli(["worker", "--help"])
    expect(help.stdout).toContain("--grace SECONDS")
  })

  describe.skipIf(!reachable)("on PostgreSQL", () => {
    const id = randomUUID().replaceAll("-", "").slice(0, 10)
    const schema = `psa_cli_worker_${id}`
    const queueSchema = `psa_cli_worker_${id}_jobs`
    const dir = mkdtempSync(join(tmpdir(), "psa-cli-worker-"))
    const keyFile = join(dir, "ledger.key")
    const storage = `${url}?schema=${schema}`
    const env = { PSA_LEDGER_STORAGE: storage, PSA_LEDGER_SECRET_KEY_FILE: keyFile }

    afterAll(async () => {
      rmSync(dir, { recursive: true, force: true })
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      await client.query(`drop schema if exists ${schema} cascade`)
      await client.query(`drop schema if exists ${queueSchema} cascade`)
      await client.end()
    })

    it("runs a played job through the queue and stops cleanly on SIGTERM", async () => {
      expect((await cli(["init", "--key-file", keyFile], { env })).status).toBe(0)
      const deployment = await openDeployment({
        storage: (encryptionKey) => postgresStorage({ connectionString: url, schema, encryptionKey }),
        secretKey: readFileSync(keyFile, "utf8").trim()
      })
      await deployment.links.create("acme", {
        name: "Acme",
        // Nothing listens on port 9: every call is refused at once, no real host is reached.
        connectwise: {
          baseUrl: "http://127.0.0.1:9/v4_6_release/apis/3.0",
          companyId: "msp",
          publicKey: "pub",
          privateKey: "priv-key"
        },
        exact: {
          baseUrl: "http://127.0.0.1:9",
          clientId: "client",
          redirectUri: "https://portal.example/cb",
          clientSecret: "client-secret"
        },
        settings: {}
      })
      // Workers run the schedules only when the deployment says so (a worker refuses in-process).
      await deployment.settings.update({ scheduling: "workers" }, { expectedVersion: 0 })
      await deployment.close()

      const child = spawn(
        process.execPath,
        binArgs(["worker", "--queue-schema", queueSchema, "--port", "0", "--polling", "0.5", "--name", "cli-worker"]),
        { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] }
      )
      const lines: Array<Record<string, unknown>> = []
      let stderr = ""
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
        stderr += chunk
      })
      let rest = ""
      const waiting = new Set<() => void>()
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        rest += chunk
        const parts = rest.split("\n")
        rest = parts.pop() ?? ""
        for (const part of parts) if (part.trim() !== "") lines.push(JSON.parse(part) as Record<string, unknown>)
        for (const look of waiting) look()
      })
      const seen = (message: string) =>
        new Promise<Record<string, unknown>>((resolve, reject) => {
          const look = () => {
            const found = lines.find((l) => l.message === message)
            if (found !== undefined) {
              waiting.delete(look)
              resolve(found)
            }
          }
          waiting.add(look)
          child.once("exit", () => reject(new Error(`the worker exited before "${message}": ${stderr}`)))
          // Only stops a hung test.
          setTimeout(
            () => reject(new Error(`no "${message}" yet: ${JSON.stringify(lines)} ${stderr}`)),
            120_000
          ).unref()
          look()
        })
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
      const served = await seen("health and metrics served")
      const health = await fetch(`http://127.0.0.1:${String(served.port)}/health`)
      expect(await health.json()).toMatchObject({ ok: true, worker: "cli-worker" })

      const played = await cli(
        ["worker", "play", "acme", "exact.keepAlive", "--queue-schema", queueSchema, "--retry", "*=0", "--json"],
        { env }
      )
      expect(played.status).toBe(0)
      const { jobId } = JSON.parse(played.stdout) as { jobId: string }
      // The link has no Exact consent, so its keep-alive fails; with no retries it is dead-lettered.
      const dead = await seen("job dead-lettered")
      expect(dead).toMatchObject({ linkId: "acme", job: "exact.keepAlive" })
      expect(lines.find((l) => l.message === "job started")).toMatchObject({ jobId, attempt: 1, of: 1 })
      expect(
        (await cli(["worker", "play", "nobody", "transfer.run", "--queue-schema", queueSchema], { env })).status
      ).toBe(1)

      child.kill("SIGTERM")
      expect(await exited).toBe(0)
      expect(lines.some((l) => l.message === "worker stopped")).toBe(true)
      const all = JSON.stringify(lines) + stderr
      expect(all).not.toContain("priv-key")
      expect(all).not.toContain("client-secret")
    })
  })
})
