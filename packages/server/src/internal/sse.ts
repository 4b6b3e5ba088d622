import { LogEntry } from "@psa-ledger/reconcile-core"
import { DateTime, Option, Schema } from "effect"
import type { ServerContext } from "./context.ts"
import { store } from "./session.ts"

const encodeEntry = Schema.encodeSync(Schema.toCodecJson(LogEntry))

/** `Last-Event-ID` is `logSeq.eventSeq`: where the stream was in the run's log and in its progress events. */
const parseCursor = (text: string | null): { log: number; event: number } => {
  const match = /^(\d{1,15})\.(\d{1,15})$/.exec(text?.trim() ?? "")
  return match === null ? { log: 0, event: 0 } : { log: Number(match[1]), event: Number(match[2]) }
}

const frame = (id: string, event: string, data: unknown) =>
  `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`

/**
 * A run's events as server-sent events, read from storage so any server process streams any run:
 * `log` (each log entry), `progress` (what the running process recorded) and one `end` with the
 * run's status, after which the stream closes. Resumes after `Last-Event-ID`.
 */
export const runEventStream = (ctx: ServerContext, linkId: string, runId: string, request: Request): Response => {
  const cursor = parseCursor(request.headers.get("last-event-id"))
  const encoder = new TextEncoder()
  let stopped = false
  const body = new ReadableStream<Uint8Array>({
    start: (controller) => {
      const stop = () => {
        if (stopped) return
        stopped = true
        try {
          controller.close()
        } catch {
          // Already closed by the client.
        }
      }
      request.signal.addEventListener("abort", stop)
      ctx.shutdown.signal.addEventListener("abort", stop)
      const send = (text: string) => {
        if (!stopped) controller.enqueue(encoder.encode(text))
      }
      send(`retry: 2000\n\n`)
      const loop = async () => {
        let idle = 0
        while (!stopped) {
          // Read the status first: everything written before a finished status is then read below.
          const run = await store(ctx.storage.runs.get(linkId, runId))
          const entries = await store(ctx.storage.runs.readLog(linkId, runId, { afterSeq: cursor.log, limit: 1_000 }))
          for (const entry of entries) {
            cursor.log = entry.seq
            send(frame(`${cursor.log}.${cursor.event}`, "log", encodeEntry(entry)))
          }
          const events = await store(ctx.storage.runEvents.list(linkId, runId, { after: cursor.event }))
          for (const event of events) {
            cursor.event = event.seq
            send(frame(`${cursor.log}.${cursor.event}`, event.type, event.data))
          }
          const finished = Option.isSome(run) && run.value.status !== "running"
          if (finished && entries.length < 1_000 && events.length < 1_000) {
            const r = Option.getOrThrow(run)
            send(
              frame(`${cursor.log}.${cursor.event}`, "end", {
                status: r.status,
                counts: r.counts,
                ...(r.summary === undefined ? {} : { summary: r.summary }),
                ...(r.finishedAt === undefined ? {} : { finishedAt: DateTime.formatIso(r.finishedAt) })
              })
            )
            stop()
            return
          }
          idle = entries.length + events.length > 0 ? 0 : idle + 1
          // A comment now and then keeps proxies from closing a quiet stream.
          if (idle > 0 && idle % 100 === 0) send(": keep-alive\n\n")
          await new Promise((resolve) => setTimeout(resolve, ctx.pollMs))
        }
      }
      loop().catch(() => stop())
    },
    cancel: () => {
      stopped = true
    }
  })
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-accel-buffering": "no"
    }
  })
}
