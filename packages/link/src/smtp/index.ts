/**
 * `@psa-ledger/link/smtp`: run mails delivered through an SMTP server with `nodemailer`. A subpath
 * of its own, so that a link without mail never loads `nodemailer`.
 *
 * @since 0.1.0
 */
export { type SmtpOptions, smtpMailer } from "./SmtpMailer.ts"
