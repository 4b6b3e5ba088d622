import { LinkId, UserRole } from "@psa-ledger/reconcile-core"
import { Schema } from "effect"

/** Text a person types: 1 to 1,000 characters. */
export const Text = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(1_000))
/** A `YYYY-MM` month. */
export const Month = Schema.String.check(
  Schema.isPattern(/^\d{4}-(0[1-9]|1[0-2])$/, { expected: "a month such as 2026-03" })
)
/** An integer from text (query strings). */
export const IntFromText = (minimum: number, maximum: number) =>
  Schema.NumberFromString.check(Schema.isInt(), Schema.isBetween({ minimum, maximum }))

export const LinkParams = Schema.Struct({ linkId: LinkId })
export const MonthParams = Schema.Struct({ linkId: LinkId, month: Month })
export const RunParams = Schema.Struct({ linkId: LinkId, runId: Text })
export const RowParams = Schema.Struct({ linkId: LinkId, month: Month, rowKey: Text })
export const UserParams = Schema.Struct({ username: Text })

export const LinkAccess = Schema.Union([Schema.Literal("all"), Schema.Array(Schema.String)])

export const SessionView = Schema.Struct({
  user: Schema.String,
  role: UserRole,
  links: LinkAccess,
  /** Send it as `X-CSRF-Token` on every state-changing request. Absent under a host's own sign-in. */
  csrfToken: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "Session" })

export const SignIn = Schema.Struct({ username: Text, password: Text })

export const UserView = Schema.Struct({
  username: Schema.String,
  displayName: Schema.String,
  role: UserRole,
  allLinks: Schema.Boolean,
  links: Schema.Array(Schema.String),
  disabled: Schema.Boolean,
  version: Schema.Int
}).annotate({ identifier: "User" })

export const NewUser = Schema.Struct({
  username: Text,
  displayName: Schema.optionalKey(Text),
  role: UserRole,
  password: Schema.String.check(Schema.isMinLength(12), Schema.isMaxLength(1_000)),
  allLinks: Schema.optionalKey(Schema.Boolean),
  links: Schema.optionalKey(Schema.Array(LinkId))
})

export const UserUpdate = Schema.Struct({
  version: Schema.Int,
  displayName: Schema.optionalKey(Text),
  role: Schema.optionalKey(UserRole),
  password: Schema.optionalKey(Schema.String.check(Schema.isMinLength(12), Schema.isMaxLength(1_000))),
  allLinks: Schema.optionalKey(Schema.Boolean),
  links: Schema.optionalKey(Schema.Array(LinkId)),
  disabled: Schema.optionalKey(Schema.Boolean)
})

export const Removed = Schema.Struct({ removed: Schema.Boolean })
export const RunStarted = Schema.Struct({ runId: Schema.String }).annotate({ identifier: "RunStarted" })

/** A manual run queued for the worker fleet (scheduling `workers`): follow it at `…/queued-runs/{jobId}`. */
export const RunQueued = Schema.Struct({ jobId: Schema.String, queued: Schema.Literal(true) }).annotate({
  identifier: "RunQueued"
})

const ConnectionProblem = Schema.Literals([
  "MissingSecret",
  "WrongKeys",
  "MissingClientId",
  "ClientIdRefused",
  "MissingPermission",
  "UnknownCompany",
  "UnknownCodebase",
  "Unreachable",
  "NotConnected",
  "ConsentExpired",
  "ChainBroken",
  "NoDivisionAccess",
  "Failed"
])

/** One system's connection test: ok with a detail, or a reason a person can act on. */
const SystemCheck = Schema.Union([
  Schema.Struct({ ok: Schema.Literal(true), detail: Schema.String }),
  Schema.Struct({
    ok: Schema.Literal(false),
    reason: ConnectionProblem,
    message: Schema.String,
    /** What the ConnectWise API member lacks, for `MissingPermission`. */
    permission: Schema.optionalKey(Schema.String)
  })
]).annotate({ identifier: "SystemCheck" })

/** `POST /links/{linkId}/test`'s answer (the deployment's `LinkTestResult`). */
export const LinkTestAnswer = Schema.Struct({
  linkId: Schema.String,
  ok: Schema.Boolean,
  connectwise: SystemCheck,
  exact: SystemCheck
}).annotate({ identifier: "LinkTestResult" })
