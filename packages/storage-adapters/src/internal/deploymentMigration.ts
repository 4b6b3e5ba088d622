import type { Migration } from "./migrations.ts"

/**
 * Schema step 5: what a deployment keeps beside its links — sealed secrets, pending OAuth states,
 * the audit trail and deployment-wide configuration documents.
 */
export const deploymentMigration: Migration = {
  version: 5,
  name: "deployment: sealed secrets, OAuth states, audit trail, configuration documents",
  statements: (dialect, t) => {
    // Keys compare byte-wise on PostgreSQL, as on SQLite (see migrations.ts).
    const k = dialect === "postgres" ? `TEXT COLLATE "C"` : "TEXT"
    return [
      `CREATE TABLE ${t("psa_secrets")} (
        owner ${k} NOT NULL,
        name ${k} NOT NULL,
        sealed TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (owner, name)
      )`,
      `CREATE TABLE ${t("psa_oauth_states")} (
        state ${k} NOT NULL PRIMARY KEY,
        link_id ${k} NOT NULL,
        nonce TEXT NOT NULL,
        return_to TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        expires_ms BIGINT NOT NULL,
        used_at TEXT
      )`,
      `CREATE TABLE ${t("psa_audit")} (
        owner ${k} NOT NULL,
        seq BIGINT NOT NULL,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        fields TEXT NOT NULL,
        PRIMARY KEY (owner, seq)
      )`,
      `CREATE TABLE ${t("psa_configs")} (
        key ${k} NOT NULL PRIMARY KEY,
        document TEXT NOT NULL,
        version BIGINT NOT NULL,
        updated_at TEXT NOT NULL
      )`
    ]
  }
}
