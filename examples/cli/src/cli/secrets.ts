// Reading a link's secrets: from the environment, from stdin (one per line), or from a prompt that
// does not echo. Never from a flag: a flag lands in shell history and `ps`.
import { createInterface } from "node:readline"
import { CliError, Exit } from "./errors.ts"

/** The secrets a link needs, in the order stdin gives them. */
export const SECRET_FIELDS = [
  { env: "PSA_LEDGER_CW_PRIVATE_KEY", label: "ConnectWise private key" },
  { env: "PSA_LEDGER_EXACT_CLIENT_SECRET", label: "Exact Online client secret" }
] as const

/** All of stdin as text. */
export const readStdin = async (): Promise<string> => {
  const chunks: Array<Buffer> = []
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array))
  return Buffer.concat(chunks).toString("utf8")
}

/** Asks on the terminal without echoing what is typed. */
export const promptHidden = (label: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true })
    let muted = false
    const write = (rl as unknown as { _writeToOutput: (text: string) => void })._writeToOutput
    ;(rl as unknown as { _writeToOutput: (text: string) => void })._writeToOutput = (text: string) => {
      if (!muted) write.call(rl, text)
    }
    rl.question(`${label}: `, (answer) => {
      rl.close()
      process.stderr.write("\n")
      resolve(answer)
    })
    muted = true
    rl.on("SIGINT", () => {
      rl.close()
      reject(new CliError("cancelled", { exitCode: Exit.interrupted }))
    })
  })

/** Asks on the terminal, echoing (for names and ids). */
export const prompt = (label: string, fallback?: string): Promise<string> =>
  new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY === true })
    rl.question(fallback === undefined ? `${label}: ` : `${label} [${fallback}]: `, (answer) => {
      rl.close()
      resolve(answer.trim() === "" ? (fallback ?? "") : answer.trim())
    })
  })

/** Asks on the terminal, echoing, until answered or `signal` aborts (then resolves ""). */
export const promptUntil = (label: string, signal: AbortSignal): Promise<string> =>
  new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true })
    const onAbort = () => {
      rl.close()
      resolve("")
    }
    signal.addEventListener("abort", onAbort, { once: true })
    rl.question(`${label}: `, (answer) => {
      signal.removeEventListener("abort", onAbort)
      rl.close()
      resolve(answer.trim())
    })
  })

/**
 * The link's secrets: `--secrets-from-stdin` reads them one per line; otherwise each comes from its
 * environment variable, or from a no-echo prompt on a terminal. Missing and no way to ask is exit 2.
 */
export const readLinkSecrets = async (fromStdin: boolean): Promise<{ privateKey: string; clientSecret: string }> => {
  let values: Array<string | undefined>
  if (fromStdin) {
    values = (await readStdin()).split(/\r?\n/).map((line) => line.trim())
  } else {
    values = []
    for (const field of SECRET_FIELDS) {
      const fromEnv = process.env[field.env]
      if (fromEnv !== undefined && fromEnv !== "") values.push(fromEnv)
      else if (process.stdin.isTTY === true) values.push(await promptHidden(field.label))
      else values.push(undefined)
    }
  }
  const [privateKey, clientSecret] = values
  SECRET_FIELDS.forEach((field, i) => {
    if ((values[i] ?? "") === "") {
      throw new CliError(`the ${field.label} is missing`, {
        exitCode: Exit.usage,
        hint: `set ${field.env}, pipe both secrets one per line with --secrets-from-stdin, or run on a terminal to be asked`
      })
    }
  })
  return { privateKey: privateKey ?? "", clientSecret: clientSecret ?? "" }
}

/**
 * One secret (a password): the first line of stdin with `fromStdin`, else its environment variable,
 * else a no-echo prompt on a terminal (asked twice with `confirm`). Missing and no way to ask is exit 2.
 */
export const readSecret = async (options: {
  readonly env: string
  readonly label: string
  readonly fromStdin: boolean
  readonly confirm?: boolean
}): Promise<string> => {
  const missing = () =>
    new CliError(`the ${options.label.toLowerCase()} is missing`, {
      exitCode: Exit.usage,
      hint: `set ${options.env}, pipe it with --${options.label.toLowerCase()}-from-stdin, or run on a terminal to be asked`
    })
  if (options.fromStdin) {
    const [line = ""] = (await readStdin()).split(/\r?\n/)
    if (line === "") throw missing()
    return line
  }
  const fromEnv = process.env[options.env]
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv
  if (process.stdin.isTTY !== true) throw missing()
  const value = await promptHidden(options.label)
  if (value === "") throw missing()
  if (options.confirm === true && (await promptHidden(`${options.label} again`)) !== value) {
    throw new CliError(`the two ${options.label.toLowerCase()}s differ`, { exitCode: Exit.usage, hint: "run it again" })
  }
  return value
}
