import { Effect } from "effect"
import { claimKeepMs, encodeOccurrence, ScheduleClaims } from "../ScheduleClaims.ts"
import type { Driver } from "./driver.ts"
import { executor } from "./sqlRows.ts"

/** Schedule claims over a SQL driver: the primary key (link, job, due time) admits one claim. */
export const makeSqlScheduleClaims = (driver: Driver) => {
  const exec = executor(driver)
  const C = driver.table("psa_schedule_claims")
  const scheduleClaims = ScheduleClaims.of({
    claim: (occurrence) =>
      Effect.gen(function* () {
        const operation = "ScheduleClaims.claim"
        const o = yield* encodeOccurrence(occurrence, operation, occurrence.linkId)
        return yield* exec(operation, o.linkId, async () => {
          // The primary key decides: of concurrent inserts exactly one returns its row.
          const claimed = await driver.all(
            `INSERT INTO ${C} (link_id, job, due_ms, holder, claimed_ms) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (link_id, job, due_ms) DO NOTHING RETURNING due_ms`,
            [o.linkId, o.job, o.dueAt, o.holder, o.claimedAt]
          )
          if (claimed.length > 0) {
            await driver.run(`DELETE FROM ${C} WHERE link_id = $1 AND job = $2 AND due_ms < $3`, [
              o.linkId,
              o.job,
              o.dueAt - claimKeepMs
            ])
          }
          return claimed.length > 0
        })
      })
  })
  return scheduleClaims
}
