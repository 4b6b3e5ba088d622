import type { Migration } from "./migrations.ts"

/**
 * Schema step 7: a run keeps its job's outcome as data (an apply's report per operation), so any
 * process reads what each operation did without parsing the run's log.
 */
export const runResultMigration: Migration = {
  version: 7,
  name: "runs keep their job's outcome (an apply's report per operation)",
  statements: (_dialect, t) => [`ALTER TABLE ${t("psa_runs")} ADD COLUMN result TEXT`]
}
