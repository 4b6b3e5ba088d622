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

/** A thrown value as a `CliError`: library errors keep their (secret-free) message. */
export const toCliError = (error: unknown): CliError => {
  if (error instanceof CliError) return error
  const reason = reasonOf(error)
  const message = error instanceof Error ? error.message : String(error)
  const hint = reason === undefined ? undefined : hints[reason]
  return new CliError(reason === undefined ? message : `${reason}: ${message}`, {
    cause: error,
    ...(hint === undefined ? {} : { hint })
  })
}
