import { StorageError } from "@psa-ledger/reconcile-core"
import { Effect, Option } from "effect"
import { describe, expect, it } from "vitest"
import type { Storage } from "../Storage.ts"

const run = <A, E>(effect: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(effect)
const fails = <A, E>(effect: Effect.Effect<A, E>): Promise<E> => Effect.runPromise(Effect.flip(effect))

const t0 = Date.UTC(2026, 10, 1, 9)

const user = (username: string, role: "admin" | "finance" | "viewer" = "finance") => ({
  username,
  displayName: username,
  role,
  passwordHash: "scrypt$N=16384,r=8,p=1$c2FsdA$aGFzaA",
  allLinks: false,
  links: ["link-1"],
  disabled: false,
  updatedAt: t0
})

/** The server ports' part of the contract (users, sessions, throttle counters, drafts, run events, approvals). */
export const serverSuite = (storage: () => Storage): void => {
  describe("UserStore", () => {
    it("saves with versions, refuses a stale version, lists by name and removes", async () => {
      const { users } = storage()
      expect((await run(users.put(user("bob"), { expectedVersion: 0 }))).version).toBe(1)
      await run(users.put(user("ann", "admin")))
      const stale = await fails(users.put(user("bob"), { expectedVersion: 0 }))
      expect(stale).toBeInstanceOf(StorageError)
      expect(stale.reason._tag).toBe("Conflict")
      const bob = await run(users.put({ ...user("bob"), links: ["link-1", "link-2"] }, { expectedVersion: 1 }))
      expect(bob.version).toBe(2)
      expect(Option.getOrThrow(await run(users.get("bob"))).links).toEqual(["link-1", "link-2"])
      expect((await run(users.list())).map((u) => [u.username, u.role, u.version])).toEqual([
        ["ann", "admin", 1],
        ["bob", "finance", 2]
      ])
      expect(await run(users.remove("bob"))).toBe(true)
      expect(await run(users.remove("bob"))).toBe(false)
      expect(Option.isNone(await run(users.get("bob")))).toBe(true)
    })

    it("refuses a user that does not validate, naming the field", async () => {
      const { users } = storage()
      const bad = await fails(users.put({ ...user("eve"), role: "root" as "admin" }))
      expect(bad.reason).toMatchObject({ _tag: "InvalidInput", field: "role" })
      expect(await run(users.list())).toEqual([])
    })
  })

  describe("SessionStore", () => {
    it("finds a live session, not an expired one, slides, and ends one or all of a user's", async () => {
      const { sessions } = storage()
      const session = (id: string, username: string, expiresAt: number) => ({
        id,
        username,
        csrfHash: `csrf-${id}`,
        createdAt: t0,
        expiresAt
      })
      await run(sessions.create(session("s1", "ann", t0 + 1_000)))
      await run(sessions.create(session("s2", "ann", t0 + 1_000)))
      await run(sessions.create(session("s3", "bob", t0 + 1_000)))
      expect(Option.getOrThrow(await run(sessions.get("s1", t0))).csrfHash).toBe("csrf-s1")
      expect(Option.isNone(await run(sessions.get("s1", t0 + 1_000)))).toBe(true)
      await run(sessions.touch("s1", t0 + 5_000))
      expect(Option.isSome(await run(sessions.get("s1", t0 + 2_000)))).toBe(true)
      expect(await run(sessions.purge(t0 + 2_000))).toBe(2)
      expect(await run(sessions.removeUser("ann"))).toBe(1)
      expect(await run(sessions.remove("s1"))).toBe(false)
    })
  })

  describe("ThrottleStore", () => {
    it("counts hits in a fixed window, starts over after it and resets", async () => {
      const { throttle } = storage()
      const w = { windowMs: 60_000 }
      expect((await run(throttle.hit("k", { ...w, now: t0 }))).count).toBe(1)
      expect((await run(throttle.hit("k", { ...w, now: t0 + 10 }))).count).toBe(2)
      expect(await run(throttle.peek("k", { ...w, now: t0 + 20 }))).toEqual({ count: 2, windowStart: t0 })
      expect((await run(throttle.hit("other", { ...w, now: t0 }))).count).toBe(1)
      expect(await run(throttle.hit("k", { ...w, now: t0 + 60_000 }))).toEqual({ count: 1, windowStart: t0 + 60_000 })
      await run(throttle.reset("k"))
      expect((await run(throttle.peek("k", { ...w, now: t0 + 60_001 }))).count).toBe(0)
    })
  })

  describe("DraftStore", () => {
    it("keeps drafts per link and month with versions; a stale version is a Conflict", async () => {
      const { drafts } = storage()
      const draft = (linkId: string, decisions: unknown) => ({
        linkId,
        month: "2026-10",
        decisions: decisions as never,
        updatedBy: "ann",
        updatedAt: t0
      })
      expect((await run(drafts.put(draft("link-1", { r1: { approve: true } }), { expectedVersion: 0 }))).version).toBe(
        1
      )
      await run(drafts.put(draft("link-2", {}), { expectedVersion: 0 }))
      const second = await run(drafts.put(draft("link-1", { r1: { approve: false } }), { expectedVersion: 1 }))
      expect(second.version).toBe(2)
      const lost = await fails(drafts.put(draft("link-1", { r2: {} }), { expectedVersion: 1 }))
      expect(lost.reason).toMatchObject({ _tag: "Conflict" })
      expect(lost.reason.message).toContain("found 2")
      const read = Option.getOrThrow(await run(drafts.get("link-1", "2026-10")))
      expect([read.version, read.decisions]).toEqual([2, { r1: { approve: false } }])
      expect(Option.isNone(await run(drafts.get("link-1", "2026-09")))).toBe(true)
      expect(await run(drafts.remove("link-1", "2026-10"))).toBe(true)
      expect(Option.isSome(await run(drafts.get("link-2", "2026-10")))).toBe(true)
    })
  })

  describe("RunEventStore", () => {
    it("numbers events per run and lists those after a number, in pages", async () => {
      const { runEvents } = storage()
      for (let i = 0; i < 5; i++) {
        expect(
          await run(runEvents.append("link-1", "run-a", { type: "progress", data: { done: i }, at: t0 + i }))
        ).toBe(i + 1)
      }
      await run(runEvents.append("link-1", "run-b", { type: "end", data: { status: "succeeded" }, at: t0 }))
      const after2 = await run(runEvents.list("link-1", "run-a", { after: 2, limit: 2 }))
      expect(after2.map((e) => [e.seq, e.type, e.data])).toEqual([
        [3, "progress", { done: 2 }],
        [4, "progress", { done: 3 }]
      ])
      expect((await run(runEvents.list("link-1", "run-b"))).map((e) => e.seq)).toEqual([1])
      expect(await run(runEvents.list("link-2", "run-a"))).toEqual([])
    })
  })

  describe("ApprovalStore", () => {
    it("appends approvals with values before and after, newest first per link", async () => {
      const { approvals } = storage()
      const changes = [{ kind: "quantity", row: "r1", before: "2", after: "3" }]
      await run(approvals.append("link-1", { at: t0, actor: "ann", action: "draft.save", month: "2026-10", changes }))
      await run(approvals.append("link-1", { at: t0 + 1, actor: "bob", action: "apply", runId: "run-1", changes: [] }))
      await run(approvals.append("link-2", { at: t0, actor: "eve", action: "apply", changes: [] }))
      const listed = await run(approvals.list("link-1"))
      expect(listed.map((e) => [e.actor, e.action])).toEqual([
        ["bob", "apply"],
        ["ann", "draft.save"]
      ])
      expect(listed[1]?.changes).toEqual(changes)
      expect((await run(approvals.list("link-1", { limit: 1 }))).length).toBe(1)
    })
  })
}
