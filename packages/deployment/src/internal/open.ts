import { createLink, type LinkApi, type Mailer, noMailer } from "@psa-ledger/link"
import { Option, Redacted } from "effect"
import { readSettings } from "../DeploymentSettings.ts"
import type { ApprovalPolicy, LinkConfig } from "../LinkConfig.ts"
import { connectWiseClientOf, exactConnectionOf } from "./clients.ts"
import { settingsWithApproval } from "./configs.ts"
import { DEPLOYMENT, type DeploymentContext, requireKey, store } from "./context.ts"
import { loadLink } from "./links.ts"

/** Options of `links.open`. */
export interface OpenLinkOptions {
  /** Tightens the link's approval policy for this host (a higher threshold, fewer kinds, no account creation). */
  readonly approval?: ApprovalPolicy | undefined
}

// Mail "problems" only: the run mail's subject carries the status (see link's Mail.ts).
const problemsOnly = (mailer: Mailer): Mailer => ({
  enabled: mailer.enabled,
  send: (message) => (/ (failed|partial|cancelled) \(/.test(message.subject) ? mailer.send(message) : Promise.resolve())
})

const mailerOf = async (ctx: DeploymentContext, config: LinkConfig, operation: string): Promise<Mailer> => {
  if (config.mail === undefined) return noMailer
  let mailer: Mailer | undefined
  if (typeof ctx.mailer === "object") mailer = ctx.mailer
  else {
    const settings = await readSettings(ctx, operation)
    const smtp = settings.config.smtp
    if (smtp === undefined) return noMailer
    const password = await store(operation, ctx.storage.secrets.get(DEPLOYMENT, "smtp.password"))
    const connection = {
      ...smtp,
      ...(Option.isSome(password) ? { password: Redacted.value(password.value) } : {})
    }
    if (typeof ctx.mailer === "function") mailer = ctx.mailer(connection)
    else {
      // nodemailer loads only when a deployment mails through its stored SMTP settings.
      const { smtpMailer } = await import("@psa-ledger/link/smtp")
      mailer = smtpMailer({
        host: connection.host,
        port: connection.port,
        ...(connection.secure === undefined ? {} : { secure: connection.secure }),
        ...(connection.user === undefined ? {} : { auth: { user: connection.user, pass: connection.password ?? "" } }),
        from: connection.from
      })
    }
  }
  return config.mail.when === "problems" ? problemsOnly(mailer) : mailer
}

/**
 * The CSV export uploaded for the link (`PUT /links/{id}/invoice-file`), read at each load so that
 * every process loads the newest upload; none yet is a source error saying what to do.
 */
const uploadedInvoiceFile = async (ctx: DeploymentContext, id: string): Promise<Uint8Array> => {
  const file = await store("links.readCsv", ctx.storage.invoiceFiles.get(id), id)
  if (Option.isNone(file)) throw new Error("no invoice file is uploaded for this link yet: upload the CSV export first")
  return Buffer.from(file.value.content, "base64")
}

/** Builds the link's API from its stored configuration and sealed secrets. */
export const buildLink = async (
  ctx: DeploymentContext,
  id: string,
  config: LinkConfig,
  options: OpenLinkOptions | undefined,
  operation: string
): Promise<LinkApi> =>
  createLink({
    id,
    name: config.name,
    exact: await exactConnectionOf(ctx, id, config, operation),
    connectwise: await connectWiseClientOf(ctx, id, config, operation),
    storage: ctx.storage,
    settings: settingsWithApproval(config, options?.approval),
    ...(config.source === undefined ? {} : { source: config.source }),
    ...(config.source?.kind === "csv" ? { readCsv: () => uploadedInvoiceFile(ctx, id) } : {}),
    mailer: await mailerOf(ctx, config, operation),
    ...(config.mail === undefined ? {} : { mailTo: config.mail.to }),
    now: ctx.now,
    ...(ctx.leaseMs === undefined ? {} : { leaseMs: ctx.leaseMs })
  })

/**
 * Opens a link: the cached API while the stored version is unchanged, else a new one. A run on an
 * API opened before an update goes on with the configuration it started with.
 */
export const openLink = async (ctx: DeploymentContext, id: string, options?: OpenLinkOptions): Promise<LinkApi> => {
  const operation = "links.open"
  requireKey(ctx, operation)
  const { record, config } = await loadLink(ctx, id, operation)
  const tailored = options?.approval !== undefined
  const cached = ctx.opened.get(id)
  if (!tailored && cached !== undefined && cached.version === record.version) return cached.api
  const api = await buildLink(ctx, id, config, options, operation)
  if (!tailored) ctx.opened.set(id, { version: record.version, api })
  return api
}
