// A loaded month is shared by every server on one storage: loaded on one, its grid, drafts and plan
// are served by the other, and a newer load on either is what both serve. Two servers, each with its
// own deployment and SQLite handle on one file, as two processes behind a load balancer without
// session affinity.
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { deriveStorageKey } from "@psa-ledger/deployment"
import { createSandbox, createWorld, virtualClock } from "@psa-ledger/sandbox"
import { sqliteStorage } from "@psa-ledger/storage-adapters/sqlite"
import { Effect, Option } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { addUsers, client, openWorld, until } from "./support.ts"

const dir = mkdtempSync(join(tmpdir(), "psa-shared-month-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe("a loaded month on two servers over one storage", () => {
  it("is served by the other server (grid, draft, plan), and a newer load on either is what both serve", async () => {
    const secretKey = randomBytes(32).toString("base64")
    const filename = join(dir, "ledger.db")
    const open = () => sqliteStorage({ filename, encryptionKey: deriveStorageKey(secretKey) })
    const sandbox = createSandbox({
      world: createWorld({ seed: 11, customers: 12, products: 4, months: 2 }),
      clock: virtualClock(Date.UTC(2026, 3, 2, 8))
    })
    const a = await openWorld({ storage: await open(), secretKey, sandbox })
    const b = await openWorld({ storage: await open(), secretKey, sandbox })
    try {
      await addUsers(a.storage)
      const ann = client(a.server)
      await ann.signIn("ann")
      expect((await ann.post("/links", { id: "acme", config: a.config("Acme") })).status).toBe(201)
      const connect = await ann.post("/links/acme/exact/connect", {})
      await ann.get(`/oauth/exact/callback${await a.consent(connect.body.url)}`)
      const onA = client(a.server)
      await onA.signIn("fin")
      const onB = client(b.server)
      onB.cookie = onA.cookie
      onB.csrf = onA.csrf
      const month = (await onA.get("/links/acme/months")).body.months[0] as string
      const path = `/links/acme/months/${month}`
      expect((await onB.get(path)).body).toEqual({ month, state: "not-loaded" })
      expect((await onB.get(`${path}/grid`)).body.error.code).toBe("MonthNotLoaded")

      // Loaded on A.
      expect((await onA.post(`${path}/load`)).status).toBe(202)
      await until(async () => (await onA.get(path)).body.state === "ready", "the load on A")
      const gridA = await onA.get(`${path}/grid?limit=1000`)
      expect(gridA.body.total).toBeGreaterThan(0)
      // B serves the same month: its status, grid and pages.
      expect((await onB.get(path)).body).toEqual({ month, state: "ready", rows: gridA.body.total })
      const gridB = await onB.get(`${path}/grid?limit=1000`)
      expect(gridB.status).toBe(200)
      expect(gridB.body).toEqual(gridA.body)
      expect((await onB.get(`${path}/grid?offset=1&limit=2`)).body.rows).toEqual(gridA.body.rows.slice(1, 3))

      // Stored as its Schemas encode it: decimals are strings.
      const stored = Option.getOrThrow(await Effect.runPromise(b.storage.loadedMonths.get("acme", month)))
      const line = (stored.document as { lines: Array<{ quantity: unknown; unitCost: unknown }> }).lines[0]
      expect(typeof line?.quantity).toBe("string")
      expect(typeof line?.unitCost).toBe("string")

      // A draft saved on A (every change approved); B plans it exactly as A does.
      const decisions = Object.fromEntries(
        gridA.body.rows.map((r: { row: { key: string } }) => [r.row.key, { approve: "all" }])
      )
      const saved = await onA.put(`${path}/draft`, { version: 0, decisions })
      expect(saved.status).toBe(200)
      const planA = await onA.post(`${path}/plan`)
      const planB = await onB.post(`${path}/plan`)
      expect(planB.status).toBe(200)
      expect(planB.body).toEqual(planA.body)
      expect(planB.body.draftVersion).toBe(1)
      expect(planB.body.plan.operations.length).toBeGreaterThan(0)

      // A newer load on B (after a mapping changed what a row links to) is what A serves next.
      const customerKey = gridA.body.rows[0].row.customer.key as string
      expect(
        (
          await onB.put("/links/acme/mappings", {
            ref: { kind: "customer", sourceKey: customerKey },
            targetId: 999_999
          })
        ).status
      ).toBe(200)
      expect((await onB.post(`${path}/load`)).status).toBe(202)
      await until(async () => (await onB.get(path)).body.state === "ready", "the load on B")
      const reloaded = await onB.get(`${path}/grid?limit=1000`)
      expect(reloaded.body).not.toEqual(gridA.body)
      expect((await onA.get(`${path}/grid?limit=1000`)).body).toEqual(reloaded.body)

      // A removed link's loaded months go with it.
      expect((await ann.del("/links/acme")).body).toEqual({ removed: true })
      expect(Option.isNone(await Effect.runPromise(a.storage.loadedMonths.head("acme", month)))).toBe(true)
    } finally {
      await a.server.close()
      await b.server.close()
      await a.storage.close()
      await b.storage.close()
    }
  })
})
