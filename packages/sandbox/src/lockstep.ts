/**
 * A clock that several processes advance together, for multi-process tests against the simulations.
 *
 * A scaled clock magnifies every real stall: at 5,000× a 6 ms lock wait is Exact's whole 30-second
 * refresh window, so a loaded machine turns into expired tokens, 401s and a blocked app. The lockstep
 * clock removes real time from the picture: simulated time stands still while any process is working
 * and jumps to the earliest wake time only when every process is asleep on the clock. A request never
 * meets a token that expired in flight, whatever the machine's load, and a run is reproducible.
 *
 * The coordinator lives in the process that runs the simulation (it is that process's clock too);
 * each child process reads a participant clock, which talks to the coordinator over Node's IPC channel
 * (`spawn(…, { stdio: [..., "ipc"] })`).
 *
 * @since 0.1.0
 */
import type { SandboxClock } from "./clock.ts"
import { type Sleeper, sleepOn } from "./internal/sleeper.ts"

/** A message between a coordinator and its participants; `lockstep` keeps it apart from other IPC. */
type LockstepMessage =
  | { readonly lockstep: "time"; readonly now: number }
  | { readonly lockstep: "idle"; readonly wakeAt: number }
  | { readonly lockstep: "busy" }

const isLockstepMessage = (message: unknown): message is LockstepMessage =>
  typeof message === "object" && message !== null && "lockstep" in message

/**
 * The end of an IPC channel: a `ChildProcess` in the coordinator, `process` in a child.
 *
 * @since 0.1.0
 */
export interface LockstepPort {
  // Method syntax on purpose: Node's `send` takes a `Serializable`, which a lockstep message is.
  send?(message: object): boolean
  on(event: "message", listener: (message: unknown) => void): unknown
}

/**
 * The coordinator's clock: the simulation reads it, child processes follow it.
 *
 * @since 0.1.0
 */
export interface LockstepCoordinator extends SandboxClock {
  /** Follows a child process: it counts as working until it sleeps, and stops counting when it exits. */
  attach(child: LockstepPort & { once(event: "exit", listener: () => void): unknown }): void
  /** How many steps time has taken (for reports). */
  readonly steps: number
}

interface Member {
  readonly port: LockstepPort
  busy: boolean
  wakeAt: number
}

/**
 * A coordinator starting at `start` (epoch ms). Time moves only when every attached process sleeps on
 * its participant clock: then to the earliest wake time (of theirs and of this process's own sleepers),
 * waking everyone due at that instant, so processes whose pauses end together run at once. Work in
 * this process itself is not watched: its sleepers are for a simulation's latency, not for clients.
 *
 * @example
 * ```ts
 * import { spawn } from "node:child_process"
 * import { createExactSimulation, lockstepCoordinator } from "@psa-ledger/sandbox"
 *
 * const clock = lockstepCoordinator(Date.UTC(2026, 1, 2, 8))
 * const exact = createExactSimulation({ clock })
 * const child = spawn(process.execPath, ["worker.js"], { stdio: ["pipe", "pipe", "pipe", "ipc"] })
 * clock.attach(child) // worker.js reads `lockstepParticipant()`
 * ```
 *
 * @since 0.1.0
 */
export const lockstepCoordinator = (start: number): LockstepCoordinator => {
  let now = start
  let steps = 0
  let scheduled = false
  const members = new Set<Member>()
  let sleepers: Array<Sleeper> = []

  const send = (member: Member, message: LockstepMessage) => {
    if (member.port.send === undefined) return
    try {
      member.port.send(message)
    } catch {
      // The child is gone; its exit detaches it.
    }
  }

  const step = () => {
    scheduled = false
    let next = Number.POSITIVE_INFINITY
    for (const member of members) {
      if (member.busy) return
      next = Math.min(next, member.wakeAt)
    }
    for (const sleeper of sleepers) next = Math.min(next, sleeper.wakeAt)
    if (next === Number.POSITIVE_INFINITY) return
    now = Math.max(now, next)
    steps++
    let woken = false
    for (const member of members) {
      if (member.wakeAt <= now) {
        member.busy = true
        woken = true
      }
      send(member, { lockstep: "time", now })
    }
    const due = sleepers.filter((s) => s.wakeAt <= now)
    sleepers = sleepers.filter((s) => s.wakeAt > now)
    for (const sleeper of due) sleeper.resolve()
    // Only this process's own sleepers woke: every child still sleeps, so time may move on.
    if (!woken) schedule()
  }
  const schedule = () => {
    if (scheduled) return
    scheduled = true
    setImmediate(step)
  }

  return {
    now: () => now,
    get steps() {
      return steps
    },
    sleep: (ms, signal) =>
      sleepOn(signal, (wake) => ({ wakeAt: now + Math.max(0, ms), resolve: wake }), {
        add: (sleeper) => {
          sleepers.push(sleeper)
          schedule()
        },
        remove: (sleeper) => {
          sleepers = sleepers.filter((s) => s !== sleeper)
        }
      }),
    attach: (child) => {
      const member: Member = { port: child, busy: true, wakeAt: Number.POSITIVE_INFINITY }
      members.add(member)
      child.on("message", (message) => {
        if (!isLockstepMessage(message)) return
        if (message.lockstep === "idle") {
          member.busy = false
          member.wakeAt = message.wakeAt
          schedule()
        } else if (message.lockstep === "busy") {
          member.busy = true
        }
      })
      child.once("exit", () => {
        members.delete(member)
        schedule()
      })
      send(member, { lockstep: "time", now })
    }
  }
}

/**
 * A child process's clock under a {@link lockstepCoordinator}.
 *
 * @since 0.1.0
 */
export interface LockstepParticipant extends SandboxClock {
  /** Resolves once the coordinator has said what time it is; read `now()` only after. */
  readonly synced: Promise<void>
}

/**
 * Options of a participant clock.
 *
 * @since 0.1.0
 */
export interface LockstepParticipantOptions {
  /** The channel to the coordinator. Default: `process` (the IPC channel of a spawned child). */
  readonly port?: LockstepPort
  /**
   * How many concurrent call loops this process runs. It counts as asleep when that many sleeps are
   * pending (each loop is either working or in one sleep). Default 1.
   */
  readonly threads?: number
}

/**
 * The clock of a child process that a {@link lockstepCoordinator} attached: `now()` is the coordinator's
 * time, and `sleep` tells the coordinator when this process wants to wake.
 *
 * @example
 * ```ts
 * import { lockstepParticipant } from "@psa-ledger/sandbox"
 *
 * const clock = lockstepParticipant()
 * await clock.synced
 * await clock.sleep(60_000) // returns when every process sleeps and a simulated minute has passed
 * ```
 *
 * @since 0.1.0
 */
export const lockstepParticipant = (options: LockstepParticipantOptions = {}): LockstepParticipant => {
  const port: LockstepPort = options.port ?? process
  const threads = Math.max(1, options.threads ?? 1)
  if (port.send === undefined) throw new Error("lockstepParticipant: this process has no IPC channel")
  let now = Number.NaN
  let sleepers: Array<Sleeper> = []
  let idle = false
  let markSynced: () => void = () => undefined
  const synced = new Promise<void>((resolve) => {
    markSynced = resolve
  })

  const tell = (message: LockstepMessage) => port.send?.(message)
  const report = () => {
    const wasIdle = idle
    idle = sleepers.length >= threads
    if (idle) tell({ lockstep: "idle", wakeAt: Math.min(...sleepers.map((s) => s.wakeAt)) })
    else if (wasIdle) tell({ lockstep: "busy" })
  }

  port.on("message", (message) => {
    if (!isLockstepMessage(message) || message.lockstep !== "time") return
    now = message.now
    markSynced()
    const due = sleepers.filter((s) => s.wakeAt <= now)
    if (due.length === 0) return
    sleepers = sleepers.filter((s) => s.wakeAt > now)
    // The coordinator counts this process as working from here: it reports again when it sleeps.
    idle = false
    for (const sleeper of due) sleeper.resolve()
  })

  return {
    now: () => now,
    synced,
    sleep: (ms, signal) =>
      sleepOn(signal, (wake) => ({ wakeAt: now + Math.max(0, ms), resolve: wake }), {
        add: (sleeper) => {
          sleepers.push(sleeper)
          report()
        },
        remove: (sleeper) => {
          sleepers = sleepers.filter((s) => s !== sleeper)
          report()
        }
      })
  }
}
