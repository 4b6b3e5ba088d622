import { type LogEntry, NewLogEntry, type Run, type RunMail, RunStore, renderLog } from "@psa-ledger/reconcile-core"
import { Clock, DateTime, Effect } from "effect"
import { formatCounts, formatDuration, runDurationMs, truncate } from "./internal/format.ts"
import { LinkError, LinkMailError } from "./LinkError.ts"
import { readLogPages } from "./RunHistory.ts"

/**
 * A file attached to a mail.
 *
 * @since 0.1.0
 */
export interface MailAttachment {
  readonly filename: string
  readonly content: string
  readonly contentType: string
}

/**
 * One e-mail: plain text, optionally an HTML alternative, optionally attachments.
 *
 * @since 0.1.0
 */
export interface MailMessage {
  readonly to: ReadonlyArray<string>
  readonly subject: string
  readonly text: string
  readonly html?: string | undefined
  readonly attachments?: ReadonlyArray<MailAttachment> | undefined
}

/**
 * Sends mail. `enabled` is false for the no-op mailer, so runs skip composing a mail nobody sends.
 *
 * @since 0.1.0
 */
export interface Mailer {
  readonly enabled: boolean
  /** Resolves once the server accepted the message; rejects with a `LinkError` (reason `Mail`). */
  send(message: MailMessage): Promise<void>
}

/**
 * The mailer for deployments without mail: sends nothing.
 *
 * @since 0.1.0
 */
export const noMailer: Mailer = { enabled: false, send: () => Promise.resolve() }

/** How many error entries the summary quotes. */
const FIRST_ERRORS = 5

/**
 * What the run mail is made from: the finished run, and its log read through once.
 *
 * @since 0.1.0
 */
export interface RunMailInput {
  readonly linkId: string
  /** The link's display name, when it has one. */
  readonly linkName?: string | undefined
  readonly run: Run
  readonly to: ReadonlyArray<string>
  /** The full log rendered as text. */
  readonly logText: string
  /** The first error entries of the log (at most five are quoted). */
  readonly firstErrors: ReadonlyArray<LogEntry>
  readonly errorCount: number
  readonly warnCount: number
}

/**
 * Composes the mail sent after a run: a one-screen summary in text and HTML (status, counts,
 * duration, the first errors) and the full log attached as `run-<id>.log`.
 *
 * @since 0.1.0
 */
export const composeRunMail = (input: RunMailInput): MailMessage => {
  const { run } = input
  const link = input.linkName ?? input.linkId
  const duration = runDurationMs(run)
  const facts: ReadonlyArray<readonly [string, string]> = [
    ["Link", input.linkName === undefined ? input.linkId : `${input.linkName} (${input.linkId})`],
    ["Job", run.job],
    ["Status", run.status],
    ["Trigger", run.trigger],
    ["Run", run.id],
    ["Started", DateTime.formatIso(run.startedAt)],
    ["Finished", run.finishedAt === undefined ? "-" : DateTime.formatIso(run.finishedAt)],
    ["Duration", duration === undefined ? "-" : formatDuration(duration)],
    ["Counts", formatCounts(run.counts)],
    ["Log", `${input.errorCount} errors, ${input.warnCount} warnings; the full log is attached`]
  ]
  const errors = input.firstErrors.slice(0, FIRST_ERRORS)
  const errorLines = errors.map((entry) => truncate(renderLog([entry]), 500))
  const width = Math.max(...facts.map(([label]) => label.length))
  const text = [
    run.summary ?? `${run.job} ${run.status}.`,
    "",
    ...facts.map(([label, value]) => `${label.padEnd(width)}  ${value}`),
    ...(errorLines.length === 0
      ? []
      : [
          "",
          input.errorCount > errors.length ? `First ${errors.length} of ${input.errorCount} errors:` : "Errors:",
          ...errorLines.map((line) => `- ${line}`)
        ]),
    ""
  ].join("\n")
  const html = [
    '<!doctype html><html><body style="font-family: sans-serif">',
    `<p>${escapeHtml(run.summary ?? `${run.job} ${run.status}.`)}</p>`,
    "<table>",
    ...facts.map(
      ([label, value]) => `<tr><th align="left">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`
    ),
    "</table>",
    ...(errorLines.length === 0
      ? []
      : [
          `<p>${input.errorCount > errors.length ? `First ${errors.length} of ${input.errorCount} errors:` : "Errors:"}</p>`,
          "<ul>",
          ...errorLines.map((line) => `<li><code>${escapeHtml(line)}</code></li>`),
          "</ul>"
        ]),
    "</body></html>"
  ].join("\n")
  return {
    to: input.to,
    subject: `[psa-ledger] ${link}: ${run.job} ${run.status} (${formatCounts(run.counts)})`,
    text,
    html,
    attachments: [{ filename: `run-${run.id}.log`, content: input.logText, contentType: "text/plain; charset=utf-8" }]
  }
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (ch) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "#39" }[ch] ?? ""};`)

/**
 * What became of a run's mail: the outcome the run's record keeps (`Run.mail`).
 *
 * @since 0.1.0
 */
export type MailOutcome = RunMail

/**
 * Mails a finished run's summary and log. Never fails: a failed mail (or a log that could not be
 * read) is appended to the run's log as a `warn` entry, and the outcome says so.
 *
 * @since 0.1.0
 */
export const mailRun = (options: {
  readonly mailer: Mailer
  readonly linkId: string
  readonly linkName?: string | undefined
  readonly run: Run
  readonly to: ReadonlyArray<string>
}): Effect.Effect<MailOutcome, never, RunStore> =>
  Effect.gen(function* () {
    if (!options.mailer.enabled || options.to.length === 0) return "not configured" as const
    const store = yield* RunStore
    const sent = yield* Effect.tryPromise({
      try: async () => {
        const parts: Array<string> = []
        const firstErrors: Array<LogEntry> = []
        let errorCount = 0
        let warnCount = 0
        for await (const page of readLogPages(store, options.linkId, options.run.id)) {
          parts.push(renderLog(page))
          for (const entry of page) {
            if (entry.level === "error") {
              errorCount++
              if (firstErrors.length < FIRST_ERRORS) firstErrors.push(entry)
            } else if (entry.level === "warn") warnCount++
          }
        }
        const message = composeRunMail({
          linkId: options.linkId,
          linkName: options.linkName,
          run: options.run,
          to: options.to,
          logText: `${parts.join("\n")}\n`,
          firstErrors,
          errorCount,
          warnCount
        })
        await options.mailer.send(message)
      },
      catch: (error) =>
        error instanceof LinkError
          ? error
          : LinkError.of(new LinkMailError({ message: error instanceof Error ? error.message : String(error) }))
    }).pipe(
      Effect.as(true),
      Effect.catch((error: LinkError) =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          yield* store
            .append(options.linkId, options.run.id, [
              new NewLogEntry({
                at: DateTime.makeUnsafe(now),
                level: "warn",
                message: "the run's mail was not sent",
                fields: { to: [...options.to], error: truncate(error.message, 2_000) }
              })
            ])
            .pipe(Effect.ignore)
          return false
        })
      )
    )
    return sent ? ("sent" as const) : ("failed" as const)
  })
