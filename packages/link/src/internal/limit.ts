/**
 * A gate that lets at most `limit` tasks run at once; the others wait their turn in order. Work a task
 * waits for (a dependency) must be awaited outside the gate, so that the gate never deadlocks.
 */
export const gate = (limit: number): (<A>(task: () => Promise<A>) => Promise<A>) => {
  const max = Math.max(1, limit)
  let active = 0
  const waiting: Array<() => void> = []
  return async (task) => {
    if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve))
    active++
    try {
      return await task()
    } finally {
      active--
      waiting.shift()?.()
    }
  }
}

/** Maps `items` through `task` with at most `limit` at once, results in order; stops starting new ones once `signal` aborts. */
export const mapLimit = <A, B>(
  items: ReadonlyArray<A>,
  limit: number,
  task: (item: A, index: number) => Promise<B>,
  signal?: AbortSignal
): Promise<Array<B>> => {
  const gated = gate(limit)
  return Promise.all(
    items.map((item, index) =>
      gated(() => {
        signal?.throwIfAborted()
        return task(item, index)
      })
    )
  )
}
