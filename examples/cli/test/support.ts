import { execFile, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { type AddressInfo, createServer as createNetServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createWorld, demoCredentials, type FaultRule, startSandboxServer } from "@psa-ledger/sandbox"

export const cliDir = new URL("..", import.meta.url).pathname
/** The built bin (package.json `bin`), as `npx psa-ledger` runs it: test/build-bin.ts makes it current. */
export const bin = join(cliDir, "dist/main.js")

/** The bin's command line for Node: the built bin, then `args` (no loader, no source condition). */
export const binArgs = (args: ReadonlyArray<string>): Array<string> => [bin, ...args]

/**
 * The environment of every child process: this one's, without the deployment settings a developer's
 * shell may hold (each test says its own), without colours, then `env`.
 */
export const childEnv = (env: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  PSA_LEDGER_STORAGE: "",
  PSA_LEDGER_SECRET_KEY: "",
  PSA_LEDGER_SECRET_KEY_FILE: "",
  NO_COLOR: "1",
  ...env
})

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
      binArgs(args),
      {
        cwd: options.cwd ?? cliDir,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
        env: childEnv(options.env)
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
 * Starts `psa-ledger ARGS` in a child process and hands it back running: `waitFor` resolves with the
 * first line of stderr (or of stdout, with `"stdout"`) that matches, `done` when the process exits.
 */
export const cliRunning = (args: ReadonlyArray<string>, options: { readonly env?: Record<string, string> } = {}) => {
  const child = spawn(process.execPath, binArgs(args), {
    cwd: cliDir,
    env: childEnv(options.env),
    stdio: ["ignore", "pipe", "pipe"]
  })
  const text = { stdout: "", stderr: "" }
  type Stream = keyof typeof text
  const watchers: Array<{ stream: Stream; pattern: RegExp; resolve: (line: string) => void }> = []
  const seen = (stream: Stream, pattern: RegExp) => text[stream].split("\n").find((line) => pattern.test(line))
  for (const stream of ["stdout", "stderr"] as const) {
    child[stream].setEncoding("utf8").on("data", (chunk: string) => {
      text[stream] += chunk
      for (const watcher of watchers.splice(0)) {
        const line = watcher.stream === stream ? seen(stream, watcher.pattern) : undefined
        if (line !== undefined) watcher.resolve(line)
        else watchers.push(watcher)
      }
    })
  }
  const done = new Promise<CliResult>((resolve) => {
    child.on("close", (code, signal) => {
      printed.push(text.stdout, text.stderr)
      resolve({ status: code ?? (signal === null ? null : 128), stdout: text.stdout, stderr: text.stderr })
    })
  })
  return {
    child,
    done,
    waitFor: (pattern: RegExp, stream: Stream = "stderr") =>
      new Promise<string>((resolve, reject) => {
        const line = seen(stream, pattern)
        if (line !== undefined) return resolve(line)
        watchers.push({ stream, pattern, resolve })
        void done.then((result) =>
          reject(new Error(`exited (${String(result.status)}) before ${stream} showed ${pattern}:\n${result.stderr}`))
        )
      })
  }
}

/** The PostgreSQL the tests share: PSA_LEDGER_PG_URL, or the local test database. */
export const PG_URL = process.env.PSA_LEDGER_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test"

/** Whether PostgreSQL answers; under CI an unreachable database fails the suite instead of skipping it. */
export const pgReachable = async (): Promise<boolean> => {
  const { default: pg } = await import("pg")
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3_000 })
  try {
    await client.connect()
    return true
  } catch (error) {
    if (process.env.CI === "true")
      throw new Error(`PostgreSQL at PSA_LEDGER_PG_URL is unreachable under CI: ${String(error)}`)
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

/** A port free on 127.0.0.1 now (for a redirect URI that must be known before anything listens on it). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createNetServer()
    probe.once("error", reject)
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo
      probe.close(() => resolve(port))
    })
  })

/**
 * The sandbox over real HTTP in the test process, for commands without `--sandbox`: its Exact app
 * redirects to `http://127.0.0.1:PORT/callback` (what `exact connect` listens on), and `addLink`
 * adds a link to it from a JSON file, the secrets from the environment as a script gives them;
 * `faults` are the sandbox's injected failures.
 */
export const httpSandbox = async (options: { readonly faults?: ReadonlyArray<FaultRule> } = {}) => {
  const callback = `http://127.0.0.1:${await freePort()}/callback`
  const server = await startSandboxServer({
    world: createWorld({ seed: 7, customers: 25, products: 6, months: 3 }),
    exact: { minutelyLimit: 100_000, dailyLimit: 1_000_000 },
    ...(options.faults === undefined ? {} : { faults: options.faults }),
    credentials: { exact: { redirectUri: callback } }
  })
  const config = server.linkConfig(server.origin, { name: "Acme EU" })
  const { privateKey, ...connectwise } = config.connectwise
  const { clientSecret, ...exact } = config.exact
  const secretsEnv = { PSA_LEDGER_CW_PRIVATE_KEY: privateKey, PSA_LEDGER_EXACT_CLIENT_SECRET: clientSecret }
  return {
    server,
    callback,
    secretsEnv,
    /** `links add ID --from-file FILE` with the secrets from env; resolves the result. */
    addLink: (id: string, dir: string, env: Record<string, string>) => {
      const file = join(dir, `${id}.json`)
      writeFileSync(file, JSON.stringify({ ...config, connectwise, exact }, null, 2))
      return cli(["links", "add", id, "--from-file", file], { env: { ...env, ...secretsEnv } })
    },
    /** The user grants the consent at `url` in a browser, which follows the redirect: the page it lands on. */
    grant: async (url: string) => fetch((await server.grantConsent(url)).redirect),
    close: () => server.close()
  }
}
