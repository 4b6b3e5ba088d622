// The worker's command-line options, shared by `psa-ledger-worker` and `psa-ledger worker`.
import type { ParseArgsOptionsConfig } from "node:util"
import type { Mailer } from "@psa-ledger/link"
import { parseRetry, type Retry, retryPolicy } from "@psa-ledger/link/pg-boss"
import { fileClock, type HostOptions } from "./host.ts"

export const workerOptions = {
  "queue-schema": { type: "string" },
  name: { type: "string" },
  concurrency: { type: "string" },
  port: { type: "string" },
  "metrics-host": { type: "string" },
  grace: { type: "string" },
  tick: { type: "string" },
  heartbeat: { type: "string" },
  supervise: { type: "string" },
  polling: { type: "string" },
  retry: { type: "string", multiple: true },
  "no-plan": { type: "boolean" },
  "clock-file": { type: "string" }
} as const satisfies ParseArgsOptionsConfig

export const workerOptionHelp: ReadonlyArray<readonly [string, string]> = [
  ["--queue-schema NAME", "the schema of the fleet's queue (pg-boss), default psa_ledger_jobs"],
  ["--name NAME", "this worker's name in logs (default worker-PID)"],
  ["--concurrency N", "jobs this worker runs at once, never two of one link (default 2)"],
  ["--port N", "serve /health and /metrics on this port (default 9464; 0 any free port)"],
  ["--metrics-host HOST", "the address /health and /metrics listen on (default 127.0.0.1)"],
  ["--grace SECONDS", "on SIGTERM/SIGINT, how long running jobs may finish before they are handed back (30)"],
  ["--tick SECONDS", "how often schedules are re-read and due occurrences enqueued (15)"],
  ["--heartbeat SECONDS", "a job whose worker stops beating this long is retried elsewhere (30, at least 10)"],
  ["--supervise SECONDS", "how often lapsed heartbeats are looked for (30)"],
  ["--polling SECONDS", "how often an idle worker looks for work (2)"],
  ["--retry JOB=N[:DELAY]", "retries of a job (or *) after a failure, the first DELAY seconds later, doubling"],
  ["--no-plan", "only run jobs; leave planning to other workers"],
  ["--clock-file FILE", "read now from FILE (an ISO 8601 time): rehearsals and tests"]
]

const seconds = (values: Record<string, unknown>, key: string): number | undefined => {
  const text = values[key]
  if (text === undefined) return undefined
  const value = Number(text)
  if (typeof text !== "string" || !Number.isFinite(value) || value < 0) {
    throw new Error(`--${key} must be a number of seconds, not ${JSON.stringify(text)}`)
  }
  return value
}

const count = (values: Record<string, unknown>, key: string): number | undefined => {
  const value = seconds(values, key)
  if (value !== undefined && !Number.isInteger(value)) throw new Error(`--${key} must be a whole number`)
  return value
}

/** The host options these flags give (all but the deployment, its database and the signal). */
export const hostOptionsOf = (
  values: Record<string, unknown>
): Omit<HostOptions, "deployment" | "connectionString" | "signal"> => {
  const overrides: Record<string, Partial<Retry>> = {}
  for (const text of (values.retry as ReadonlyArray<string> | undefined) ?? []) {
    const [job, retry] = parseRetry(text)
    overrides[job] = { ...overrides[job], ...retry }
  }
  const tick = seconds(values, "tick")
  const grace = seconds(values, "grace")
  const clockFile = values["clock-file"]
  return {
    queueSchema: values["queue-schema"] as string | undefined,
    name: values.name as string | undefined,
    concurrency: count(values, "concurrency"),
    port: count(values, "port") ?? 9464,
    host: values["metrics-host"] as string | undefined,
    graceMs: grace === undefined ? undefined : grace * 1_000,
    tickMs: tick === undefined ? undefined : tick * 1_000,
    heartbeatSeconds: seconds(values, "heartbeat"),
    superviseSeconds: seconds(values, "supervise"),
    pollingSeconds: seconds(values, "polling"),
    retries: retryPolicy(overrides),
    plan: values["no-plan"] !== true,
    clock: typeof clockFile === "string" ? fileClock(clockFile) : undefined
  }
}

/** The PostgreSQL URL and storage schema of a `postgres://…[?schema=NAME]` storage. */
export const postgresTarget = (text: string | undefined): { connectionString: string; schema: string | undefined } => {
  if (text === undefined || !/^postgres(ql)?:\/\//.test(text)) {
    throw new Error("the worker needs a postgres:// storage (--storage or PSA_LEDGER_STORAGE): the fleet shares it")
  }
  const url = new URL(text)
  const schema = url.searchParams.get("schema") ?? undefined
  url.searchParams.delete("schema")
  return { connectionString: url.toString(), schema }
}

export const alertOptions = {
  "alert-to": { type: "string", multiple: true },
  smtp: { type: "string" },
  "mail-from": { type: "string" }
} as const satisfies ParseArgsOptionsConfig

export const alertOptionHelp: ReadonlyArray<readonly [string, string]> = [
  ["--alert-to ADDRESS", "mail a job's failure after its last try here, once (not per retry)"],
  ["--smtp smtp://…", "the SMTP server for --alert-to (or PSA_LEDGER_SMTP_URL), e.g. smtp://user:pass@host:587"],
  ["--mail-from ADDRESS", "the sender of the alert (default psa-ledger@HOST)"]
]

/** The alert of `--alert-to`, mailed through `--smtp`; `undefined` without `--alert-to`. */
export const alertOf = async (
  values: Record<string, unknown>
): Promise<{ readonly mailer: Mailer; readonly to: ReadonlyArray<string> } | undefined> => {
  const to = (values["alert-to"] as ReadonlyArray<string> | undefined) ?? []
  if (to.length === 0) return undefined
  const text = (values.smtp as string | undefined) ?? process.env.PSA_LEDGER_SMTP_URL
  if (text === undefined || !/^smtps?:\/\//.test(text)) throw new Error("--alert-to needs --smtp smtp://host:port")
  const url = new URL(text)
  const { smtpMailer } = await import("@psa-ledger/link/smtp")
  const user = decodeURIComponent(url.username)
  return {
    to,
    mailer: smtpMailer({
      host: url.hostname,
      port: url.port === "" ? (url.protocol === "smtps:" ? 465 : 587) : Number(url.port),
      secure: url.protocol === "smtps:",
      ...(user === "" ? {} : { auth: { user, pass: decodeURIComponent(url.password) } }),
      from: (values["mail-from"] as string | undefined) ?? `psa-ledger@${url.hostname}`
    })
  }
}

/**
 * `PSA_LEDGER_LEASE_MS`: how long a dead worker holds a link (its run lease and journal claims)
 * before another run takes over; unset, the deployment's default (a minute).
 */
export const leaseMsOf = (env: NodeJS.ProcessEnv): number | undefined => {
  const text = env.PSA_LEDGER_LEASE_MS
  if (text === undefined || text.trim() === "") return undefined
  const value = Number(text)
  if (!/^\d+$/.test(text.trim()) || value < 1_000 || value > 86_400_000) {
    throw new Error(`PSA_LEDGER_LEASE_MS must be a whole number of milliseconds from 1000 to 86400000`)
  }
  return value
}
