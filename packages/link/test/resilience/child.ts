/**
 * The process the kill tests kill: opens the link's SQLite storage, builds both clients against the
 * sandbox (through the parent's proxy) and runs one engine to the end — Flow A's `applyPlan` of the
 * plan file, or Flow B's `runTransfer` of the world's latest month — then writes its report.
 *
 *   node --conditions=@psa-ledger/source child.ts <config.json>
 *
 * Exit 0 with the report written; anything else is a failure the parent reports with stderr.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { ChangePlan, type RunLeases } from "@psa-ledger/reconcile-core"
import { postgresStorage } from "@psa-ledger/storage-adapters/postgres"
import { sqliteStorage } from "@psa-ledger/storage-adapters/sqlite"
import { DateTime, Schema } from "effect"
import { runLink } from "../../src/internal/bridge.ts"
import { createLink } from "../../src/Link.ts"
import { type ApplyReport, applyPlan } from "../../src/reconciliation/Apply.ts"
import { runTransfer } from "../support/transfer.ts"
import {
  AGREEMENT_CONTACT,
  clientsFor,
  ENCRYPTION_KEY,
  type Endpoint,
  entrySettingsFor,
  LINK_ID,
  settingsFor,
  transferRange
} from "./harness.ts"

/** What the parent tells a child. */
export interface ChildConfig {
  /**
   * `link-apply` applies the plan file through `createLink` as a run, or — when the link has an
   * unfinished run (an earlier child was killed) — resumes that run with `runs.resume`.
   */
  readonly flow: "apply" | "transfer" | "transfer-entry" | "link-apply"
  readonly endpoint: Endpoint
  /** The SQLite file, or with `postgres` the connection string. */
  readonly database: string
  /** PostgreSQL storage in this schema instead of SQLite. */
  readonly postgres?: { readonly schema: string } | undefined
  /**
   * Opens storage, writes `<startFile>.<runId>.ready`, then waits for this file to exist before it
   * starts (so racing children start together).
   */
  readonly startFile?: string | undefined
  /** The encoded `ChangePlan` (apply only). */
  readonly planFile?: string
  readonly reportFile: string
  readonly runId: string
  /** The journal's clock: this child's time, standing still (leases pass between children, never within one). */
  readonly clockMs: number
}

const [configFile] = process.argv.slice(2)
if (configFile === undefined) throw new Error("usage: child.ts <config.json>")
const config = JSON.parse(readFileSync(configFile, "utf8")) as ChildConfig

const storage =
  config.postgres === undefined
    ? await sqliteStorage({ filename: config.database, encryptionKey: ENCRYPTION_KEY })
    : await postgresStorage({
        connectionString: config.database,
        schema: config.postgres.schema,
        encryptionKey: ENCRYPTION_KEY,
        pool: { max: 3 }
      })
const { connectwise, exact } = clientsFor(config.endpoint, storage.tokens(LINK_ID))
if (config.startFile !== undefined) {
  const startFile = config.startFile
  writeFileSync(`${startFile}.${config.runId}.ready`, "ready")
  while (!existsSync(startFile)) await new Promise((resolve) => setTimeout(resolve, 5))
}

/** What the parent reads back: counts and each outcome's status (the reports hold decimals and classes). */
export interface ChildReport {
  readonly counts: Readonly<Record<string, number>>
  readonly outcomes: ReadonlyArray<{ readonly key: string; readonly status: string; readonly reason?: string }>
  /** The run a `link-apply` child resumed. */
  readonly resumed?: string
}

/**
 * The link's run leases on this child's clock: each child lives in its own hour (see `clockMs`), so a
 * killed child's lease has passed when the next starts, as a dead process's would after a minute.
 */
const leasesOnChildClock = (leases: RunLeases["Service"]): RunLeases["Service"] => {
  const offset = config.clockMs - Date.UTC(2026, 10, 1)
  const shift = (at: DateTime.Utc) => DateTime.add(at, { milliseconds: offset })
  return {
    acquire: (linkId, options) =>
      leases.acquire(linkId, { ...options, at: shift(options.at), until: shift(options.until) }),
    renew: (linkId, runId, options) =>
      leases.renew(linkId, runId, { at: shift(options.at), until: shift(options.until) }),
    release: (linkId, runId) => leases.release(linkId, runId),
    holder: (linkId) => leases.holder(linkId)
  }
}

let report: ChildReport
if (config.flow === "link-apply") {
  if (config.planFile === undefined) throw new Error("link-apply needs a planFile")
  const plan = Schema.decodeUnknownSync(ChangePlan)(JSON.parse(readFileSync(config.planFile, "utf8")))
  const ex = config.endpoint.credentials.exact
  const link = createLink({
    id: LINK_ID,
    exact: {
      baseUrl: config.endpoint.exact,
      clientId: ex.clientId,
      clientSecret: ex.clientSecret,
      redirectUri: ex.redirectUri,
      division: ex.division
    },
    connectwise,
    storage: { ...storage, leases: leasesOnChildClock(storage.leases) },
    settings: settingsFor(),
    now: () => config.clockMs,
    ids: () => config.runId,
    agreementContact: () => AGREEMENT_CONTACT
  })
  const [unfinished] = await link.runs.unfinished()
  const result =
    unfinished === undefined ? await link.reconciliation.apply(plan) : await link.runs.resume(unfinished.runId)
  const applied = result.report as ApplyReport | undefined
  if (applied === undefined) throw new Error(`the run ended ${result.status}: ${result.error?.message ?? ""}`)
  report = {
    counts: applied.counts,
    outcomes: applied.operations.map((o) => ({
      key: o.key,
      status: o.status,
      ...(o.status === "done" ? {} : { reason: `${o.reason._tag}: ${o.reason.message}` })
    })),
    ...(unfinished === undefined ? {} : { resumed: unfinished.runId })
  }
} else if (config.flow === "apply") {
  if (config.planFile === undefined) throw new Error("apply needs a planFile")
  const plan = Schema.decodeUnknownSync(ChangePlan)(JSON.parse(readFileSync(config.planFile, "utf8")))
  const applied = await runLink(
    "applyPlan",
    applyPlan(
      {
        linkId: LINK_ID,
        connectwise,
        mappings: storage.mappings,
        journal: storage.journal,
        now: () => config.clockMs,
        agreementContact: () => AGREEMENT_CONTACT
      },
      plan,
      { runId: config.runId }
    )
  )
  report = {
    counts: applied.counts,
    outcomes: applied.operations.map((o) => ({
      key: o.key,
      status: o.status,
      ...(o.status === "done" ? {} : { reason: `${o.reason._tag}: ${o.reason.message}` })
    }))
  }
} else {
  const transferred = await runTransfer(
    {
      linkId: LINK_ID,
      exact,
      connectwise,
      ledger: storage.transfers,
      journal: storage.journal,
      mappings: storage.mappings,
      settings: config.flow === "transfer-entry" ? entrySettingsFor() : settingsFor(),
      now: () => new Date(config.clockMs)
    },
    transferRange(),
    { runId: config.runId }
  )
  report = {
    counts: transferred.counts,
    outcomes: transferred.invoices.map((o) => ({
      key: o.number,
      status: o.status,
      ...(o.status === "failed" ? { reason: `${o.step}: ${o.failure._tag}: ${o.failure.message}` } : {}),
      ...(o.status === "blocked" ? { reason: o.reasons.join("; ") } : {})
    }))
  }
}
writeFileSync(config.reportFile, JSON.stringify(report))
await storage.close()
