// Exit codes and the errors a command stops with: one line for a person, the detail behind --verbose.

/** The documented exit codes (README "Exit codes"). */
export const Exit = {
  done: 0,
  failed: 1,
  usage: 2,
  partial: 3,
  needsPerson: 4,
  interrupted: 130
} as const

/** A command stopped: a one-line message, what to do next, and the exit code. */
export class CliError extends Error {
  readonly exitCode: number
  readonly hint: string | undefined
  constructor(
    message: string,
    options: { readonly exitCode?: number; readonly hint?: string; readonly cause?: unknown } = {}
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = "CliError"
    this.exitCode = options.exitCode ?? Exit.failed
    this.hint = options.hint
  }
}

/** Wrong arguments: exit 2, with the command's usage line as the hint. */
export const usageError = (message: string, usage: string): CliError =>
  new CliError(message, { exitCode: Exit.usage, hint: `usage: ${usage} (see --help)` })

/** What a deployment or link error means for a person, as a hint, from its reason's tag. */
const hints: Record<string, string> = {
  WrongSecretKey: "use the key file `psa-ledger init` wrote: --secret-key-file FILE or PSA_LEDGER_SECRET_KEY_FILE",
  ReadOnlyDeployment: "give the secret key: --secret-key-file FILE or PSA_LEDGER_SECRET_KEY_FILE",
  LinkNotFound: "`psa-ledger links list` shows the links",
  LinkExists: "choose another id, or `psa-ledger links remove ID` first",
  InvalidConfig: "fix the named field and run the command again",
  OAuthRefused: "start again with `psa-ledger exact connect LINK`",
  NotConnected: "connect Exact Online first: `psa-ledger exact connect LINK`"
}

/** The reason tag of a tagged error (`error.reason._tag`), when there is one. */
export const reasonOf = (error: unknown): string | undefined => {
  const reason = (error as { reason?: { _tag?: unknown } } | null)?.reason?._tag
  return typeof reason === "string" ? reason : undefined
}

/**
 * A link refused a new run because a dead run's plan is open: exit 4 (a person decides), with the
 * two commands that settle it in the one line, naming the link when it is known.
 */
const unfinishedRun = (error: unknown, linkId: string | undefined): CliError | undefined => {
  const reason = (error as { reason?: { _tag?: unknown; runId?: unknown; job?: unknown } } | null)?.reason
  if (reason?._tag !== "UnfinishedRun" || typeof reason.runId !== "string") return undefined
  const run = reason.runId
  const link = linkId === undefined ? "" : ` --link ${linkId}`
  return new CliError(
    `UnfinishedRun: run ${run} (${String(reason.job)}) stopped before it finished its plan: run \`psa-ledger resume ${run}${link}\` to finish it, or \`psa-ledger abandon ${run}${link} --reason TEXT\` to plan again`,
    { exitCode: Exit.needsPerson, cause: error }
  )
}

/** `error` as a `CliError` naming the link: an `UnfinishedRun` gets its resume command. */
export const withLink = (error: unknown, linkId: string): unknown => unfinishedRun(error, linkId) ?? error

/** A thrown value as a `CliError`: library errors keep their (secret-free) message. */
export const toCliError = (error: unknown): CliError => {
  if (error instanceof CliError) return error
  const unfinished = unfinishedRun(error, undefined)
  if (unfinished !== undefined) return unfinished
  const reason = reasonOf(error)
  const message = error instanceof Error ? error.message : String(error)
  const hint = reason === undefined ? undefined : hints[reason]
  return new CliError(reason === undefined ? message : `${reason}: ${message}`, {
    cause: error,
    ...(hint === undefined ? {} : { hint })
  })
}
