import { EventEmitter } from "node:events"
import { describe, expect, it } from "vitest"
import { type LockstepPort, lockstepCoordinator, lockstepParticipant } from "../src/index.ts"

const start = Date.UTC(2026, 1, 2, 8)

/** Two ends of an in-process channel, delivering asynchronously as Node's IPC does. */
const channel = () => {
  const toChild = new EventEmitter()
  const toParent = new EventEmitter()
  const child: LockstepPort = {
    send: (message) => {
      setImmediate(() => toParent.emit("message", message))
      return true
    },
    on: (event, listener) => toChild.on(event, listener)
  }
  const parent = Object.assign(new EventEmitter(), {
    send: (message: unknown) => {
      setImmediate(() => toChild.emit("message", message))
      return true
    }
  })
  toParent.on("message", (message) => parent.emit("message", message))
  return { parent, child, exit: () => parent.emit("exit") }
}

describe("lockstep clock", () => {
  it("stands still while any participant works, and jumps to the earliest wake-up when all sleep", async () => {
    const clock = lockstepCoordinator(start)
    const a = channel()
    const b = channel()
    clock.attach(a.parent)
    clock.attach(b.parent)
    const ca = lockstepParticipant({ port: a.child })
    const cb = lockstepParticipant({ port: b.child })
    await Promise.all([ca.synced, cb.synced])
    expect(ca.now()).toBe(start)

    const woke: Array<string> = []
    const sleeping = ca.sleep(60_000).then(() => woke.push(`a@${ca.now() - start}`))
    // b is still working: however long real time passes, a does not wake.
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(clock.now()).toBe(start)
    expect(woke).toEqual([])

    const bSleeping = cb.sleep(120_000).then(() => woke.push(`b@${cb.now() - start}`))
    await sleeping
    expect(woke).toEqual(["a@60000"])
    expect(clock.now()).toBe(start + 60_000)
    // b is told the time too, but keeps sleeping until its own wake-up.
    await ca.sleep(60_000)
    await bSleeping
    expect(woke).toEqual(["a@60000", "b@120000"])
    expect(clock.now()).toBe(start + 120_000)
    a.exit()
    b.exit()
  })

  it("wakes every participant due at the same instant together", async () => {
    const clock = lockstepCoordinator(start)
    const ends = [channel(), channel(), channel()]
    for (const end of ends) clock.attach(end.parent)
    const clocks = ends.map((end) => lockstepParticipant({ port: end.child }))
    await Promise.all(clocks.map((c) => c.synced))
    const steps = clock.steps
    await Promise.all(clocks.map((c) => c.sleep(300_000)))
    expect(clock.steps - steps).toBe(1)
    expect(clocks.map((c) => c.now())).toEqual([start + 300_000, start + 300_000, start + 300_000])
    for (const end of ends) end.exit()
  })

  it("never wakes a sleeper early, and moves on without a participant that exited", async () => {
    const clock = lockstepCoordinator(start)
    const a = channel()
    const gone = channel()
    clock.attach(a.parent)
    clock.attach(gone.parent)
    const ca = lockstepParticipant({ port: a.child })
    await ca.synced
    const sleeping = ca.sleep(10_000)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(clock.now()).toBe(start)
    gone.exit()
    await sleeping
    expect(ca.now()).toBe(start + 10_000)
    // The coordinator's own sleepers take part in the same order of wake-ups.
    const own = clock.sleep(5_000)
    const theirs = ca.sleep(50_000)
    await own
    expect(clock.now()).toBe(start + 15_000)
    await theirs
    expect(ca.now()).toBe(start + 60_000)
    a.exit()
  })

  it("counts a process with several loops as asleep only when every loop sleeps", async () => {
    const clock = lockstepCoordinator(start)
    const a = channel()
    clock.attach(a.parent)
    const ca = lockstepParticipant({ port: a.child, threads: 2 })
    await ca.synced
    const times: Array<string> = []
    // Loop one sleeps a second, then five; loop two is still working, so nothing moves yet.
    const one = ca.sleep(1_000).then(async () => {
      times.push(`one@${ca.now() - start}`)
      await ca.sleep(5_000)
      times.push(`one@${ca.now() - start}`)
    })
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(clock.now()).toBe(start)
    void ca.sleep(2_000).then(() => {
      times.push(`two@${ca.now() - start}`)
      // Loop two sleeps again (past loop one's wake-up), so the process still counts as asleep.
      void ca.sleep(10_000)
    })
    await one
    expect(times).toEqual(["one@1000", "two@2000", "one@6000"])
    a.exit()
  })
})
