/**
 * P5 — listing every addition of N agreements with our ConnectWise client and with
 * `connectwise-rest` (the most used public TypeScript ConnectWise client), against the same
 * simulation behind TLS on the system clock: requests and wall time, ours / peer; then the same with
 * 5% of the additions reads answered 429 (`Retry-After: 1`): records lost by each. Both list 4
 * agreements at a time (the peer has no pool of its own; the bench gives it ours) and each reads one
 * agreement's additions with its own paging helper.
 */
import { createConnectWiseClient } from "@psa-ledger/connectwise-client"
import { createSandbox, createWorld, type Sandbox } from "@psa-ledger/sandbox"
import { ManageAPI } from "connectwise-rest"
import { type CaseResult, peakRssMb, timed } from "../measure.ts"
import { serveTls } from "../tls.ts"

/** Parameters of one P5 run. */
export interface PeerParams {
  readonly agreements: number
  readonly keyFile: string
  readonly certFile: string
  /** The share of additions reads answered 429 in the faulty pass. */
  readonly rateLimitShare: number
}

const CONCURRENCY = 4

/** Runs `task` over `items`, `limit` at a time; a task's failure is its own. */
const pool = async <T>(items: ReadonlyArray<T>, limit: number, task: (item: T) => Promise<void>): Promise<void> => {
  let next = 0
  const worker = async () => {
    while (next < items.length) await task(items[next++] as T)
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}

type Lister = (agreementId: number) => Promise<number>

const listEvery = async (sandbox: Sandbox, ids: ReadonlyArray<number>, list: Lister) => {
  sandbox.connectwise.requests.reset()
  let records = 0
  let errors = 0
  const result = await timed(() =>
    pool(ids, CONCURRENCY, async (id) => {
      try {
        const listed = await list(id)
        records += listed
      } catch {
        errors++
      }
    })
  )
  return {
    records,
    errors,
    requests: sandbox.connectwise.requests.log.length,
    wallMs: result.wallMs,
    cpuMs: result.cpuMs
  }
}

/** One P5 run: ours and the peer, clean, then both with 429s injected. */
export const run = async (params: PeerParams): Promise<CaseResult> => {
  const world = createWorld({
    seed: 7,
    customers: params.agreements + 20,
    products: 10,
    months: 1,
    linesPerCustomer: 10
  })
  const sandbox = createSandbox({ world })
  const server = await serveTls(params, (request) => sandbox.handleConnectWise(request))
  const { companyId, publicKey, privateKey, clientId, codebase } = sandbox.credentials.connectwise
  const ids = world.connectwise.agreements.slice(0, params.agreements).map((agreement) => agreement.id)
  const expected = ids.reduce(
    (sum, id) => sum + sandbox.connectwise.store.children("additions", "agreementId", id).length,
    0
  )

  const ours = createConnectWiseClient({
    baseUrl: `https://127.0.0.1:${server.port}/${codebase}apis/3.0`,
    companyId,
    publicKey,
    privateKey,
    clientId
  })
  const oursList: Lister = async (id) =>
    (await ours.listAll("/finance/agreements/{parentId}/additions", { path: { parentId: id } })).length
  const peer = new ManageAPI({
    companyId,
    publicKey,
    privateKey,
    clientId,
    companyUrl: `127.0.0.1:${server.port}`,
    entryPoint: codebase.replace(/\/$/, ""),
    apiVersion: "2026.4",
    logger: () => undefined
  })
  // The peer types the method's arguments as objects, but passes them through as they are: the
  // parent id goes first, the paging parameters last.
  const parentId = (id: number) => id as unknown as Record<string, unknown>
  const peerList: Lister = async (id) =>
    (await peer.paginate(peer.FinanceAPI.getFinanceAgreementsByParentIdAdditions, { pageSize: 1000 }, parentId(id), {}))
      .length

  // Warm both (connections, code paths) on a few agreements first.
  await listEvery(sandbox, ids.slice(0, 20), oursList)
  await listEvery(sandbox, ids.slice(0, 20), peerList)
  const clean = { ours: await listEvery(sandbox, ids, oursList), peer: await listEvery(sandbox, ids, peerList) }
  sandbox.faults.add({
    system: "connectwise",
    path: "/finance/agreements/*/additions",
    kind: "rateLimit",
    probability: params.rateLimitShare,
    retryAfterSeconds: 1
  })
  const faulty = { ours: await listEvery(sandbox, ids, oursList), peer: await listEvery(sandbox, ids, peerList) }
  await server.close()
  return {
    metrics: {
      agreements: ids.length,
      expected,
      oursRequests: clean.ours.requests,
      peerRequests: clean.peer.requests,
      requestsOursOverPeer: clean.ours.requests / clean.peer.requests,
      oursWallMs: clean.ours.wallMs,
      peerWallMs: clean.peer.wallMs,
      wallOursOverPeer: clean.ours.wallMs / clean.peer.wallMs,
      oursCpuMs: clean.ours.cpuMs,
      peerCpuMs: clean.peer.cpuMs,
      oursLostClean: expected - clean.ours.records,
      peerLostClean: expected - clean.peer.records,
      oursLost429: expected - faulty.ours.records,
      peerLost429: expected - faulty.peer.records,
      oursErrors429: faulty.ours.errors,
      peerErrors429: faulty.peer.errors,
      oursWall429Ms: faulty.ours.wallMs,
      peerWall429Ms: faulty.peer.wallMs,
      wallMs: clean.ours.wallMs,
      cpuMs: clean.ours.cpuMs,
      peakRssMb: peakRssMb()
    },
    notes: { faultsHit: sandbox.faults.log.length }
  }
}
