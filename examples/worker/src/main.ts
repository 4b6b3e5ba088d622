#!/usr/bin/env node
// psa-ledger-worker: one worker of the fleet that runs every link's schedules (see README.md).
import { parseArgs } from "node:util"
import { openDeployment, readSecretKey } from "@psa-ledger/deployment"
import { hostWorker, stopSignal } from "./host.ts"
import { errorText, jsonLog } from "./log.ts"
import { countingFetch, Metrics } from "./metrics.ts"
import {
  alertOf,
  alertOptionHelp,
  alertOptions,
  hostOptionsOf,
  leaseMsOf,
  postgresTarget,
  workerOptionHelp,
  workerOptions
} from "./options.ts"

const usage = [
  "psa-ledger-worker: run every link's schedules, with any number of workers sharing one PostgreSQL.",
  "",
  "Usage: psa-ledger-worker --storage postgres://…[?schema=NAME] [options]",
  "",
  "Options:",
  ...[
    ["--storage postgres://…", "the deployment (or PSA_LEDGER_STORAGE)"] as const,
    ["--secret-key-file FILE", "the secret key (or PSA_LEDGER_SECRET_KEY_FILE / PSA_LEDGER_SECRET_KEY)"] as const,
    ...workerOptionHelp,
    ...alertOptionHelp
  ].map(([left, right]) => `  ${left.padEnd(24)}  ${right}`),
  ""
].join("\n")

const main = async (): Promise<number> => {
  let values: Record<string, unknown>
  try {
    values = parseArgs({
      options: {
        storage: { type: "string" },
        "secret-key-file": { type: "string" },
        help: { type: "boolean", short: "h" },
        ...workerOptions,
        ...alertOptions
      },
      strict: true
    }).values
  } catch (error) {
    process.stderr.write(`psa-ledger-worker: ${errorText(error)}\n${usage}`)
    return 2
  }
  if (values.help === true) {
    process.stdout.write(usage)
    return 0
  }
  const name = (values.name as string | undefined) ?? `worker-${process.pid}`
  const log = jsonLog(name)
  const signal = stopSignal(log)
  try {
    const host = hostOptionsOf(values)
    const target = postgresTarget((values.storage as string | undefined) ?? process.env.PSA_LEDGER_STORAGE)
    const secretKey = await readSecretKey({ file: values["secret-key-file"] as string | undefined })
    const { postgresStorage } = await import("@psa-ledger/storage-adapters/postgres")
    const metrics = new Metrics()
    const leaseMs = leaseMsOf(process.env)
    const deployment = await openDeployment({
      // Every ConnectWise and Exact call of every run, counted per system (and its 429s) for /metrics.
      fetch: countingFetch(metrics),
      storage: (encryptionKey) =>
        postgresStorage({ connectionString: target.connectionString, schema: target.schema, encryptionKey }),
      secretKey,
      ...(leaseMs === undefined ? {} : { leaseMs })
    })
    try {
      await hostWorker({
        ...host,
        name,
        log,
        metrics,
        alert: await alertOf(values),
        deployment,
        connectionString: target.connectionString,
        signal
      })
    } finally {
      await deployment.close()
    }
    return 0
  } catch (error) {
    log("error", "the worker stopped on an error", { error: errorText(error) })
    return 1
  }
}

process.exitCode = await main()
