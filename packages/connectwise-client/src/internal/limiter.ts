/**
 * At most `limit` tasks at once, first come first served. A caller whose signal fires while it
 * waits leaves the queue at once instead of waiting for a turn it no longer wants.
 */
export class Limiter {
  private active = 0
  private readonly waiting: Array<() => void> = []
  // A plain field rather than a parameter property: Node's type stripping (used by the CLI host
  // running package sources) rejects parameter properties.
  private readonly limit: number
  constructor(limit: number) {
    this.limit = Math.max(1, limit)
  }

  async run<A>(task: () => Promise<A>, signal?: AbortSignal): Promise<A> {
    if (this.active >= this.limit) await this.turn(signal)
    this.active++
    try {
      return await task()
    } finally {
      this.active--
      this.waiting.shift()?.()
    }
  }

  private turn(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const go = () => {
        signal?.removeEventListener("abort", leave)
        resolve()
      }
      const leave = () => {
        const index = this.waiting.indexOf(go)
        if (index >= 0) this.waiting.splice(index, 1)
        reject(signal?.reason)
      }
      this.waiting.push(go)
      signal?.addEventListener("abort", leave, { once: true })
    })
  }
}
