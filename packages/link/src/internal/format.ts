import type { Run } from "@psa-ledger/reconcile-core"
import { DateTime } from "effect"

/** `850 ms`, `12.4 s`, `3 min 5 s`, `2 h 4 min`. */
export const formatDuration = (ms: number): string => {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))} ms`
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`
  const seconds = Math.round(ms / 1_000)
  if (seconds < 3_600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`
  return `${Math.floor(seconds / 3_600)} h ${Math.floor((seconds % 3_600) / 60)} min`
}

/** `12 done, 3 skipped, 0 failed`, in the order the counters were first counted. */
export const formatCounts = (counts: Readonly<Record<string, number>>): string => {
  const parts = Object.entries(counts).map(([name, value]) => `${value} ${name}`)
  return parts.length === 0 ? "nothing counted" : parts.join(", ")
}

/** How long a finished run took, in milliseconds; undefined while it runs. */
export const runDurationMs = (run: Run): number | undefined =>
  run.finishedAt === undefined
    ? undefined
    : DateTime.toEpochMillis(run.finishedAt) - DateTime.toEpochMillis(run.startedAt)

/** Cuts text to `max` characters, saying that it did. */
export const truncate = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, Math.max(0, max - 20))}… [truncated]`
