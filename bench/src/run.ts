/**
 * Runs each case in a fresh child process (its peak RSS its own), repeated, and keeps every
 * repeat's metrics for the report.
 */
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import type { CaseResult } from "./measure.ts"

const CHILD = fileURLToPath(new URL("./child.ts", import.meta.url))

/** The repeats of one case at one set of parameters. */
export interface CaseRuns {
  readonly name: string
  readonly params: Readonly<Record<string, unknown>>
  readonly runs: ReadonlyArray<CaseResult>
}

/** Runs case `name` once in a child process with `params`; its last stdout line is the result. */
export const runChild = (
  name: string,
  params: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string>> = {}
): Promise<CaseResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        "--conditions=@psa-ledger/source",
        "--expose-gc",
        "--max-old-space-size=8192",
        CHILD,
        name,
        JSON.stringify(params)
      ],
      { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] }
    )
    let out = ""
    let err = ""
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8")
    })
    child.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString("utf8")
    })
    child.on("error", reject)
    child.on("close", (code) => {
      const last = out.trim().split("\n").at(-1) ?? ""
      if (code !== 0 || !last.startsWith("{")) {
        reject(new Error(`case ${name} ${JSON.stringify(params)} exited ${code}: ${err.trim().slice(-2000)}`))
        return
      }
      resolve(JSON.parse(last) as CaseResult)
    })
  })

/** Runs case `name` `repeats` times, reporting progress on stderr. */
export const repeat = async (
  name: string,
  params: Readonly<Record<string, unknown>>,
  repeats: number,
  env: Readonly<Record<string, string>> = {}
): Promise<CaseRuns> => {
  const runs: Array<CaseResult> = []
  const shown = Object.entries(params)
    .filter(([key]) => !key.endsWith("File"))
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(" ")
  for (let i = 0; i < repeats; i++) {
    const started = performance.now()
    runs.push(await runChild(name, params, env))
    process.stderr.write(`  ${name} ${shown} #${i + 1}: ${((performance.now() - started) / 1000).toFixed(1)} s\n`)
  }
  return { name, params, runs }
}
