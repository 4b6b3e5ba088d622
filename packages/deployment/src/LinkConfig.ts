import { InvoiceSourceSettings } from "@psa-ledger/link"
import { ChangeKind, LinkId, LinkSettings } from "@psa-ledger/reconcile-core"
import { Schema } from "effect"

const Text = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(1_000))
const Url = Schema.String.check(
  Schema.isPattern(/^https?:\/\/[^\s/]+(\/\S*)?$/, { expected: "an http(s) URL" }),
  Schema.isMaxLength(1_000)
)
const Email = Schema.String.check(
  Schema.isPattern(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { expected: "an e-mail address" }),
  Schema.isMaxLength(320)
)

/**
 * How a link reaches ConnectWise PSA. The private key is write-only: it is accepted on input
 * (`LinkConfigInput`) and kept sealed, never part of a stored or returned configuration.
 *
 * @since 0.1.0
 */
export const ConnectWiseConfig = Schema.Struct({
  /** The API host, e.g. `api-eu.myconnectwise.net` (or `baseUrl`). */
  site: Schema.optionalKey(
    Schema.String.check(
      Schema.isPattern(/^[a-z0-9.-]+(:\d+)?$/i, { expected: "a host name, e.g. api-eu.myconnectwise.net" })
    )
  ),
  /** Overrides site and codebase, e.g. `https://cw.example.com/v4_6_release/apis/3.0`. */
  baseUrl: Schema.optionalKey(Url),
  /** The codebase (e.g. `v2026_1/`); otherwise read from `/login/companyinfo`. */
  codebase: Schema.optionalKey(
    Schema.String.check(Schema.isPattern(/^[A-Za-z0-9_.-]+\/$/, { expected: "a codebase such as v2026_1/" }))
  ),
  companyId: Text,
  publicKey: Text,
  /** The integration's clientId (ConnectWise requires one on every call). */
  clientId: Schema.optionalKey(Text),
  /** The pinned API version, e.g. `2026.4`. */
  apiVersion: Schema.optionalKey(
    Schema.String.check(Schema.isPattern(/^\d{4}\.\d+$/, { expected: "a version such as 2026.4" }))
  )
})

/**
 * How a link reaches its Exact Online division. The client secret is write-only.
 *
 * @since 0.1.0
 */
export const ExactConfig = Schema.Struct({
  region: Schema.optionalKey(Schema.Literals(["nl", "be", "de", "uk", "fr", "es", "us", "international"])),
  /** Replaces the region host (proxies, the sandbox). */
  baseUrl: Schema.optionalKey(Url),
  /** The app's client id from the Exact App Center. */
  clientId: Text,
  /** The redirect URI registered for the app, matched character for character by Exact. */
  redirectUri: Url,
  /** The division (administration) the link books in; chosen after connecting (`exact.divisions`). */
  division: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThan(0)))
})

/**
 * Who hears about runs: `always`, or only when a run failed or was partial (`problems`).
 *
 * @since 0.1.0
 */
export const MailConfig = Schema.Struct({
  to: Schema.Array(Email).check(Schema.isMinLength(1)),
  when: Schema.Literals(["always", "problems"])
})

/**
 * One scheduled job of a link. `exact.keepAlive` refreshes an idle token chain before Exact's
 * 30-day limit kills it.
 *
 * @since 0.1.0
 */
export const ScheduleConfig = Schema.Struct({
  job: Schema.Literals(["reconciliation.apply", "transfer.run", "transfer.syncPayments", "exact.keepAlive"]),
  /** Five fields (minute hour day month weekday), e.g. `0 6 * * 1-5`. */
  cron: Schema.String.check(
    Schema.isPattern(/^\s*(\S+\s+){4}\S+\s*$/, { expected: "a cron expression of five fields, e.g. 0 6 * * 1-5" })
  ),
  /** An IANA time zone; default the deployment's. */
  timeZone: Schema.optionalKey(Text),
  enabled: Schema.Boolean
})

/**
 * What may happen without a person: the one approval policy of a link, used everywhere.
 * `autoAcceptAbove` is the bulk-confirmation threshold for suggestions, `autoApprove` the change
 * kinds an unattended run applies, `createAccounts` whether flow B creates an Exact customer for a
 * company that has none: `ask` (a person approves each), `auto` or `never`; it overrides the transfer
 * settings' own `createAccounts`. A host may only tighten it (`open(id, { approval })`).
 *
 * @since 0.1.0
 */
export const ApprovalPolicy = Schema.Struct({
  autoAcceptAbove: Schema.optionalKey(Schema.Number.check(Schema.isBetween({ minimum: 0, maximum: 1 }))),
  autoApprove: Schema.optionalKey(Schema.Array(ChangeKind)),
  createAccounts: Schema.optionalKey(Schema.Literals(["ask", "auto", "never"]))
})

/** @since 0.1.0 */
export type ApprovalPolicy = typeof ApprovalPolicy.Type

const configFields = {
  /** The format of this configuration; this release writes and reads 1. */
  format: Schema.Literal(1),
  name: Text,
  connectwise: ConnectWiseConfig,
  exact: ExactConfig,
  /** The reconciliation and transfer settings `createLink` takes (`LinkSettings`, encoded). */
  settings: LinkSettings,
  /** Which invoice is the month's invoice (default: the month's sales invoices). */
  source: Schema.optionalKey(InvoiceSourceSettings),
  mail: Schema.optionalKey(MailConfig),
  schedules: Schema.optionalKey(Schema.Array(ScheduleConfig)),
  approval: Schema.optionalKey(ApprovalPolicy)
}

/**
 * A link's configuration as stored and exported: everything needed to open the link except its
 * secrets, which are sealed apart. Versioned by `format`.
 *
 * @since 0.1.0
 */
export const LinkConfig = Schema.Struct(configFields)

/** @since 0.1.0 */
export type LinkConfig = typeof LinkConfig.Type

/**
 * What `links.create` and `links.update` accept: a `LinkConfig` (encoded, as JSON from a form) in
 * which the write-only secrets may be given: `connectwise.privateKey` and `exact.clientSecret`. A
 * secret left out of an update keeps its stored value.
 *
 * @since 0.1.0
 */
export const LinkConfigInput = Schema.Struct({
  ...configFields,
  format: Schema.optionalKey(Schema.Literal(1)),
  connectwise: Schema.Struct({ ...ConnectWiseConfig.fields, privateKey: Schema.optionalKey(Text) }),
  exact: Schema.Struct({ ...ExactConfig.fields, clientSecret: Schema.optionalKey(Text) })
})

/** @since 0.1.0 */
export type LinkConfigInput = typeof LinkConfigInput.Encoded

/** The write-only fields of a link, by dotted path. */
export const linkSecretFields = ["connectwise.privateKey", "exact.clientSecret"] as const

/** @since 0.1.0 */
export type LinkSecretField = (typeof linkSecretFields)[number]

/**
 * What a form shows for a write-only field: whether it is set, and since when. Never its value.
 *
 * @since 0.1.0
 */
export type SecretState = { readonly set: true; readonly updatedAt: string } | { readonly set: false }

/**
 * A stored link as `links.get` shows it: its configuration (encoded), with each secret replaced by
 * its `SecretState`, the record's version (for `update`'s `expectedVersion`) and when it changed.
 *
 * @since 0.1.0
 */
export interface LinkView {
  readonly id: string
  readonly version: number
  readonly updatedAt: string
  readonly config: Omit<typeof LinkConfig.Encoded, "connectwise" | "exact"> & {
    readonly connectwise: typeof ConnectWiseConfig.Encoded & { readonly privateKey: SecretState }
    readonly exact: typeof ExactConfig.Encoded & { readonly clientSecret: SecretState }
  }
}

/** A link id, as every store checks it. */
export const LinkIdSchema = LinkId
