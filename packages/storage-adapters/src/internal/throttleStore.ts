import { ThrottleStore } from "@psa-ledger/reconcile-core"
import type { Driver } from "./driver.ts"
import { executor, int } from "./sqlRows.ts"

/** The `ThrottleStore` over a SQL driver: one row per counter, counted inside a write transaction. */
export const makeSqlThrottleStore = (driver: Driver): ThrottleStore["Service"] => {
  const exec = executor(driver)
  const T = driver.table("psa_throttle")
  return ThrottleStore.of({
    hit: (key, { now, windowMs }) =>
      exec("ThrottleStore.hit", undefined, () =>
        // One statement: a window that has passed starts over at 1, so concurrent hits never lose a count.
        driver
          .all(
            `INSERT INTO ${T} AS t (key, count, window_ms) VALUES ($1, 1, $2)
             ON CONFLICT (key) DO UPDATE SET
               count = CASE WHEN t.window_ms + $3 <= $2 THEN 1 ELSE t.count + 1 END,
               window_ms = CASE WHEN t.window_ms + $3 <= $2 THEN $2 ELSE t.window_ms END
             RETURNING count, window_ms`,
            [key, now, windowMs]
          )
          .then(([row]) => ({ count: Number(int(row?.count ?? 1)), windowStart: Number(int(row?.window_ms ?? now)) }))
      ),
    peek: (key, { now, windowMs }) =>
      exec("ThrottleStore.peek", undefined, async () => {
        const [row] = await driver.all(`SELECT count, window_ms FROM ${T} WHERE key = $1`, [key])
        const windowStart = row === undefined ? now : Number(int(row.window_ms))
        return row === undefined || windowStart + windowMs <= now
          ? { count: 0, windowStart: now }
          : { count: Number(int(row.count)), windowStart }
      }),
    reset: (key) =>
      exec("ThrottleStore.reset", undefined, async () => {
        await driver.run(`DELETE FROM ${T} WHERE key = $1`, [key])
      })
  })
}
