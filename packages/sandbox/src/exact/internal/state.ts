/**
 * The state of one Exact simulation — its limits, divisions and their records, tokens, counters and
 * faults — and the record store every route reads and writes through.
 */
import type { SandboxClock } from "../../clock.ts"
import type { ExactApp, ExactDivisionSeed, ExactFault, ExactSimulationOptions } from "../ExactSimulation.ts"
import { blankRecord, type EntitySet, entitySets } from "./entities.ts"
import { type SeededRandom, seededRandom } from "./random.ts"
import type { SimRecord } from "./values.ts"

/** One OAuth consent: the refresh token rotates along it; reusing an old one breaks it. */
export interface Chain {
  readonly clientId: string
  refreshToken: string
  readonly oldRefreshTokens: Set<string>
  issuedAt: number
  broken: boolean
  /** The division chosen on the consent page: the only one the chain's tokens reach. */
  readonly division?: number
}

/** One administration: its records by set, and its rate-limit budgets. */
export interface Division {
  readonly seed: ExactDivisionSeed
  readonly sets: Map<string, Array<SimRecord>>
  readonly index: Map<string, Map<string, SimRecord>>
  /** Child records by set and lower-cased foreign key, for `$expand` without a scan per parent. */
  readonly children: Map<string, Map<string, Array<SimRecord>>>
  minute: { count: number; resetAt: number }
  day: { count: number; resetAt: number }
  nextInvoiceNumber: number
  nextEntryNumber: number
}

/** A JSON object as the routes read and write it. */
export type Json = Record<string, unknown>

/** The mutable counters behind `ExactSimulation.stats`. */
export interface Stats {
  refreshes: number
  codeExchanges: number
  brokenChains: number
  earlyRefreshes: number
  rateLimited: number
  errors: number
  blocked: number
}

/** Everything one simulation holds. */
export interface SimState {
  readonly clock: SandboxClock
  readonly random: SeededRandom
  readonly apps: ReadonlyArray<ExactApp>
  readonly minutelyLimit: number
  readonly dailyLimit: number
  readonly errorsPerHour: number
  readonly tokenCallsPerDay: number
  readonly accessTokenMs: number
  readonly minRefreshMs: number
  readonly refreshIdleMs: number
  readonly codeMs: number
  readonly pageSize: number
  readonly bulkPageSize: number
  readonly user: {
    readonly UserID: string
    readonly FullName: string
    readonly UserName: string
    readonly Email: string
    readonly LanguageCode: string
  }
  readonly divisions: Map<number, Division>
  readonly currentDivision: number
  readonly codes: Map<
    string,
    { clientId: string; redirectUri: string; issuedAt: number; used: boolean; division?: number | undefined }
  >
  readonly chains: Array<Chain>
  readonly chainByRefresh: Map<string, Chain>
  readonly accessTokens: Map<string, { chain: Chain; expiresAt: number }>
  readonly tokenCalls: Map<string, number>
  readonly errorLog: Map<string, Array<number>>
  readonly faults: Array<ExactFault & { remaining: number }>
  counts: Record<string, number>
  stats: Stats
  rowVersion: number
  /** Where each record sits in its set's array (sets only grow), so a $skiptoken resumes without a scan. */
  readonly positions: WeakMap<SimRecord, number>
}

export const minute = 60_000
export const hour = 3_600_000
export const day = 86_400_000
export const guidPattern = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/

// Which sets are navigation children, and the field that names their parent.
const childForeignKeys: ReadonlyMap<string, string> = new Map(
  Object.values(entitySets).flatMap((entity) =>
    Object.values(entity.navigation ?? {}).map((navigation) => [navigation.set, navigation.foreignKey] as const)
  )
)

/** The next UTC midnight after `now`, when the daily budgets reset. */
export const nextUtcMidnight = (now: number) => (Math.floor(now / day) + 1) * day

/** Counters at zero. */
export const zeroStats = (): Stats => ({
  refreshes: 0,
  codeExchanges: 0,
  brokenChains: 0,
  earlyRefreshes: 0,
  rateLimited: 0,
  errors: 0,
  blocked: 0
})

/** The initial state; every limit defaults to Exact's documented value. */
export const makeState = (options: ExactSimulationOptions, clock: SandboxClock): SimState => {
  const random = seededRandom(options.seed ?? 4)
  const apps: ReadonlyArray<ExactApp> = options.apps ?? [
    { clientId: "sandbox-client-id", clientSecret: "sandbox-client-secret", redirectUri: "http://127.0.0.1/callback" }
  ]
  // Drawn first: the user's id is the simulation's first random value.
  const user = {
    UserID: random.guid(),
    FullName: "Sandra Sandbox",
    UserName: "sandra@sandbox.example",
    Email: "sandra@sandbox.example",
    LanguageCode: "nl-NL"
  }
  const divisions = new Map<number, Division>()
  for (const seed of options.divisions ?? [{ code: 1001, description: "Sandbox IT Services BV" }]) {
    divisions.set(seed.code, {
      seed,
      sets: new Map(),
      index: new Map(),
      children: new Map(),
      minute: { count: 0, resetAt: 0 },
      day: { count: 0, resetAt: 0 },
      nextInvoiceNumber: 26_000_001,
      nextEntryNumber: 26_700_001
    })
  }
  return {
    clock,
    random,
    apps,
    minutelyLimit: options.minutelyLimit ?? 60,
    dailyLimit: options.dailyLimit ?? 5000,
    errorsPerHour: options.errorsPerHour ?? 10,
    tokenCallsPerDay: options.tokenCallsPerDay ?? 200,
    accessTokenMs: (options.accessTokenSeconds ?? 600) * 1000,
    minRefreshMs: (options.minRefreshIntervalSeconds ?? 570) * 1000,
    refreshIdleMs: (options.refreshTokenIdleDays ?? 30) * day,
    codeMs: (options.codeSeconds ?? 180) * 1000,
    pageSize: options.pageSize ?? 60,
    bulkPageSize: options.bulkPageSize ?? 1000,
    user,
    divisions,
    currentDivision: [...divisions.values()].find((d) => d.seed.access !== false)?.seed.code ?? 0,
    codes: new Map(),
    chains: [],
    chainByRefresh: new Map(),
    accessTokens: new Map(),
    tokenCalls: new Map(),
    errorLog: new Map(),
    faults: [],
    counts: {},
    stats: zeroStats(),
    rowVersion: 1,
    positions: new WeakMap()
  }
}

export const divisionOf = (sim: SimState, code: number): Division => {
  const found = sim.divisions.get(code)
  if (!found) throw new Error(`The simulation has no division ${code}`)
  return found
}
export const entityOf = (name: string): EntitySet => {
  const found = entitySets[name]
  if (!found) throw new Error(`The simulation has no entity set ${name}`)
  return found
}
export const rows = (division: Division, set: string): Array<SimRecord> => {
  let list = division.sets.get(set)
  if (!list) {
    list = []
    division.sets.set(set, list)
    division.index.set(set, new Map())
  }
  return list
}
export const byKey = (division: Division, set: string, key: string): SimRecord | undefined => {
  rows(division, set)
  return division.index.get(set)?.get(key.toLowerCase())
}
export const insertInto = (sim: SimState, division: Division, set: string, values: SimRecord): SimRecord => {
  const entity = entityOf(set)
  const record = blankRecord(entity, values)
  const key = record[entity.key]
  if (typeof key !== "string" || !guidPattern.test(key)) {
    throw new Error(`${set}.${entity.key} must be a GUID, got ${String(key)}`)
  }
  record.__ts = sim.rowVersion++
  const list = rows(division, set)
  sim.positions.set(record, list.length)
  list.push(record)
  division.index.get(set)?.set(key.toLowerCase(), record)
  const foreignKey = childForeignKeys.get(set)
  if (foreignKey !== undefined) {
    const parent = String(record[foreignKey]).toLowerCase()
    let byParent = division.children.get(set)
    if (!byParent) {
      byParent = new Map()
      division.children.set(set, byParent)
    }
    const siblings = byParent.get(parent)
    if (siblings) siblings.push(record)
    else byParent.set(parent, [record])
  }
  return record
}

export const count = (sim: SimState, key: string) => {
  sim.counts[key] = (sim.counts[key] ?? 0) + 1
}
export const takeFault = (sim: SimState, method: string, endpoint: string) => {
  const index = sim.faults.findIndex(
    (fault) => fault.method === method && fault.endpoint.toLowerCase() === endpoint.toLowerCase()
  )
  if (index < 0) return undefined
  const fault = sim.faults[index] as ExactFault & { remaining: number }
  fault.remaining--
  if (fault.remaining <= 0) sim.faults.splice(index, 1)
  return fault
}
export const recordError = (sim: SimState, key: string) => {
  sim.stats.errors++
  const list = sim.errorLog.get(key) ?? []
  list.push(sim.clock.now())
  sim.errorLog.set(key, list)
}
export const isBlocked = (sim: SimState, key: string) => {
  const now = sim.clock.now()
  const recent = (sim.errorLog.get(key) ?? []).filter((at) => at > now - hour)
  sim.errorLog.set(key, recent)
  return recent.length >= sim.errorsPerHour
}
