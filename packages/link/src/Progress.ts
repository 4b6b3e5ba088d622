/**
 * Where a piece of work is: `done` of `total` items in `phase`. `total` is absent while unknown
 * (an indeterminate bar).
 *
 * @example
 * ```ts
 * import type { ProgressEvent } from "@psa-ledger/link"
 *
 * const onProgress = (event: ProgressEvent) => {
 *   const percent = event.total ? Math.floor((100 * event.done) / event.total) : undefined
 *   console.log(event.phase, percent ?? event.done)
 * }
 * ```
 *
 * @since 0.1.0
 */
export interface ProgressEvent {
  /** A stable, machine-readable name such as `"load.invoices"` or `"apply.operations"`. */
  readonly phase: string
  readonly done: number
  readonly total?: number | undefined
}

/**
 * Receives progress events; hosts turn them into progress bars.
 *
 * @since 0.1.0
 */
export type ProgressListener = (event: ProgressEvent) => void

/**
 * Wraps a host's listener so that a throwing listener never breaks the work it watches.
 *
 * @since 0.1.0
 */
export const safeListener = (listener: ProgressListener | undefined): ProgressListener => {
  if (listener === undefined) return () => {}
  return (event) => {
    try {
      listener(event)
    } catch {
      // A broken progress bar is the host's problem; the run goes on.
    }
  }
}

/**
 * Counts through one phase and reports it, thinned so a 100,000-item phase does not call the
 * listener 100,000 times.
 *
 * @since 0.1.0
 */
export interface ProgressTracker {
  readonly phase: string
  /** Adds `by` (default 1) done items and reports if a step was crossed. */
  advance(by?: number): void
  /** Sets the done count (never backwards) and reports if a step was crossed. */
  set(done: number): void
  /** Reports the final state, always. */
  finish(): void
  readonly done: number
}

/**
 * Starts a phase: reports `{ phase, done: 0, total }` now, then at most about `steps` (default 100)
 * times more, plus the final event from `finish()`.
 *
 * @example
 * ```ts
 * import { trackProgress } from "@psa-ledger/link"
 *
 * const tracker = trackProgress((event) => console.log(event), "apply.operations", 250)
 * for (let i = 0; i < 250; i++) tracker.advance()
 * tracker.finish()
 * ```
 *
 * @since 0.1.0
 */
export const trackProgress = (
  listener: ProgressListener | undefined,
  phase: string,
  total?: number,
  options?: { readonly steps?: number | undefined }
): ProgressTracker => {
  const emit = safeListener(listener)
  const steps = Math.max(1, options?.steps ?? 100)
  // Without a total, report every `indeterminateEvery` items instead of at percentage steps.
  const indeterminateEvery = 100
  let done = 0
  let lastReported = 0
  const event = (): ProgressEvent => (total === undefined ? { phase, done } : { phase, done, total })
  const maybeReport = () => {
    const stepSize = total === undefined ? indeterminateEvery : Math.max(1, total / steps)
    if (done - lastReported >= stepSize || (total !== undefined && done >= total && lastReported < total)) {
      lastReported = done
      emit(event())
    }
  }
  emit(event())
  return {
    phase,
    get done() {
      return done
    },
    advance(by = 1) {
      done += by
      maybeReport()
    },
    set(value) {
      if (value <= done) return
      done = value
      maybeReport()
    },
    finish() {
      lastReported = done
      emit(event())
    }
  }
}
