// `psa-ledger worker`: this machine becomes one worker of the fleet that runs every link's schedules
// over the deployment's PostgreSQL (the same worker as examples/worker's `psa-ledger-worker`), and
// `psa-ledger worker play`: a manual run through the fleet's queue.
import {
  alertOf,
  alertOptionHelp,
  alertOptions,
  hostOptionsOf,
  hostWorker,
  jsonLog,
  makeRunQueue,
  workerOptionHelp,
  workerOptions
} from "@psa-ledger/example-worker"
import type { Command } from "./commands.ts"
import { open, storageTarget } from "./deployment.ts"
import { CliError, Exit, usageError } from "./errors.ts"

const JOBS = ["reconciliation.apply", "transfer.run", "transfer.syncPayments", "exact.keepAlive"]

const postgres = (values: Record<string, unknown>, usage: string) => {
  const target = storageTarget(values.storage as string | undefined)
  if (target._tag !== "postgres") {
    throw usageError("the worker needs a postgres:// storage: the fleet shares its queue there", usage)
  }
  return target
}

export const workerCommands: ReadonlyArray<Command> = [
  {
    name: "worker play",
    args: "LINK JOB [--queue-schema NAME] [--retry JOB=N[:DELAY]]",
    summary: "queue a run of a link's job on the workers (behind the link's running job, if any)",
    example: "psa-ledger worker play acme transfer.run --storage postgres://ledger@db/ledger",
    options: { "queue-schema": workerOptions["queue-schema"], retry: workerOptions.retry },
    // Retries are fixed when a job is queued: a played job keeps the retries given here.
    optionHelp: workerOptionHelp.filter(([flag]) => flag.startsWith("--queue-schema") || flag.startsWith("--retry")),
    positionals: 2,
    run: async ({ values, positionals, out }) => {
      const [linkId = "", job = ""] = positionals
      const target = postgres(values, "psa-ledger worker play LINK JOB")
      if (!JOBS.includes(job))
        throw usageError(`unknown job ${JSON.stringify(job)} (${JOBS.join(", ")})`, "psa-ledger worker play LINK JOB")
      const opened = await open({
        storage: values.storage as string | undefined,
        secretKeyFile: values["secret-key-file"] as string | undefined
      })
      try {
        if ((await opened.deployment.links.get(linkId)) === undefined) {
          throw new CliError(`no link ${JSON.stringify(linkId)}`, { hint: "`psa-ledger links` lists them" })
        }
      } finally {
        await opened.deployment.close()
      }
      const queue = makeRunQueue({
        connectionString: target.connectionString,
        schema: values["queue-schema"] as string | undefined,
        retries: hostOptionsOf(values).retries
      })
      await queue.start()
      try {
        const id = await queue.play(linkId, job, process.env.USER ?? "psa-ledger")
        out(values.json === true ? `${JSON.stringify({ jobId: id })}\n` : `queued ${job} for ${linkId}: job ${id}\n`)
      } finally {
        await queue.stop(1_000)
      }
      return Exit.done
    }
  },
  {
    name: "worker",
    args: "[--concurrency N] [--port N] [--grace SECONDS] …",
    summary: "run every link's schedules as one worker of a fleet on PostgreSQL, until SIGTERM or Ctrl-C",
    example: "psa-ledger worker --storage postgres://ledger@db/ledger --concurrency 4 --port 9464",
    options: { ...workerOptions, ...alertOptions },
    optionHelp: [...workerOptionHelp, ...alertOptionHelp],
    positionals: 0,
    run: async ({ values, signal, out }) => {
      const target = postgres(values, "psa-ledger worker")
      const host = hostOptionsOf(values)
      const name = host.name ?? `worker-${process.pid}`
      const log = jsonLog(name, out)
      // Ctrl-C aborts `signal` (the CLI's own handler); SIGTERM, as a service manager sends it, too.
      const stop = new AbortController()
      const onTerm = () => stop.abort(new Error("SIGTERM"))
      process.once("SIGTERM", onTerm)
      const opened = await open({
        storage: values.storage as string | undefined,
        secretKeyFile: values["secret-key-file"] as string | undefined,
        sandbox: values.sandbox === true
      })
      try {
        await hostWorker({
          ...host,
          name,
          log,
          alert: await alertOf(values),
          deployment: opened.deployment,
          connectionString: target.connectionString,
          signal: AbortSignal.any([signal, stop.signal])
        })
      } finally {
        process.off("SIGTERM", onTerm)
        await opened.deployment.close()
      }
      return Exit.done
    }
  }
]
