// Worker processes for the tests: spawned with node, their JSON log lines collected, waited on by
// event (a log line, an exit), never by a fixed sleep.
import { type ChildProcess, spawn } from "node:child_process"
import { renameSync, writeFileSync } from "node:fs"

export interface Child {
  readonly name: string
  readonly process: ChildProcess
  readonly lines: Array<Record<string, unknown>>
  readonly stderr: Array<string>
  /** Resolves with the first log line that matches (including ones already seen). */
  line(
    match: (line: Record<string, unknown>) => boolean,
    what: string,
    timeoutMs?: number
  ): Promise<Record<string, unknown>>
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

export const spawnNode = (
  name: string,
  script: string,
  args: ReadonlyArray<string>,
  env: Record<string, string>
): Child => {
  const child = spawn(process.execPath, ["--conditions=@psa-ledger/source", "--no-warnings", script, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  const lines: Array<Record<string, unknown>> = []
  const stderr: Array<string> = []
  const waiters = new Set<() => void>()
  let buffered = ""
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk
    const parts = buffered.split("\n")
    buffered = parts.pop() ?? ""
    for (const part of parts) {
      if (part.trim() === "") continue
      try {
        lines.push(JSON.parse(part) as Record<string, unknown>)
      } catch {
        lines.push({ message: part, unparsed: true })
      }
    }
    for (const wake of waiters) wake()
  })
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => stderr.push(chunk))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      for (const wake of waiters) wake()
      resolve({ code, signal })
    })
  )
  let dead = false
  void exited.then(() => {
    dead = true
  })
  return {
    name,
    process: child,
    lines,
    stderr,
    exited,
    line: (match, what, timeoutMs = 120_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.find(match)
          if (found !== undefined) {
            cleanup()
            resolve(found)
          } else if (dead) {
            cleanup()
            reject(new Error(`${name} exited before ${what}: ${stderr.join("").slice(-2_000)}`))
          }
        }
        const timer = setTimeout(() => {
          cleanup()
          reject(new Error(`${name}: timed out waiting for ${what}; stderr: ${stderr.join("").slice(-2_000)}`))
        }, timeoutMs)
        const cleanup = () => {
          clearTimeout(timer)
          waiters.delete(check)
        }
        waiters.add(check)
        check()
      })
  }
}

/** Polls `check` (a database read) until it holds; the limit only stops a hung test. */
export const until = async <A>(what: string, check: () => Promise<A | undefined>, timeoutMs = 180_000): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Writes the time the workers read as now (atomically: a worker never reads half a file). */
export const setClock = (file: string, ms: number): void => {
  writeFileSync(`${file}.tmp`, new Date(ms).toISOString())
  renameSync(`${file}.tmp`, file)
}
