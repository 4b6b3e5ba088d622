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
