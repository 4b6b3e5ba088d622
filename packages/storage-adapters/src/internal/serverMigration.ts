import type { Migration } from "./migrations.ts"

/**
 * Schema step 9: what an HTTP server keeps — users with their grants, sessions, sign-in throttle
 * counters, draft decisions with versions, run events readable across processes, the approval audit.
 */
export const serverMigration: Migration = {
  version: 9,
  name: "server: users and grants, sessions, throttle counters, draft decisions, run events, approvals",
  statements: (dialect, t) => {
    // Keys compare byte-wise on PostgreSQL, as on SQLite (see migrations.ts).
    const k = dialect === "postgres" ? `TEXT COLLATE "C"` : "TEXT"
    return [
      `CREATE TABLE ${t("psa_users")} (
        username ${k} NOT NULL PRIMARY KEY,
        document TEXT NOT NULL,
        version BIGINT NOT NULL
      )`,
      `CREATE TABLE ${t("psa_sessions")} (
        id ${k} NOT NULL PRIMARY KEY,
        username ${k} NOT NULL,
        csrf_hash TEXT NOT NULL,
        created_ms BIGINT NOT NULL,
        expires_ms BIGINT NOT NULL
      )`,
      `CREATE INDEX psa_sessions_by_user ON ${t("psa_sessions")} (username)`,
      `CREATE TABLE ${t("psa_throttle")} (
        key ${k} NOT NULL PRIMARY KEY,
        count BIGINT NOT NULL,
        window_ms BIGINT NOT NULL
      )`,
      `CREATE TABLE ${t("psa_drafts")} (
        link_id ${k} NOT NULL,
        month ${k} NOT NULL,
        decisions TEXT NOT NULL,
        version BIGINT NOT NULL,
        updated_by TEXT NOT NULL,
        updated_ms BIGINT NOT NULL,
        PRIMARY KEY (link_id, month)
      )`,
      `CREATE TABLE ${t("psa_run_events")} (
        link_id ${k} NOT NULL,
        run_id ${k} NOT NULL,
        seq BIGINT NOT NULL,
        type TEXT NOT NULL,
        data TEXT NOT NULL,
        at_ms BIGINT NOT NULL,
        PRIMARY KEY (link_id, run_id, seq)
      )`,
      `CREATE TABLE ${t("psa_approvals")} (
        link_id ${k} NOT NULL,
        seq BIGINT NOT NULL,
        document TEXT NOT NULL,
        PRIMARY KEY (link_id, seq)
      )`
    ]
  }
}
