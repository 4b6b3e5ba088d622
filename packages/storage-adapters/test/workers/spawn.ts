import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const raceScript = fileURLToPath(new URL("./race.ts", import.meta.url))

/** A running worker: its stdout lines as they arrive, and its exit. */
export interface Worker {
  readonly child: ChildProcess
  readonly lines: Array<string>
  readonly stderr: Array<string>
  /** Resolves when a line satisfying `test` has arrived. */
  until(test: (line: string) => boolean): Promise<void>
  readonly exited: Promise<number | null>
}

/**
 * Starts a worker script (default `test/workers/race.ts`) with the source condition, so it runs the
 * package's TypeScript directly.
 */
export const startWorker = (args: Record<string, unknown>, script: string = raceScript): Worker => {
  const child = spawn(
    process.execPath,
    ["--conditions=@psa-ledger/source", "--no-warnings", script, JSON.stringify(args)],
    // The IPC channel carries a lockstep clock where a test uses one.
    { stdio: ["pipe", "pipe", "pipe", "ipc"] }
  )
  const lines: Array<string> = []
  const stderr: Array<string> = []
  const waiters: Array<{ test: (line: string) => boolean; resolve: () => void }> = []
  let buffer = ""
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    buffer += chunk
    let newline = buffer.indexOf("\n")
    while (newline >= 0) {
      const line = buffer.slice(0, newline)
      buffer = buffer.slice(newline + 1)
      lines.push(line)
      for (const waiter of [...waiters]) {
        if (waiter.test(line)) {
          waiters.splice(waiters.indexOf(waiter), 1)
          waiter.resolve()
        }
      }
      newline = buffer.indexOf("\n")
    }
  })
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => stderr.push(chunk))
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  return {
    child,
    lines,
    stderr,
    exited,
    until: (test) =>
      new Promise<void>((resolve, reject) => {
        if (lines.some(test)) return resolve()
        waiters.push({ test, resolve })
        void exited.then((code) => reject(new Error(`worker exited (${code}) early: ${stderr.join("")}`)))
      })
  }
}

/** Starts `count` workers, waits until all are ready, releases them together and collects their reports. */
export const race = async <A>(count: number, args: (worker: number) => Record<string, unknown>): Promise<Array<A>> => {
  const workers = Array.from({ length: count }, (_, worker) => startWorker(args(worker)))
  await Promise.all(workers.map((w) => w.until((line) => line === "ready")))
  for (const w of workers) w.child.stdin?.write("go\n")
  const codes = await Promise.all(workers.map((w) => w.exited))
  return workers.map((w, i) => {
    if (codes[i] !== 0) throw new Error(`worker ${i} exited with ${codes[i]}: ${w.stderr.join("")}`)
    return JSON.parse(w.lines.at(-1) ?? "null") as A
  })
}
