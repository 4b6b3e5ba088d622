import { type LogEntry, type Run, type RunStore, renderLog } from "@psa-ledger/reconcile-core"
import { Effect, Option } from "effect"
import { runPort } from "./internal/bridge.ts"
import { pause } from "./internal/pause.ts"

/** The largest page `RunStore.readLog` returns. */
const PAGE = 1_000

/**
 * A run's log as the host reads it: entries page by page (`for await`), or the whole log as text.
 *
 * @since 0.1.0
 */
export interface RunLog extends AsyncIterable<LogEntry> {
  /** Pages of up to 1,000 entries, in order. */
  pages(): AsyncIterable<ReadonlyArray<LogEntry>>
  /** The whole log rendered as readable text, one line per entry. */
  text(): Promise<string>
  /**
   * The entries as they are written, until the run has finished (or `signal` aborts): for a run
   * that another process is running, read from storage every `pollMs` (default 500 ms). A finished
   * run yields its whole log and ends.
   *
   * @example
   * ```ts
   * for await (const entry of link.runs.log(runId).follow()) console.log(entry.message)
   * ```
   */
  follow(options?: {
    readonly signal?: AbortSignal | undefined
    readonly pollMs?: number | undefined
  }): AsyncIterable<LogEntry>
}

/**
 * Reading a link's runs: newest first, one by id, and a run's log.
 *
 * @example
 * ```ts
 * import { makeRuns } from "@psa-ledger/link"
 * import { makeMemoryRunStore } from "@psa-ledger/reconcile-core"
 *
 * const runs = makeRuns(makeMemoryRunStore())
 * for (const run of await runs.list("link-1", { limit: 20 })) {
 *   console.log(run.id, run.job, run.status, run.summary)
 * }
 * const latest = (await runs.list("link-1", { limit: 1 }))[0]
 * if (latest) console.log(await runs.log("link-1", latest.id).text())
 * ```
 *
 * @since 0.1.0
 */
export interface Runs {
  /** Runs newest first; pass the last id of a page as `before` for the next page. */
  list(
    linkId: string,
    options?: { readonly limit?: number | undefined; readonly before?: string | undefined }
  ): Promise<ReadonlyArray<Run>>
  /** The run, or `undefined` when the link has no run with that id. */
  get(linkId: string, runId: string): Promise<Run | undefined>
  /** The run's log; reading starts when iterated. */
  log(linkId: string, runId: string): RunLog
}

/**
 * Pages of a run's log, read lazily: each page is one `readLog` call.
 *
 * @since 0.1.0
 */
export const readLogPages = (
  store: RunStore["Service"],
  linkId: string,
  runId: string
): AsyncIterable<ReadonlyArray<LogEntry>> => ({
  async *[Symbol.asyncIterator]() {
    let afterSeq = 0
    while (true) {
      const page = await runPort("RunStore.readLog", store.readLog(linkId, runId, { afterSeq, limit: PAGE }))
      if (page.length > 0) yield page
      const last = page[page.length - 1]
      if (last === undefined || page.length < PAGE) return
      afterSeq = last.seq
    }
  }
})

/**
 * A run's entries as they are written: the status is read before the entries, so that once a
 * finished status has been seen, everything written before it is read in the same round.
 */
const followLog = (
  store: RunStore["Service"],
  linkId: string,
  runId: string,
  options: { readonly signal?: AbortSignal | undefined; readonly pollMs?: number | undefined }
): AsyncIterable<LogEntry> => ({
  async *[Symbol.asyncIterator]() {
    const pollMs = Math.max(10, options.pollMs ?? 500)
    let afterSeq = 0
    while (options.signal?.aborted !== true) {
      const run = await runPort("RunStore.get", store.get(linkId, runId))
      let page: ReadonlyArray<LogEntry>
      do {
        page = await runPort("RunStore.readLog", store.readLog(linkId, runId, { afterSeq, limit: PAGE }))
        for (const entry of page) {
          afterSeq = entry.seq
          yield entry
        }
      } while (page.length === PAGE)
      if (Option.isNone(run) || run.value.status !== "running") return
      await pause(pollMs, options.signal)
    }
  }
})

/**
 * The reading side over a `RunStore` (memory, SQLite or PostgreSQL), with promises for hosts.
 * Failures reject with a `LinkError` (reason `Storage`).
 *
 * @since 0.1.0
 */
export const makeRuns = (store: RunStore["Service"]): Runs => {
  return {
    list: (linkId, options) => runPort("RunStore.list", store.list(linkId, options)),
    get: (linkId, runId) => runPort("RunStore.get", store.get(linkId, runId).pipe(Effect.map(Option.getOrUndefined))),
    log: (linkId, runId) => {
      const pages = () => readLogPages(store, linkId, runId)
      return {
        pages,
        async *[Symbol.asyncIterator]() {
          for await (const page of pages()) yield* page
        },
        async text() {
          const lines: Array<string> = []
          for await (const page of pages()) lines.push(renderLog(page))
          return lines.join("\n")
        },
        follow: (options = {}) => followLog(store, linkId, runId, options)
      }
    }
  }
}
