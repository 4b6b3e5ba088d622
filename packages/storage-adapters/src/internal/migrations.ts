/**
 * The schema, as numbered steps. A database records the steps it has taken in `psa_migrations`;
 * opening it applies the missing ones in order, so a database made by an older release opens with a
 * newer one. Steps are append-only: never edit a released step, add the next one.
 */

import { deploymentMigration } from "./deploymentMigration.ts"
import { exclusionLabelMigration, exclusionMigration } from "./exclusionMigration.ts"
import { runResultMigration } from "./runResultMigration.ts"
import { serverMigration } from "./serverMigration.ts"
import { sharedMigration } from "./sharedMigration.ts"

/** One schema step, with its statements for each dialect. */
export interface Migration {
  readonly version: number
  readonly name: string
  statements(dialect: "sqlite" | "postgres", table: (name: string) => string): ReadonlyArray<string>
}

// Keys compare byte-wise on PostgreSQL (as they do on SQLite), so orderings match across adapters.
const key = (dialect: "sqlite" | "postgres") => (dialect === "postgres" ? `TEXT COLLATE "C"` : "TEXT")

/** Every step this release knows, oldest first. */
export const migrations: ReadonlyArray<Migration> = [
  {
    version: 1,
    name: "links, mappings, runs and logs, plan journal, transfer ledger",
    statements: (dialect, t) => {
      const k = key(dialect)
      return [
        `CREATE TABLE ${t("psa_links")} (
          id ${k} NOT NULL PRIMARY KEY,
          name TEXT NOT NULL,
          settings TEXT NOT NULL,
          version BIGINT NOT NULL,
          updated_at TEXT NOT NULL
        )`,
        `CREATE TABLE ${t("psa_mappings")} (
          link_id ${k} NOT NULL,
          kind ${k} NOT NULL,
          source_key ${k} NOT NULL,
          product_key ${k} NOT NULL DEFAULT '',
          target_id BIGINT NOT NULL,
          method TEXT NOT NULL,
          decided_by TEXT NOT NULL,
          decided_at TEXT NOT NULL,
          PRIMARY KEY (link_id, kind, source_key, product_key)
        )`,
        `CREATE TABLE ${t("psa_runs")} (
          link_id ${k} NOT NULL,
          id ${k} NOT NULL,
          job TEXT NOT NULL,
          trigger TEXT NOT NULL,
          status TEXT NOT NULL,
          started_at TEXT NOT NULL,
          started_ms BIGINT NOT NULL,
          finished_at TEXT,
          counts TEXT NOT NULL,
          summary TEXT,
          details TEXT,
          log_seq BIGINT NOT NULL DEFAULT 0,
          PRIMARY KEY (link_id, id)
        )`,
        `CREATE INDEX psa_runs_newest ON ${t("psa_runs")} (link_id, started_ms DESC, id DESC)`,
        `CREATE TABLE ${t("psa_run_log")} (
          link_id ${k} NOT NULL,
          run_id ${k} NOT NULL,
          seq BIGINT NOT NULL,
          at TEXT NOT NULL,
          level TEXT NOT NULL,
          message TEXT NOT NULL,
          fields TEXT NOT NULL,
          PRIMARY KEY (link_id, run_id, seq)
        )`,
        `CREATE TABLE ${t("psa_journal")} (
          link_id ${k} NOT NULL,
          op_key ${k} NOT NULL,
          run_id ${k} NOT NULL,
          status TEXT NOT NULL,
          attempts BIGINT NOT NULL,
          started_at TEXT NOT NULL,
          finished_at TEXT,
          result TEXT,
          error TEXT,
          PRIMARY KEY (link_id, op_key)
        )`,
        `CREATE TABLE ${t("psa_transfers")} (
          link_id ${k} NOT NULL,
          cw_invoice_id BIGINT NOT NULL,
          cw_invoice_number TEXT NOT NULL,
          exact_invoice_id TEXT NOT NULL,
          exact_invoice_number TEXT,
          kind TEXT NOT NULL,
          status TEXT NOT NULL,
          total TEXT,
          currency TEXT,
          run_id TEXT NOT NULL,
          transferred_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          PRIMARY KEY (link_id, cw_invoice_id)
        )`
      ]
    }
  },
  {
    version: 2,
    name: "encrypted Exact Online token chains, their cross-process lock, journal by run",
    statements: (dialect, t) => {
      const k = key(dialect)
      return [
        `CREATE TABLE ${t("psa_tokens")} (
          link_id ${k} NOT NULL PRIMARY KEY,
          refresh_fingerprint TEXT NOT NULL,
          sealed TEXT NOT NULL,
          updated_at TEXT NOT NULL
        )`,
        // SQLite's lock is a lease row (PostgreSQL uses advisory locks and leaves this empty).
        `CREATE TABLE ${t("psa_token_locks")} (
          link_id ${k} NOT NULL PRIMARY KEY,
          holder TEXT NOT NULL,
          expires_ms BIGINT NOT NULL
        )`,
        `CREATE INDEX psa_journal_by_run ON ${t("psa_journal")} (link_id, run_id, op_key)`
      ]
    }
  },
  {
    version: 3,
    name: "journal claim leases, one run per link, the Exact error budget",
    statements: (dialect, t) => {
      const k = key(dialect)
      return [
        // NULL for entries begun before leases: they count as expired, as a crashed run's would.
        `ALTER TABLE ${t("psa_journal")} ADD COLUMN lease_until_ms BIGINT`,
        `CREATE TABLE ${t("psa_run_leases")} (
          link_id ${k} NOT NULL PRIMARY KEY,
          run_id ${k} NOT NULL,
          job TEXT NOT NULL,
          until_ms BIGINT NOT NULL
        )`,
        `CREATE TABLE ${t("psa_exact_errors")} (
          scope ${k} NOT NULL,
          endpoint ${k} NOT NULL,
          at_ms BIGINT NOT NULL,
          nonce TEXT NOT NULL,
          PRIMARY KEY (scope, endpoint, at_ms, nonce)
        )`
      ]
    }
  },
  {
    version: 4,
    name: "stored plans of runs, so a killed run is resumed instead of planned again",
    statements: (dialect, t) => {
      const k = key(dialect)
      return [
        `CREATE TABLE ${t("psa_run_plans")} (
          link_id ${k} NOT NULL,
          run_id ${k} NOT NULL,
          job TEXT NOT NULL,
          plan TEXT NOT NULL,
          status TEXT NOT NULL,
          saved_at TEXT NOT NULL,
          saved_ms BIGINT NOT NULL,
          last_run_id ${k} NOT NULL,
          finished_at TEXT,
          note TEXT,
          PRIMARY KEY (link_id, run_id)
        )`,
        `CREATE INDEX psa_run_plans_open ON ${t("psa_run_plans")} (link_id, status, saved_ms)`
      ]
    }
  },
  deploymentMigration,
  {
    version: 6,
    name: "the transfer ledger records whether an entry's ConnectWise PDF is attached",
    // NULL for records made before: no PDF is tracked for them (nothing is attached again).
    statements: (_dialect, t) => [`ALTER TABLE ${t("psa_transfers")} ADD COLUMN pdf_attached INTEGER`]
  },
  runResultMigration,
  sharedMigration,
  serverMigration,
  exclusionMigration,
  {
    version: 11,
    name: "the transfer ledger finds the records whose PDF is still to be attached",
    // Partial: only the few records waiting for their PDF are in it.
    statements: (_dialect, t) => [
      `CREATE INDEX psa_transfers_pdf_missing ON ${t("psa_transfers")} (link_id, transferred_at, cw_invoice_id) WHERE pdf_attached = 0`
    ]
  },
  exclusionLabelMigration,
  {
    version: 13,
    name: "a run records whether its mail went out",
    // NULL for runs finished before, and while a run has not mailed yet.
    statements: (_dialect, t) => [`ALTER TABLE ${t("psa_runs")} ADD COLUMN mail TEXT`]
  },
  {
    version: 14,
    name: "each link's uploaded invoice file (a CSV source's export)",
    statements: (dialect, t) => [
      `CREATE TABLE ${t("psa_invoice_files")} (
        link_id ${dialect === "postgres" ? `TEXT COLLATE "C"` : "TEXT"} NOT NULL PRIMARY KEY,
        name TEXT NOT NULL,
        uploaded_ms BIGINT NOT NULL,
        uploaded_by TEXT NOT NULL,
        bytes BIGINT NOT NULL,
        content_gzip TEXT NOT NULL
      )`
    ]
  }
]

/** The table that records applied steps. */
export const migrationsTable = (table: (name: string) => string): string =>
  `CREATE TABLE IF NOT EXISTS ${table("psa_migrations")} (
    version BIGINT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`
