// What the conformance suites build their records from: one fixed time, small constructors.
import type { TokenSet } from "@psa-ledger/exact-client"
import { Mapping, NewLogEntry, Run, TransferRecord } from "@psa-ledger/reconcile-core"
import { DateTime, Effect } from "effect"

export const run = <A, E>(effect: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(effect)
export const fails = <A, E>(effect: Effect.Effect<A, E>): Promise<E> => Effect.runPromise(Effect.flip(effect))

export const at = DateTime.makeUnsafe("2026-11-01T09:00:00Z")
export const later = (minutes: number) => DateTime.add(at, { minutes })

export const mapping = (sourceKey: string, targetId: number, extra: Partial<Mapping> = {}) =>
  new Mapping(
    { kind: "customer", sourceKey, targetId, method: "manual", decidedBy: "ann", decidedAt: at, ...extra },
    { disableChecks: true }
  )

export const newRun = (id: string, startedAt = at) =>
  new Run(
    { id, job: "reconciliation.apply", trigger: "manual", status: "running", startedAt, counts: {} },
    { disableChecks: true }
  )

export const entry = (message: string, fields: Record<string, unknown> = {}) =>
  new NewLogEntry({ at, level: "info", message, fields: fields as NewLogEntry["fields"] }, { disableChecks: true })

export const transfer = (id: number, extra: Partial<TransferRecord> = {}) =>
  new TransferRecord(
    {
      connectwiseInvoiceId: id,
      connectwiseInvoiceNumber: `INV-${id}`,
      exactInvoiceId: `exact-${id}`,
      kind: "invoice",
      status: "created",
      runId: "r1",
      transferredAt: at,
      updatedAt: at,
      ...extra
    },
    { disableChecks: true }
  )

export const tokenSet = (n: number): TokenSet => ({
  accessToken: `access-${n}`,
  refreshToken: `refresh-${n}`,
  expiresAt: 1_800_000_000_000 + n,
  obtainedAt: 1_799_999_400_000 + n
})
