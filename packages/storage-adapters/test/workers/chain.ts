/**
 * A child process for the token-chain test: one Exact Online client on a durable token store, calling
 * the sandbox until told to stop. The children and the sandbox share one lockstep clock (the parent
 * coordinates it over the IPC channel): simulated time jumps while every process sleeps between calls
 * and stands still while any works, so ten-minute tokens turn over in a few real milliseconds and no
 * real stall can expire a token in flight.
 *
 * Protocol: prints `ready` once the store is open and the clock synced, starts on `go` (stdin),
 * finishes the call in flight on `stop`, then prints one JSON line with what it saw and exits. Run with
 * `node --conditions=@psa-ledger/source`, spawned with an IPC channel.
 */
import { createInterface } from "node:readline"
import { createExactClient, ExactError } from "@psa-ledger/exact-client"
import { lockstepParticipant } from "@psa-ledger/sandbox"
import type { Storage } from "../../src/index.ts"
import { postgresStorage } from "../../src/postgres.ts"
import { sqliteStorage } from "../../src/sqlite.ts"

/** What the parent passes (as one JSON argument). */
export interface ChainArgs {
  readonly adapter: "sqlite" | "postgres"
  readonly target: string
  readonly schema?: string
  readonly key: string
  readonly linkId: string
  readonly worker: number
  readonly baseUrl: string
  readonly clientId: string
  readonly clientSecret: string
  readonly redirectUri: string
  readonly division: number
  /** Concurrent call loops in this process (they share the client, so its single-flight refresh). */
  readonly loops: number
  /**
   * Simulated pause between one loop's calls: a whole number of minutes in [min, max], drawn from a
   * seeded sequence. Whole minutes make processes wake together, so they race for the refresh.
   */
  readonly pauseMinutes: readonly [number, number]
  /** Seeds this process's pauses. */
  readonly seed: number
}

/** What the child reports. */
export interface ChainReport {
  readonly worker: number
  readonly calls: number
  /** Calls that rejected: what the caller of the client would have seen. */
  readonly errors: ReadonlyArray<{ readonly tag: string; readonly message: string }>
  /** Answers from the API endpoints, by HTTP status. */
  readonly apiStatuses: Readonly<Record<string, number>>
  /** Answers from the token endpoint, by HTTP status. */
  readonly tokenStatuses: Readonly<Record<string, number>>
  /** Refreshes this process performed and saved (from the client's log). */
  readonly refreshes: number
  /** Warnings the client logged (a broken chain would show here). */
  readonly warnings: ReadonlyArray<string>
}

const args = JSON.parse(process.argv[2] ?? "{}") as ChainArgs
const storage: Storage =
  args.adapter === "sqlite"
    ? await sqliteStorage({ filename: args.target, encryptionKey: args.key, busyTimeoutMs: 30_000 })
    : await postgresStorage({
        connectionString: args.target,
        schema: args.schema,
        encryptionKey: args.key,
        pool: { max: 2 }
      })

const clock = lockstepParticipant({ threads: args.loops })
await clock.synced
const apiStatuses: Record<string, number> = {}
const tokenStatuses: Record<string, number> = {}
const warnings: Array<string> = []
let refreshes = 0

const exact = createExactClient({
  baseUrl: args.baseUrl,
  clientId: args.clientId,
  clientSecret: args.clientSecret,
  redirectUri: args.redirectUri,
  division: args.division,
  tokens: storage.tokens(args.linkId),
  clock,
  fetch: async (request) => {
    const response = await fetch(request)
    const tally = new URL(request.url).pathname.endsWith("/oauth2/token") ? tokenStatuses : apiStatuses
    tally[response.status] = (tally[response.status] ?? 0) + 1
    return response
  },
  logger: {
    info: (message) => {
      if (message.includes("access token refreshed")) refreshes++
    },
    warn: (message) => warnings.push(message),
    error: (message) => warnings.push(message)
  }
})

const say = (line: string) => process.stdout.write(`${line}\n`)

let stopped = false
let go: () => void = () => undefined
const started = new Promise<void>((resolve) => {
  go = resolve
})
createInterface({ input: process.stdin }).on("line", (line) => {
  if (line === "go") go()
  if (line === "stop") stopped = true
})

say("ready")
await started

let calls = 0
const errors: Array<{ tag: string; message: string }> = []
const [minPause, maxPause] = args.pauseMinutes
// A small seeded generator (mulberry32): the same seed draws the same pauses.
let state = args.seed >>> 0
const random = () => {
  state = (state + 0x6d2b79f5) >>> 0
  let t = state
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
}
const loop = async (n: number) => {
  for (let i = 0; !stopped; i++) {
    calls++
    try {
      // Two endpoints, as a real worker would touch several.
      if ((i + n) % 2 === 0) await exact.me()
      else await exact.listAll("vat/VATCodes")
    } catch (error) {
      errors.push(
        error instanceof ExactError
          ? { tag: error.reason._tag, message: error.message }
          : { tag: "Defect", message: String(error) }
      )
      // Do not hammer a failing chain: every failure would also count against Exact's error budget.
      if (errors.length >= 20) stopped = true
    }
    await clock.sleep((minPause + Math.floor(random() * (maxPause - minPause + 1))) * 60_000)
  }
}
await Promise.all(Array.from({ length: args.loops }, (_, n) => loop(n)))
await storage.close()
const report: ChainReport = { worker: args.worker, calls, errors, apiStatuses, tokenStatuses, refreshes, warnings }
say(JSON.stringify(report))
process.exit(0)
