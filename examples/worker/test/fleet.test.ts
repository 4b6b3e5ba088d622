// Three worker processes, twenty links, one PostgreSQL, and a month of schedules driven through the
// workers' injected clock (a file the test writes). The expected occurrences are computed here with
// croner directly. One worker is SIGKILLed mid-run and one SIGTERMed mid-run (each replaced, as a
// deploy would); a schedule is edited while the workers run. Every due job must run exactly once, never
// two of one link at once, nothing lost.
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { type DeploymentApi, openDeployment } from "@psa-ledger/deployment"
import { postgresStorage } from "@psa-ledger/storage-adapters/postgres"
import { Cron } from "croner"
import pg from "pg"
import { type Child, setClock, spawnNode, until } from "./support/children.ts"
import { dropSchemas, prefix, reachable, url } from "./support/pg.ts"

const DAY = 86_400_000
const T0 = Date.parse("2026-10-20T00:00:00Z")
const DAYS = 30
const LINKS = 20
const zones = ["Europe/Amsterdam", "America/New_York", "Asia/Tokyo", "UTC"] as const
const childScript = new URL("./support/fleet-child.ts", import.meta.url).pathname

const linkId = (i: number) => `link-${String(i).padStart(2, "0")}`

const linkConfig = (i: number, syncCron: string) => ({
  name: `Customer ${i}`,
  connectwise: { site: "api-eu.myconnectwise.net", companyId: "msp", publicKey: "pub", privateKey: "not-a-real-key" },
  exact: { clientId: "client", redirectUri: "https://portal.example/exact/callback", clientSecret: "not-a-secret" },
  settings: {},
  schedules: [
    { job: "transfer.syncPayments", cron: syncCron, timeZone: zones[i % zones.length], enabled: true },
    { job: "transfer.run", cron: "0 6 1 * *", timeZone: zones[i % zones.length], enabled: true },
    // Disabled: must never run.
    { job: "reconciliation.apply", cron: "0 * * * *", enabled: false }
  ]
})

/** The occurrences of `cron` in `zone` after `from` and at or before `to`, by croner itself. */
const expected = (cron: string, zone: string, from: number, to: number): Array<string> => {
  const c = new Cron(cron, { timezone: zone, paused: true })
  const out: Array<string> = []
  let at = new Date(from)
  for (;;) {
    const next = c.nextRun(at)
    if (next === null || next.getTime() > to) return out
    out.push(next.toISOString())
    at = next
  }
}

describe.skipIf(!reachable)("a fleet of worker processes on one PostgreSQL", () => {
  const base = prefix("fleet")
  const storageSchema = `${base}_store`
  const queueSchema = `${base}_jobs`
  const record = `${base}_rec`
  const dir = mkdtempSync(join(tmpdir(), "psa-worker-"))
  const clockFile = join(dir, "now")
  const secretKey = randomBytes(32).toString("base64")
  const db = new pg.Pool({ connectionString: url, max: 3 })
  const children = new Map<string, Child>()
  let deployment: DeploymentApi
  let spawned = 0

  const start = async (): Promise<Child> => {
    spawned++
    const name = `w${spawned}`
    const child = spawnNode(name, childScript, [], {
      FLEET_PG_URL: url,
      FLEET_STORAGE_SCHEMA: storageSchema,
      FLEET_QUEUE_SCHEMA: queueSchema,
      FLEET_RECORD_SCHEMA: record,
      FLEET_WORKER: name,
      FLEET_SECRET_KEY: secretKey,
      FLEET_CLOCK_FILE: clockFile
    })
    children.set(name, child)
    await child.line((l) => l.message === "health and metrics served", `${name} to start`)
    return child
  }

  const query = async <R extends pg.QueryResultRow>(text: string, values: Array<unknown> = []) =>
    (await db.query<R>(text, values)).rows

  /** Waits until the fleet has planned every listed schedule through `ms`. */
  const planned = (ms: number, schedules: number) =>
    until(`planning through ${new Date(ms).toISOString()}`, async () => {
      const [row] = await query<{ n: string; least: Date | null }>(
        `select count(*) as n, min(planned_until) as least from ${queueSchema}.psa_ledger_cursor`
      )
      return Number(row?.n) === schedules && row?.least !== null && (row?.least?.getTime() ?? 0) >= ms
        ? true
        : undefined
    })

  const attemptOf = (link: string, job: string, due: string, attempt: number) =>
    until(`attempt ${attempt} of ${link} ${job} ${due}`, async () => {
      const [row] = await query<{ worker: string }>(
        `select worker from ${record}.attempts where link_id = $1 and job = $2 and due_at = $3 and attempt = $4`,
        [link, job, due, attempt]
      )
      return row
    })

  beforeAll(async () => {
    await db.query(`create schema ${record}`)
    await db.query(`create table ${record}.attempts (id serial primary key, link_id text not null, job text not null,
      due_at timestamptz, attempt int not null, worker text not null, overlapped boolean not null,
      started_at timestamptz not null, finished_at timestamptz, status text)`)
    await db.query(`create table ${record}.hold (link_id text, job text, due_at timestamptz)`)
    deployment = await openDeployment({
      storage: (encryptionKey) => postgresStorage({ connectionString: url, schema: storageSchema, encryptionKey }),
      secretKey
    })
    // The fleet runs the schedules: the deployment says so, or the workers refuse to start.
    await deployment.settings.update({ scheduling: "workers" }, { expectedVersion: 0 })
    for (let i = 0; i < LINKS; i++) await deployment.links.create(linkId(i), linkConfig(i, "30 7 * * *"))
    setClock(clockFile, T0)
  })

  afterAll(async () => {
    for (const child of children.values()) child.process.kill("SIGKILL")
    await Promise.all([...children.values()].map((child) => child.exited))
    await deployment?.close()
    await db.end()
    await dropSchemas(base)
    rmSync(dir, { recursive: true, force: true })
  })

  it("runs every due job exactly once through a kill, a stop and an edit", async () => {
    for (let i = 0; i < 3; i++) await start()
    // sync, transfer and the Exact keep-alive of each link; the disabled apply is not listed.
    const schedules = LINKS * 3
    await planned(T0, schedules)

    // Mid-run on day 5: link-03's payment sync (its worker is killed); on day 12: link-07's (stopped).
    const killedDue = expected("30 7 * * *", zones[3 % 4] ?? "UTC", T0 + 4 * DAY, T0 + 5 * DAY)[0] ?? ""
    const stoppedDue = expected("30 7 * * *", zones[7 % 4] ?? "UTC", T0 + 11 * DAY, T0 + 12 * DAY)[0] ?? ""
    await db.query(
      `insert into ${record}.hold values ('link-03', 'transfer.syncPayments', $1), ('link-07', 'transfer.syncPayments', $2)`,
      [killedDue, stoppedDue]
    )
    const editedAt = T0 + 15 * DAY
    let killed = ""
    let stopped = ""
    for (let day = 1; day <= DAYS; day++) {
      const now = T0 + day * DAY
      setClock(clockFile, now)
      await planned(now, schedules)
      if (day === 5) {
        const { worker } = await attemptOf("link-03", "transfer.syncPayments", killedDue, 1)
        killed = worker
        const child = children.get(worker)
        child?.process.kill("SIGKILL")
        expect((await child?.exited)?.signal).toBe("SIGKILL")
        children.delete(worker)
        await start()
      }
      if (day === 12) {
        const { worker } = await attemptOf("link-07", "transfer.syncPayments", stoppedDue, 1)
        stopped = worker
        const child = children.get(worker)
        child?.process.kill("SIGTERM")
        // The held run ends on the grace period: handed back, and the process exits cleanly.
        expect(await child?.exited).toEqual({ code: 0, signal: null })
        await child?.line((l) => l.message === "worker stopped", `${worker} to log its stop`)
        children.delete(worker)
        await start()
      }
      if (day === 15) {
        // Edited while the workers run: from now on link-00 syncs at noon.
        const view = await deployment.links.get("link-00")
        await deployment.links.update("link-00", linkConfig(0, "0 12 * * *"), { expectedVersion: view?.version ?? 0 })
      }
    }
    const end = T0 + DAYS * DAY

    const want = new Map<string, number>()
    for (let i = 0; i < LINKS; i++) {
      const zone = zones[i % zones.length] ?? "UTC"
      const sync =
        i === 0
          ? [...expected("30 7 * * *", zone, T0, editedAt), ...expected("0 12 * * *", zone, editedAt, end)]
          : expected("30 7 * * *", zone, T0, end)
      for (const due of sync) want.set(`${linkId(i)} transfer.syncPayments ${due}`, 1)
      for (const due of expected("0 6 1 * *", zone, T0, end)) want.set(`${linkId(i)} transfer.run ${due}`, 1)
      for (const due of expected("17 4 * * 0", "UTC", T0, end)) want.set(`${linkId(i)} exact.keepAlive ${due}`, 1)
    }
    await until("every due job to succeed", async () => {
      const [row] = await query<{ n: string }>(
        `select count(*) as n from ${record}.attempts where status = 'succeeded'`
      )
      return Number(row?.n) >= want.size ? true : undefined
    })
    await until("the queue to drain", async () => {
      const [row] = await query<{ n: string }>(
        `select count(*) as n from ${queueSchema}.job where name = 'psa-ledger-runs' and state in ('created', 'retry', 'active')`
      )
      return Number(row?.n) === 0 ? true : undefined
    })

    const attempts = await query<{
      link_id: string
      job: string
      due: string
      attempt: number
      worker: string
      overlapped: boolean
      status: string | null
    }>(
      `select link_id, job, to_char(due_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as due, attempt, worker, overlapped, status
       from ${record}.attempts order by id`
    )
    const got = new Map<string, number>()
    for (const a of attempts.filter((a) => a.status === "succeeded")) {
      const key = `${a.link_id} ${a.job} ${a.due}`
      got.set(key, (got.get(key) ?? 0) + 1)
    }
    expect(want.size).toBeGreaterThan(LINKS * DAYS)
    expect(got).toEqual(want)
    expect(attempts.filter((a) => a.overlapped)).toEqual([])
    expect(attempts.filter((a) => a.job === "reconciliation.apply")).toEqual([])

    // The killed run never finished; its retry ran on another worker.
    const killedRuns = attempts.filter((a) => a.link_id === "link-03" && a.due === new Date(killedDue).toISOString())
    expect(killedRuns.map((a) => [a.attempt, a.status])).toEqual([
      [1, null],
      [2, "succeeded"]
    ])
    expect(killedRuns[0]?.worker).toBe(killed)
    expect(killedRuns[1]?.worker).not.toBe(killed)
    // The stopped worker's run was handed back at the end of the grace period and finished elsewhere.
    const stoppedRuns = attempts.filter((a) => a.link_id === "link-07" && a.due === new Date(stoppedDue).toISOString())
    expect(stoppedRuns.map((a) => [a.attempt, a.status])).toEqual([
      [1, "cancelled"],
      [2, "succeeded"]
    ])
    expect(stoppedRuns[1]?.worker).not.toBe(stopped)

    // Each live worker's /metrics agrees with what it did.
    for (const child of children.values()) {
      const served = await child.line((l) => l.message === "health and metrics served", "the port")
      const origin = `http://127.0.0.1:${String(served.port)}`
      expect(await (await fetch(`${origin}/health`)).json()).toMatchObject({ ok: true, worker: child.name })
      const text = await (await fetch(`${origin}/metrics`)).text()
      const samples = parsePrometheus(text)
      const ran = samples.filter((s) => s.name === "psa_ledger_jobs_run_total").reduce((n, s) => n + s.value, 0)
      expect(ran).toBe(attempts.filter((a) => a.worker === child.name).length)
      expect(samples.find((s) => s.name === "psa_ledger_queue_depth")?.value).toBe(0)
      expect(text).toContain("# TYPE psa_ledger_jobs_failed_total counter")
    }
    // A hang guard, not a time budget: every wait above gives up on its own after 180 s without
    // progress, and thirty simulated days of worker processes take many minutes on a loaded 2-core
    // machine (a clean-clone run beside four other jobs, load average 50 to 74, ran out of 300 s).
  }, 1_500_000)
})

/** The samples of a Prometheus text exposition: name, labels, value. */
const parsePrometheus = (text: string) =>
  text
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line)
      if (match === null) throw new Error(`not a Prometheus sample: ${line}`)
      return { name: match[1] ?? "", labels: match[2] ?? "", value: Number(match[3]) }
    })
