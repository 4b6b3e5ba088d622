import type { Progress } from "./watch.ts"

/** A run's live progress: its phase, how far it is, and a bar (labelled, for screen readers too). */
export const RunProgress = ({
  id,
  progress,
  max = 1
}: {
  /** The bar's element id, unique on the page. */
  readonly id: string
  readonly progress: Progress
  /** The bar's length while the run has not said its total. */
  readonly max?: number
}) => (
  <div className="progress">
    <label htmlFor={id}>
      {progress.phase ?? "Working"} {progress.done ?? 0}
      {progress.total === undefined ? "" : ` of ${progress.total}`}
    </label>
    <progress id={id} value={progress.done ?? 0} max={progress.total ?? max} />
  </div>
)
