// The deploy guide's files are checked for syntax and for agreeing with the worker: the systemd unit
// and the compose file start the worker's real entry point with options it accepts, and give it more
// time to stop than its grace period.
import { existsSync, readFileSync } from "node:fs"
import { parseArgs } from "node:util"
import { describe, expect, it } from "@effect/vitest"
import { parse } from "yaml"
import { alertOptions, workerOptions } from "../src/options.ts"

const root = new URL("../../../", import.meta.url).pathname
const deploy = new URL("../deploy/", import.meta.url).pathname

/** The worker's own options and the deployment's: what its command line may hold. */
const accepts = (args: ReadonlyArray<string>) =>
  parseArgs({
    args: [...args],
    options: { storage: { type: "string" }, "secret-key-file": { type: "string" }, ...workerOptions, ...alertOptions },
    strict: true
  }).values

const seconds = (text: string) => Number(/^(\d+)s?$/.exec(text)?.[1] ?? Number.NaN)

describe("deploy/", () => {
  it("has a systemd unit that parses, starts the worker and outlasts its grace period", () => {
    const sections = new Map<string, Map<string, string>>()
    let current: Map<string, string> | undefined
    for (const [index, raw] of readFileSync(`${deploy}psa-ledger-worker.service`, "utf8").split("\n").entries()) {
      const line = raw.trim()
      if (line === "" || line.startsWith("#")) continue
      const section = /^\[(\w+)\]$/.exec(line)
      if (section !== null) {
        current = new Map()
        sections.set(section[1] ?? "", current)
        continue
      }
      const entry = /^([A-Za-z]+)=(.*)$/.exec(line)
      if (entry === null || current === undefined) throw new Error(`line ${index + 1} is not KEY=value in a section`)
      current.set(entry[1] ?? "", entry[2] ?? "")
    }
    expect([...sections.keys()]).toEqual(["Unit", "Service", "Install"])
    const service = sections.get("Service")
    const exec = (service?.get("ExecStart") ?? "").replaceAll("%i", "1").replaceAll("%H", "host").split(/\s+/)
    expect(exec.slice(0, 2)).toEqual(["/usr/bin/node", "--conditions=@psa-ledger/source"])
    expect(existsSync(`${root}${exec[2]}`)).toBe(true)
    const values = accepts(exec.slice(3))
    expect(seconds(service?.get("TimeoutStopSec") ?? "")).toBeGreaterThan(Number(values.grace))
    expect(service?.get("KillSignal")).toBe("SIGTERM")
  })

  it("has a compose file that parses, starts the worker and outlasts its grace period", () => {
    const compose = parse(readFileSync(`${deploy}compose.yaml`, "utf8")) as {
      services: Record<string, { command?: ReadonlyArray<string>; stop_grace_period?: string; environment?: object }>
    }
    const worker = compose.services.worker
    const command = worker?.command ?? []
    expect(command.slice(0, 2)).toEqual(["node", "--conditions=@psa-ledger/source"])
    expect(existsSync(`${root}${command[2]}`)).toBe(true)
    const values = accepts(command.slice(3))
    expect(seconds(worker?.stop_grace_period ?? "")).toBeGreaterThan(Number(values.grace))
    expect(JSON.stringify(worker?.environment)).toContain("PSA_LEDGER_SECRET_KEY_FILE")
    expect(Object.keys(compose.services)).toContain("postgres")
  })
})
