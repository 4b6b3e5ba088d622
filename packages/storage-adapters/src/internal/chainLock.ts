import { randomUUID } from "node:crypto"
import { TokenStoreError } from "../TokenStoreError.ts"
import { type Driver, reasonText } from "./driver.ts"

/** Holds a link's token-chain lock across processes while `fn` runs. */
export type ChainLock = <A>(linkId: string, fn: () => Promise<A>) => Promise<A>

/** Serialises callers in this process per key, so only one of them at a time waits on the database lock. */
export const keyedQueue = () => {
  const tails = new Map<string, Promise<unknown>>()
  return <A>(key: string, fn: () => Promise<A>): Promise<A> => {
    const previous = tails.get(key) ?? Promise.resolve()
    const run = previous.then(fn, fn)
    const tail = run.then(
      () => undefined,
      () => undefined
    )
    tails.set(key, tail)
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key)
    })
    return run
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * SQLite's cross-process chain lock: a lease row claimed in a `BEGIN IMMEDIATE` transaction, renewed
 * while held and released when `fn` settles. A crashed holder's lease runs out after `leaseMs`.
 * (Holding `BEGIN IMMEDIATE` itself for the whole refresh would block every other write to the file.)
 */
export const sqliteChainLock = (
  driver: Driver,
  options: { readonly leaseMs: number; readonly waitMs: number }
): ChainLock => {
  const queue = keyedQueue()
  const table = driver.table("psa_token_locks")
  return (linkId, fn) =>
    queue(linkId, async () => {
      const holder = randomUUID()
      const deadline = Date.now() + options.waitMs
      for (let attempt = 0; ; attempt++) {
        let claimed: boolean
        try {
          claimed = await driver.transaction(async (tx) => {
            const now = Date.now()
            const changed = await tx.run(
              `INSERT INTO ${table} (link_id, holder, expires_ms) VALUES ($1, $2, $3)
               ON CONFLICT (link_id) DO UPDATE SET holder = excluded.holder, expires_ms = excluded.expires_ms
               WHERE ${table}.expires_ms < $4`,
              [linkId, holder, now + options.leaseMs, now]
            )
            return changed === 1
          })
        } catch (error) {
          throw new TokenStoreError("Unavailable", reasonText(driver, error), linkId)
        }
        if (claimed) break
        if (Date.now() > deadline) {
          throw new TokenStoreError("Unavailable", `the token chain lock stayed held past ${options.waitMs} ms`, linkId)
        }
        await sleep(Math.min(5 * 2 ** Math.min(attempt, 5), 100) * (0.5 + Math.random()))
      }
      const renew = setInterval(
        () => {
          driver
            .run(`UPDATE ${table} SET expires_ms = $3 WHERE link_id = $1 AND holder = $2`, [
              linkId,
              holder,
              Date.now() + options.leaseMs
            ])
            .catch(() => undefined)
        },
        Math.max(10, Math.floor(options.leaseMs / 3))
      )
      renew.unref()
      try {
        return await fn()
      } finally {
        clearInterval(renew)
        await driver
          .run(`DELETE FROM ${table} WHERE link_id = $1 AND holder = $2`, [linkId, holder])
          .catch(() => undefined)
      }
    })
}
