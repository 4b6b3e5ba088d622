import type { Migration } from "./migrations.ts"

/**
 * Schema step 10: each link's remembered exclusions ("ignore this product / customer for good"),
 * one row per (link, kind, key).
 */
export const exclusionMigration: Migration = {
  version: 10,
  name: "remembered exclusions of products and customers per link",
  statements: (dialect, t) => {
    // Keys compare byte-wise on PostgreSQL, as on SQLite (see migrations.ts).
    const k = dialect === "postgres" ? `TEXT COLLATE "C"` : "TEXT"
    return [
      `CREATE TABLE ${t("psa_exclusions")} (
        link_id ${k} NOT NULL,
        kind ${k} NOT NULL,
        key ${k} NOT NULL,
        reason TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT,
        PRIMARY KEY (link_id, kind, key)
      )`
    ]
  }
}

/** Schema step 12: an exclusion keeps what a person called its product or customer (NULL before). */
export const exclusionLabelMigration: Migration = {
  version: 12,
  name: "remembered exclusions keep the product's or customer's name as shown",
  statements: (_dialect, t) => [`ALTER TABLE ${t("psa_exclusions")} ADD COLUMN label TEXT`]
}
