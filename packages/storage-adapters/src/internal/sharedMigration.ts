import type { Migration } from "./migrations.ts"

/**
 * Schema step 8: what several server processes on one storage share — each month's newest load
 * (its document gzip-compressed, base64 in a text column so both drivers bind it as a string), and
 * the claims of schedule occurrences (one row per link, job and due time: the first insert runs it).
 */
export const sharedMigration: Migration = {
  version: 8,
  name: "shared across processes: loaded months, schedule occurrence claims",
  statements: (dialect, t) => {
    // Keys compare byte-wise on PostgreSQL, as on SQLite (see migrations.ts).
    const k = dialect === "postgres" ? `TEXT COLLATE "C"` : "TEXT"
    return [
      `CREATE TABLE ${t("psa_loaded_months")} (
        link_id ${k} NOT NULL,
        month ${k} NOT NULL,
        load_id TEXT NOT NULL,
        loaded_ms BIGINT NOT NULL,
        loaded_by TEXT NOT NULL,
        row_count BIGINT NOT NULL,
        document_gzip TEXT NOT NULL,
        PRIMARY KEY (link_id, month)
      )`,
      `CREATE TABLE ${t("psa_schedule_claims")} (
        link_id ${k} NOT NULL,
        job ${k} NOT NULL,
        due_ms BIGINT NOT NULL,
        holder TEXT NOT NULL,
        claimed_ms BIGINT NOT NULL,
        PRIMARY KEY (link_id, job, due_ms)
      )`
    ]
  }
}
