import { AuditEntry, OAuthState, StorageError } from "@psa-ledger/reconcile-core"
import { DateTime, Effect, Option, Redacted } from "effect"
import { describe, expect, it } from "vitest"
import type { Storage } from "../Storage.ts"

const run = <A, E>(effect: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(effect)
const fails = <A, E>(effect: Effect.Effect<A, E>): Promise<E> => Effect.runPromise(Effect.flip(effect))

const at = DateTime.makeUnsafe("2026-11-01T09:00:00Z")
const later = (minutes: number) => DateTime.add(at, { minutes })
const secretOf = (value: Option.Option<Redacted.Redacted<string>>) => Option.map(value, Redacted.value)

const oauthState = (state: string, linkId = "link-1", expiresInMinutes = 10) =>
  new OAuthState({
    state,
    linkId,
    nonce: `nonce-${state}`,
    returnTo: "/links/1",
    createdAt: at,
    expiresAt: later(expiresInMinutes)
  })

const auditEntry = (action: string, fields: ReadonlyArray<string>, minutes = 0) =>
  new AuditEntry({ at: later(minutes), actor: "ann", action, fields })

/** The deployment ports' part of the contract (secrets, OAuth states, audit, configuration documents, key rotation). */
export const deploymentSuite = (storage: () => Storage, newKey: () => string): void => {
  describe("SecretStore", () => {
    it("keeps each owner's secrets apart, lists names without values and replaces by name", async () => {
      const { secrets } = storage()
      await run(secrets.put("a", "connectwise.privateKey", Redacted.make("pk-a"), at))
      await run(secrets.put("b", "connectwise.privateKey", Redacted.make("pk-b"), at))
      await run(secrets.put("@deployment", "smtp.password", Redacted.make("smtp-pw"), at))
      await run(secrets.put("a", "exact.clientSecret", Redacted.make("cs-a"), at))
      await run(secrets.put("a", "connectwise.privateKey", Redacted.make("pk-a2"), later(5)))
      expect(secretOf(await run(secrets.get("a", "connectwise.privateKey")))).toEqual(Option.some("pk-a2"))
      expect(secretOf(await run(secrets.get("b", "connectwise.privateKey")))).toEqual(Option.some("pk-b"))
      expect(secretOf(await run(secrets.get("@deployment", "smtp.password")))).toEqual(Option.some("smtp-pw"))
      expect(Option.isNone(await run(secrets.get("c", "connectwise.privateKey")))).toBe(true)
      const listed = await run(secrets.list("a"))
      expect(listed.map((s) => [s.name, DateTime.formatIso(s.updatedAt)])).toEqual([
        ["connectwise.privateKey", "2026-11-01T09:05:00.000Z"],
        ["exact.clientSecret", "2026-11-01T09:00:00.000Z"]
      ])
      expect(JSON.stringify(listed)).not.toContain("pk-a")
      expect(await run(secrets.remove("a", "exact.clientSecret"))).toBe(1)
      expect(await run(secrets.remove("a", "exact.clientSecret"))).toBe(0)
      expect(await run(secrets.remove("b"))).toBe(1)
      expect(await run(secrets.list("b"))).toEqual([])
      expect((await run(secrets.list("a"))).length).toBe(1)
    })

    it("refuses a malformed owner or name before anything is stored", async () => {
      const { secrets } = storage()
      const owner = await fails(secrets.put("Not A Link", "x", Redacted.make("v"), at))
      expect(owner).toBeInstanceOf(StorageError)
      expect(owner.reason).toMatchObject({ _tag: "InvalidInput", field: "owner" })
      const name = await fails(secrets.put("a", "", Redacted.make("v"), at))
      expect(name.reason).toMatchObject({ _tag: "InvalidInput", field: "name" })
      expect(await run(secrets.list("a"))).toEqual([])
    })

    it("re-seals secrets and token chains under a new key, after which both still open", async () => {
      const s = storage()
      await run(s.secrets.put("a", "exact.clientSecret", Redacted.make("cs-a"), at))
      const tokens = { accessToken: "access-1", refreshToken: "refresh-1", expiresAt: 1_800_000_000_000, obtainedAt: 1 }
      expect(await s.tokens("a").compareAndSet(undefined, tokens)).toBe(true)
      const rotated = await s.rotateEncryptionKey(newKey())
      expect(rotated.tokenChains).toBeGreaterThanOrEqual(1)
      expect(secretOf(await run(s.secrets.get("a", "exact.clientSecret")))).toEqual(Option.some("cs-a"))
      expect(await s.tokens("a").load()).toEqual(tokens)
      const next = { ...tokens, refreshToken: "refresh-2" }
      expect(await s.tokens("a").compareAndSet(tokens, next)).toBe(true)
    })
  })

  describe("OAuthStateStore", () => {
    it("hands a state out once, reports a second use, and refuses a duplicate", async () => {
      const { oauthStates } = storage()
      await run(oauthStates.put(oauthState("s1")))
      const duplicate = await fails(oauthStates.put(oauthState("s1", "link-2")))
      expect(duplicate.reason._tag).toBe("Conflict")
      const first = Option.getOrThrow(await run(oauthStates.consume("s1", later(1))))
      expect(first.firstUse).toBe(true)
      expect(first.state.linkId).toBe("link-1")
      expect(first.state.nonce).toBe("nonce-s1")
      expect(DateTime.formatIso(first.state.expiresAt)).toBe("2026-11-01T09:10:00.000Z")
      const second = Option.getOrThrow(await run(oauthStates.consume("s1", later(2))))
      expect(second.firstUse).toBe(false)
      expect(Option.isNone(await run(oauthStates.consume("unknown", later(1))))).toBe(true)
    })

    it("purges expired states only", async () => {
      const { oauthStates } = storage()
      await run(oauthStates.put(oauthState("old", "link-1", 10)))
      await run(oauthStates.put(oauthState("new", "link-1", 60)))
      expect(await run(oauthStates.purge(later(30)))).toBe(1)
      expect(Option.isNone(await run(oauthStates.consume("old", later(31))))).toBe(true)
      expect(Option.isSome(await run(oauthStates.consume("new", later(31))))).toBe(true)
    })
  })

  describe("AuditStore", () => {
    it("lists each owner's entries newest first, up to the limit", async () => {
      const { audit } = storage()
      await run(audit.append("a", auditEntry("link.create", ["name", "connectwise.privateKey"], 0)))
      await run(audit.append("a", auditEntry("link.update", ["mail.to"], 1)))
      await run(audit.append("b", auditEntry("link.create", ["name"], 2)))
      await run(audit.append("@deployment", auditEntry("settings.update", ["smtp.password"], 3)))
      const trail = await run(audit.list("a"))
      expect(trail.map((e) => [e.action, e.fields])).toEqual([
        ["link.update", ["mail.to"]],
        ["link.create", ["name", "connectwise.privateKey"]]
      ])
      expect(trail[0]?.actor).toBe("ann")
      expect((await run(audit.list("a", { limit: 1 }))).length).toBe(1)
      expect((await run(audit.list("b"))).length).toBe(1)
      expect((await run(audit.list("@deployment")))[0]?.fields).toEqual(["smtp.password"])
      const refused = await fails(audit.append("A B", auditEntry("x", [])))
      expect(refused.reason).toMatchObject({ _tag: "InvalidInput", field: "owner" })
    })
  })

  describe("ConfigStore", () => {
    it("versions documents and refuses a stale expectedVersion", async () => {
      const { configs } = storage()
      const first = await run(
        configs.put(
          { key: "deployment", document: { timeZone: "Europe/Amsterdam" }, updatedAt: at },
          { expectedVersion: 0 }
        )
      )
      expect(first.version).toBe(1)
      const second = await run(
        configs.put({ key: "deployment", document: { timeZone: "UTC" }, updatedAt: later(1) }, { expectedVersion: 1 })
      )
      expect(second.version).toBe(2)
      const stale = await fails(
        configs.put({ key: "deployment", document: {}, updatedAt: later(2) }, { expectedVersion: 1 })
      )
      expect(stale.reason._tag).toBe("Conflict")
      const again = await fails(
        configs.put({ key: "deployment", document: {}, updatedAt: later(2) }, { expectedVersion: 0 })
      )
      expect(again.reason._tag).toBe("Conflict")
      const stored = Option.getOrThrow(await run(configs.get("deployment")))
      expect(stored.document).toEqual({ timeZone: "UTC" })
      expect(stored.version).toBe(2)
      expect(Option.isNone(await run(configs.get("other")))).toBe(true)
    })
  })
}
