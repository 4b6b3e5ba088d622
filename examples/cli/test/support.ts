import { execFile, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { demoCredentials } from "@psa-ledger/sandbox"

const cliDir = new URL("..", import.meta.url).pathname
const main = join(cliDir, "src/main.ts")

/** Everything any child process printed, for the secret scan. */
export const printed: Array<string> = []

/** What one run of the bin did. */
export interface CliResult {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs `psa-ledger ARGS` in a child process (not a terminal), with `env` added and `input` on stdin. */
export const cli = (
  args: ReadonlyArray<string>,
  options: { readonly cwd?: string; readonly env?: Record<string, string>; readonly input?: string } = {}
): Promise<CliResult> =>
  new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ["--conditions=@psa-ledger/source", "--no-warnings", main, ...args],
      {
        cwd: options.cwd ?? cliDir,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
        env: {
          ...process.env,
          PSA_LEDGER_STORAGE: "",
          PSA_LEDGER_SECRET_KEY: "",
          PSA_LEDGER_SECRET_KEY_FILE: "",
          NO_COLOR: "1",
          ...options.env
        }
      },
      (error, stdout, stderr) => {
        printed.push(stdout, stderr)
        const code = (error as { code?: unknown } | null)?.code
        resolve({ status: error === null ? 0 : typeof code === "number" ? code : null, stdout, stderr })
      }
    )
    child.stdin?.end(options.input ?? "")
  })

/** A temporary directory with a deployment in it (`init` run), and the env that reaches it. */
export const deploymentDir = async () => {
  const dir = mkdtempSync(join(tmpdir(), "psa-cli-"))
  const env = {
    PSA_LEDGER_STORAGE: `sqlite:${join(dir, "ledger.db")}`,
    PSA_LEDGER_SECRET_KEY_FILE: join(dir, "ledger.key")
  }
  const init = await cli(["init", "--key-file", env.PSA_LEDGER_SECRET_KEY_FILE], { env })
  if (init.status !== 0) throw new Error(`init failed: ${init.stderr}`)
  return {
    dir,
    env,
    key: () => readFileSync(env.PSA_LEDGER_SECRET_KEY_FILE, "utf8").trim(),
    remove: () => rmSync(dir, { recursive: true, force: true })
  }
}

/** The secrets no output may contain. */
export const sandboxSecrets = [demoCredentials.connectwise.privateKey, demoCredentials.exact.clientSecret]

/**
 * Starts `psa-ledger ARGS` in a child process and hands it back running: `waitFor` resolves when a
 * line of stderr matches, `done` when the process exits.
 */
export const cliRunning = (args: ReadonlyArray<string>, options: { readonly env?: Record<string, string> } = {}) => {
  const child = spawn(process.execPath, ["--conditions=@psa-ledger/source", "--no-warnings", main, ...args], {
    cwd: cliDir,
    env: {
      ...process.env,
      PSA_LEDGER_STORAGE: "",
      PSA_LEDGER_SECRET_KEY: "",
      PSA_LEDGER_SECRET_KEY_FILE: "",
      NO_COLOR: "1",
      ...options.env
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  const watchers: Array<{ pattern: RegExp; resolve: (line: string) => void }> = []
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk
  })
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk
    for (const line of stderr.split("\n")) {
      for (const watcher of watchers.splice(0)) {
        if (watcher.pattern.test(line)) watcher.resolve(line)
        else watchers.push(watcher)
      }
    }
  })
  const done = new Promise<CliResult>((resolve) => {
    child.on("close", (code, signal) => {
      printed.push(stdout, stderr)
      resolve({ status: code ?? (signal === null ? null : 128), stdout, stderr })
    })
  })
  return {
    child,
    done,
    waitFor: (pattern: RegExp) =>
      new Promise<string>((resolve, reject) => {
        const seen = stderr.split("\n").find((line) => pattern.test(line))
        if (seen !== undefined) return resolve(seen)
        watchers.push({ pattern, resolve })
        void done.then((result) =>
          reject(new Error(`exited (${String(result.status)}) before stderr showed ${pattern}:\n${result.stderr}`))
        )
      })
  }
}
