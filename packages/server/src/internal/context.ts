import type { DeploymentApi } from "@psa-ledger/deployment"
import type { LoadedMonth } from "@psa-ledger/link"
import type { Storage } from "@psa-ledger/storage-adapters"
import type { AuthOptions } from "../Auth.ts"
import type { ServerQueue } from "./queue.ts"

/** A line of the server's own log (sign-ins, failures); never a secret, never a stack to a client. */
export type ServerLog = (level: "info" | "warn" | "error", message: string, fields?: Record<string, unknown>) => void

/** A load of a month started in this process: its live progress, or why it failed (the loaded month itself is in storage). */
export interface MonthJob {
  state: "loading" | "ready" | "failed"
  startedAt: number
  progress?: { phase: string; done: number; total?: number | undefined }
  error?: { code: string; message: string }
  promise: Promise<void>
}

/** A month's newest load as this process read it (or loaded it), by its load id. */
export interface CachedMonth {
  loadId: string
  readonly grid: Promise<LoadedMonth | undefined>
}

/** What every route shares. */
export interface ServerContext {
  readonly deployment: DeploymentApi
  readonly storage: Storage
  readonly auth: AuthOptions
  readonly now: () => number
  readonly log: ServerLog
  /** Loads started here, by `linkId month`. */
  readonly months: Map<string, MonthJob>
  /** Loaded months read from storage (or loaded here), by `linkId month`: read once per load. */
  readonly loaded: Map<string, CachedMonth>
  /** Links with a run started here and not finished. */
  readonly active: Map<string, { job: string; runId?: string | undefined }>
  /** Work started here (runs, loads), awaited by `close()`. */
  readonly work: Set<Promise<unknown>>
  /** Aborted by `close()` when the grace period ends. */
  readonly shutdown: AbortController
  /** How often streams poll storage for new events (ms). */
  readonly pollMs: number
  /** The worker fleet's run queue, for manual runs in `workers` mode (when the host configured it). */
  readonly queue?: ServerQueue | undefined
}
