// Dispatching a command line: the command from its words, its options checked strictly, --help,
// and every failure turned into one line and an exit code.
import { type ParseArgsOptionsConfig, parseArgs } from "node:util"
import { type Command, commands } from "./commands.ts"
import { CliError, Exit, toCliError } from "./errors.ts"

/** The options every command takes. */
const globalOptions: ParseArgsOptionsConfig = {
  storage: { type: "string" },
  "secret-key-file": { type: "string" },
  sandbox: { type: "boolean" },
  json: { type: "boolean" },
  verbose: { type: "boolean" },
  help: { type: "boolean", short: "h" }
}

const globalHelp: ReadonlyArray<readonly [string, string]> = [
  ["--storage sqlite:FILE|postgres://…", "the deployment (or PSA_LEDGER_STORAGE)"],
  ["--secret-key-file FILE", "the secret key (or PSA_LEDGER_SECRET_KEY_FILE / PSA_LEDGER_SECRET_KEY)"],
  ["--sandbox", "run against the sandbox world instead of real systems (no credentials needed)"],
  ["--json", "stable JSON output (decimals as strings)"],
  ["--verbose", "the detail behind an error"],
  ["-h, --help", "this help"]
]

const EXIT_HELP = "Exit codes: 0 done, 1 failed, 2 usage error, 3 partial, 4 needs a person, 130 interrupted (Ctrl-C)."

const rows = (entries: ReadonlyArray<readonly [string, string]>) => {
  const width = Math.max(...entries.map(([left]) => left.length))
  return entries.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`).join("\n")
}

/** The overview `psa-ledger --help` prints. */
export const overview = (): string =>
  [
    "psa-ledger: reconcile ConnectWise PSA with Exact Online, and transfer invoices, from a terminal or a script.",
    "",
    "Usage: psa-ledger COMMAND [options]     (psa-ledger COMMAND --help for one command)",
    "",
    "Commands:",
    rows(commands.map((c) => [c.name, c.summary])),
    "",
    "Options of every command:",
    rows(globalHelp),
    "",
    "Example: psa-ledger load acme --month 2026-11 --only deviations --sandbox",
    EXIT_HELP,
    ""
  ].join("\n")

/** One command's help: usage, options and an example. */
export const commandHelp = (command: Command): string =>
  [
    `psa-ledger ${command.name}: ${command.summary}`,
    "",
    `Usage: psa-ledger ${command.name}${command.args === "" ? "" : ` ${command.args}`}`,
    ...(command.optionHelp === undefined ? [] : ["", "Options:", rows(command.optionHelp)]),
    "",
    "Options of every command:",
    rows(globalHelp),
    "",
    `Example: ${command.example}`,
    EXIT_HELP,
    ""
  ].join("\n")

/** The command named by the first words of `argv`, and the rest. */
const find = (argv: ReadonlyArray<string>): { command: Command | undefined; rest: ReadonlyArray<string> } => {
  const two = `${argv[0] ?? ""} ${argv[1] ?? ""}`
  const byTwo = commands.find((c) => c.name === two)
  if (byTwo !== undefined) return { command: byTwo, rest: argv.slice(2) }
  const byOne = commands.find((c) => c.name === argv[0])
  return { command: byOne, rest: argv.slice(1) }
}

/** Where a command writes: stdout, and stderr for errors. */
export interface Io {
  readonly out: (text: string) => void
  readonly err: (text: string) => void
}

/** Runs a command line and resolves its exit code; never throws. */
export const run = async (argv: ReadonlyArray<string>, io: Io, signal: AbortSignal): Promise<number> => {
  const verbose = argv.includes("--verbose")
  const first = argv[0]
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    ;(first === undefined ? io.err : io.out)(overview())
    return first === undefined ? Exit.usage : Exit.done
  }
  const { command, rest } = find(argv)
  if (command === undefined) {
    const group = commands.filter((c) => c.name.startsWith(`${first} `)).map((c) => c.name)
    io.err(
      group.length > 0
        ? `psa-ledger: ${first} needs a subcommand: ${group.join(", ")}\n`
        : `psa-ledger: unknown command ${JSON.stringify(first)}. Run psa-ledger --help for the commands.\n`
    )
    return Exit.usage
  }
  try {
    let parsed: ReturnType<typeof parseArgs>
    try {
      parsed = parseArgs({
        args: [...rest],
        options: { ...globalOptions, ...command.options },
        allowPositionals: true,
        strict: true
      })
    } catch (error) {
      throw new CliError((error as Error).message.split("\n")[0] ?? "bad arguments", {
        exitCode: Exit.usage,
        hint: `usage: psa-ledger ${command.name} ${command.args} (see --help)`
      })
    }
    if (parsed.values.help === true) {
      io.out(commandHelp(command))
      return Exit.done
    }
    if (parsed.positionals.length !== command.positionals) {
      throw new CliError(
        command.positionals === 0
          ? `${command.name} takes no arguments`
          : `${command.name} needs ${command.args.split(" ")[0]}`,
        { exitCode: Exit.usage, hint: `usage: psa-ledger ${command.name} ${command.args} (see --help)` }
      )
    }
    return await command.run({
      values: parsed.values as Record<string, string | boolean | undefined>,
      positionals: parsed.positionals,
      signal,
      out: io.out
    })
  } catch (thrown) {
    const error = signal.aborted
      ? new CliError("interrupted", { exitCode: Exit.interrupted, cause: thrown })
      : toCliError(thrown)
    io.err(`psa-ledger: ${error.message.split("\n")[0]}${error.hint === undefined ? "" : `\n  ${error.hint}`}\n`)
    if (verbose) {
      let cause: unknown = error.cause
      while (cause !== undefined) {
        io.err(`${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}\n`)
        cause = cause instanceof Error ? cause.cause : undefined
      }
    }
    return error.exitCode
  }
}
