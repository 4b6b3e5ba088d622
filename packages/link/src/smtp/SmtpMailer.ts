import nodemailer from "nodemailer"
import { secretScrubber } from "../internal/redact.ts"
import { LinkError, LinkMailError } from "../LinkError.ts"
import type { Mailer } from "../Mail.ts"

/**
 * Where and how to reach the SMTP server.
 *
 * @since 0.1.0
 */
export interface SmtpOptions {
  readonly host: string
  readonly port: number
  /** TLS from the first byte (port 465). With `false`, STARTTLS is used when the server offers it. */
  readonly secure?: boolean | undefined
  readonly auth?: { readonly user: string; readonly pass: string } | undefined
  /** The sender, e.g. `"psa-ledger <ledger@msp.example>"`. */
  readonly from: string
  /** Refuse to send unless the connection is upgraded with STARTTLS. */
  readonly requireTLS?: boolean | undefined
  /** Accept self-signed certificates (testing only); default false. */
  readonly allowSelfSigned?: boolean | undefined
  /** Connection, greeting and socket timeout in milliseconds (default 30,000). */
  readonly timeoutMs?: number | undefined
}

/**
 * A mailer that delivers through an SMTP server with `nodemailer`. The password stays inside the
 * transport: it is never part of the returned object, of a log entry or of an error message.
 *
 * @example
 * ```ts
 * import { smtpMailer } from "@psa-ledger/link/smtp"
 *
 * const mailer = smtpMailer({
 *   host: "smtp.msp.example",
 *   port: 587,
 *   auth: { user: "ledger", pass: process.env.SMTP_PASSWORD ?? "" },
 *   from: "psa-ledger <ledger@msp.example>"
 * })
 * await mailer.send({ to: ["finance@msp.example"], subject: "Hello", text: "It works." })
 * ```
 *
 * @since 0.1.0
 */
export const smtpMailer = (options: SmtpOptions): Mailer => {
  const timeout = options.timeoutMs ?? 30_000
  const transport = nodemailer.createTransport({
    host: options.host,
    port: options.port,
    secure: options.secure ?? false,
    ...(options.auth === undefined ? {} : { auth: { user: options.auth.user, pass: options.auth.pass } }),
    ...(options.requireTLS === undefined ? {} : { requireTLS: options.requireTLS }),
    tls: { rejectUnauthorized: !(options.allowSelfSigned ?? false) },
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout
  })
  const scrub = secretScrubber([options.auth?.pass])
  return {
    enabled: true,
    send: async (message) => {
      if (message.to.length === 0) {
        throw LinkError.of(new LinkMailError({ message: "the message has no recipients" }))
      }
      try {
        await transport.sendMail({
          from: options.from,
          to: [...message.to],
          subject: message.subject,
          text: message.text,
          ...(message.html === undefined ? {} : { html: message.html }),
          attachments: (message.attachments ?? []).map((attachment) => ({
            filename: attachment.filename,
            content: attachment.content,
            contentType: attachment.contentType
          }))
        })
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error)
        throw LinkError.of(
          new LinkMailError({ message: scrub(`SMTP ${options.host}:${options.port} refused the message: ${detail}`) })
        )
      }
    }
  }
}
