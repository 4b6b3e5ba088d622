// Manual runs in a deployment whose scheduling is `workers`: a run started in the portal is queued
// on the fleet's run queue (link's `RunQueue`, the same one the workers plan and consume), so it runs
// on a worker, one run per link across the fleet, with the fleet's retries, and the API answers with
// the job's id, which the portal follows (`GET …/queued-runs/{jobId}`) until the run is named.
//
// pg-boss and pg load only when a queue is configured and first needed.
import type { QueuedTransferRange, RunQueue } from "@psa-ledger/link/pg-boss"
import type { ServerContext } from "./context.ts"

/**
 * Where the worker fleet's run queue is (the host passes the deployment's PostgreSQL), for manual
 * runs in `workers` mode.
 *
 * @since 0.1.0
 */
export interface ServerQueueOptions {
  readonly connectionString: string
  /** The queue's schema, as the workers' `--queue-schema` (default `psa_ledger_jobs`). */
  readonly schema?: string | undefined
  /** The tries a queued manual run gets, per job (default the fleet's defaults). */
  readonly retries?: import("@psa-ledger/link/pg-boss").RetryPolicy | undefined
}

/** The queue of this server, opened on first use. */
export interface ServerQueue {
  get(): Promise<RunQueue>
  close(): Promise<void>
}

export const serverQueue = (options: ServerQueueOptions): ServerQueue => {
  let opened: Promise<RunQueue> | undefined
  return {
    get: () => {
      opened ??= (async () => {
        const { makeRunQueue, retryPolicy } = await import("@psa-ledger/link/pg-boss")
        const queue = makeRunQueue({
          connectionString: options.connectionString,
          schema: options.schema,
          retries: options.retries ?? retryPolicy()
        })
        await queue.start()
        return queue
      })()
      // A failed start is tried again by the next request, not remembered.
      opened.catch(() => {
        opened = undefined
      })
      return opened
    },
    close: async () => {
      const queue = await opened?.catch(() => undefined)
      await queue?.stop(1_000)
    }
  }
}

let warned = false

/**
 * Queues a manual run when the deployment's scheduling is `workers`: the job's id, or `undefined`
 * when the run is this server's to start (in-process mode, or no queue configured — then the run
 * starts here under the link's lease, and the log says so once).
 */
export const queueManualRun = async (
  ctx: ServerContext,
  linkId: string,
  job: string,
  actor: string,
  input?: { readonly range?: QueuedTransferRange | undefined }
): Promise<string | undefined> => {
  if ((await ctx.deployment.scheduling()) !== "workers") return undefined
  if (ctx.queue === undefined) {
    if (!warned) {
      warned = true
      ctx.log("warn", "scheduling is workers but this server has no queue configured: manual runs start here", {})
    }
    return undefined
  }
  const queue = await ctx.queue.get()
  return queue.play(linkId, job, actor, input)
}
