import { type ErrorBudget, memoryErrorBudget, memoryTokenStore, type TokenStore } from "@psa-ledger/exact-client"
import {
  ApprovalStore,
  AuditStore,
  ConfigStore,
  DraftStore,
  ExclusionStore,
  LinkStore,
  MappingStore,
  makeMemoryExclusionStore,
  makeMemoryLinkStore,
  makeMemoryMappingStore,
  makeMemoryPlanJournal,
  makeMemoryRunLeases,
  makeMemoryRunPlans,
  makeMemoryRunStore,
  makeMemoryTransferLedger,
  OAuthStateStore,
  PlanJournal,
  RunEventStore,
  RunLeases,
  RunPlans,
  RunStore,
  SecretStore,
  SessionStore,
  type StorageError,
  StorageInvalidInputError,
  StorageUnavailableError,
  ThrottleStore,
  TransferLedger,
  UserStore
} from "@psa-ledger/reconcile-core"
import { Context, Effect, Layer } from "effect"
import { InvoiceFileStore, makeMemoryInvoiceFileStore } from "./InvoiceFileStore.ts"
import type { EncryptionKeyInput } from "./internal/crypto.ts"
import { type DeploymentStores, makeMemoryDeploymentStores } from "./internal/deploymentStores.ts"
import { makeMemoryServerStores, type ServerStores } from "./internal/serverStores.ts"
import type { PortStores } from "./internal/stores.ts"
import { checkLinkId } from "./internal/tokenStore.ts"
import { LoadedMonthStore, makeMemoryLoadedMonthStore } from "./LoadedMonthStore.ts"
import { makeMemoryScheduleClaims, ScheduleClaims } from "./ScheduleClaims.ts"
import { TokenStoreError } from "./TokenStoreError.ts"

/**
 * The Exact Online token chains of a storage, one per link, as an Effect service.
 *
 * @since 0.1.0
 */
export class TokenStores extends Context.Service<
  TokenStores,
  {
    /** The link's chain; throws `TokenStoreError` when the storage has no encryption key. */
    tokens(linkId: string): TokenStore
  }
>()("@psa-ledger/storage-adapters/TokenStores") {}

/**
 * Every service a storage layer provides.
 *
 * @since 0.1.0
 */
export type StorageServices =
  | MappingStore
  | ExclusionStore
  | RunStore
  | PlanJournal
  | TransferLedger
  | LinkStore
  | RunLeases
  | RunPlans
  | TokenStores
  | SecretStore
  | OAuthStateStore
  | AuditStore
  | ConfigStore
  | UserStore
  | SessionStore
  | ThrottleStore
  | DraftStore
  | RunEventStore
  | ApprovalStore
  | LoadedMonthStore
  | ScheduleClaims
  | InvoiceFileStore

/**
 * What `rotateEncryptionKey` re-sealed.
 *
 * @since 0.1.0
 */
export interface KeyRotation {
  readonly tokenChains: number
  readonly secrets: number
}

/**
 * One opened storage: the implementation of every storage port, each link's token chain, a layer
 * providing them all, and `close()`.
 *
 * @example
 * ```ts
 * import { sqliteStorage } from "@psa-ledger/storage-adapters/sqlite"
 *
 * const storage = await sqliteStorage({ filename: "psa-ledger.db", encryptionKey: process.env.PSA_LEDGER_KEY })
 * const exactTokens = storage.tokens("link-1") // hand to createExactClient({ tokens: exactTokens, ... })
 * await Effect.runPromise(program.pipe(Effect.provide(storage.layer)))
 * await storage.close()
 * ```
 *
 * @since 0.1.0
 */
export interface Storage extends PortStores, DeploymentStores, ServerStores, SharedStores {
  /** Which adapter this is. */
  readonly adapter: "memory" | "sqlite" | "postgres"
  /** The newest schema step the database has (0 for memory). */
  readonly schemaVersion: number
  /** The schema steps this open applied: empty when the database was already current. */
  readonly migrationsApplied: ReadonlyArray<number>
  /**
   * The link's Exact Online token chain. Durable adapters seal it with AES-256-GCM and throw a
   * `TokenStoreError` (`MissingKey`) here when opened without an `encryptionKey`.
   */
  tokens(linkId: string): TokenStore
  /**
   * Deletes the link's Exact Online token chain, as when the link is removed: a client holding the
   * chain then finds no tokens (its next refresh loses the race and the link must be connected
   * again). Resolves whether there was a chain.
   */
  forgetTokens(linkId: string): Promise<boolean>
  /**
   * The Exact Online error count, shared by every client on this storage (key it by division: the
   * client does), so all workers of a division see one count. Hand to `createExactClient({ errorBudget })`.
   */
  readonly errorBudget: ErrorBudget
  /**
   * Re-seals every token chain and secret under `newKey` in one transaction, then uses it from
   * here on; on any failure nothing changed. Rotate while no run refreshes a token chain. Memory
   * storage seals nothing and only counts.
   */
  rotateEncryptionKey(newKey: EncryptionKeyInput): Promise<KeyRotation>
  /** Provides every port service and `TokenStores`. */
  readonly layer: Layer.Layer<StorageServices>
  /** Closes connections; later calls fail with `Unavailable`. Safe to call twice. */
  close(): Promise<void>
}

/**
 * What several server processes on one storage share: each month's newest load, the claims of
 * schedule occurrences, and each CSV-source link's uploaded invoice file.
 *
 * @since 0.1.0
 */
export interface SharedStores {
  readonly loadedMonths: LoadedMonthStore["Service"]
  readonly scheduleClaims: ScheduleClaims["Service"]
  readonly invoiceFiles: InvoiceFileStore["Service"]
}

/** Builds the layer of a storage's stores. */
export const layerOfStores = (
  stores: PortStores & DeploymentStores & ServerStores & SharedStores,
  tokens: (linkId: string) => TokenStore
): Layer.Layer<StorageServices> =>
  Layer.succeedContext(
    Context.make(MappingStore, stores.mappings)
      .pipe(
        Context.add(ExclusionStore, stores.exclusions),
        Context.add(SecretStore, stores.secrets),
        Context.add(OAuthStateStore, stores.oauthStates),
        Context.add(AuditStore, stores.audit),
        Context.add(ConfigStore, stores.configs),
        Context.add(UserStore, stores.users),
        Context.add(SessionStore, stores.sessions),
        Context.add(ThrottleStore, stores.throttle),
        Context.add(DraftStore, stores.drafts),
        Context.add(RunEventStore, stores.runEvents),
        Context.add(ApprovalStore, stores.approvals),
        Context.add(LoadedMonthStore, stores.loadedMonths),
        Context.add(ScheduleClaims, stores.scheduleClaims),
        Context.add(RunStore, stores.runs),
        Context.add(PlanJournal, stores.journal),
        Context.add(TransferLedger, stores.transfers),
        Context.add(LinkStore, stores.links),
        Context.add(RunLeases, stores.leases),
        Context.add(RunPlans, stores.plans),
        Context.add(TokenStores, TokenStores.of({ tokens }))
      )
      .pipe(Context.add(InvoiceFileStore, stores.invoiceFiles))
  )

/**
 * Storage held in this process's memory: the reconcile-core in-memory stores and in-memory token
 * chains. Right for tests, demos and one-shot scripts; nothing survives the process.
 *
 * @example
 * ```ts
 * import { memoryStorage } from "@psa-ledger/storage-adapters"
 *
 * const storage = memoryStorage()
 * const links = await Effect.runPromise(storage.links.list())
 * ```
 *
 * @since 0.1.0
 */
export const memoryStorage = (): Storage => {
  const stores: PortStores & DeploymentStores & ServerStores & SharedStores = {
    ...makeMemoryDeploymentStores(),
    ...makeMemoryServerStores(),
    loadedMonths: makeMemoryLoadedMonthStore(),
    scheduleClaims: makeMemoryScheduleClaims(),
    invoiceFiles: makeMemoryInvoiceFileStore(),
    mappings: makeMemoryMappingStore(),
    exclusions: makeMemoryExclusionStore(),
    runs: makeMemoryRunStore(),
    journal: makeMemoryPlanJournal(),
    transfers: makeMemoryTransferLedger(),
    links: makeMemoryLinkStore(),
    leases: makeMemoryRunLeases(),
    plans: makeMemoryRunPlans()
  }
  const chains = new Map<string, TokenStore>()
  const chainOf = (linkId: string): TokenStore => {
    let chain = chains.get(linkId)
    if (chain === undefined) {
      chain = memoryTokenStore()
      chains.set(linkId, chain)
    }
    return chain
  }
  // Each call goes to the link's current chain, so that a forgotten chain is forgotten for the
  // clients that already hold it too.
  const tokens = (linkId: string): TokenStore => {
    checkLinkId(linkId)
    return {
      load: () => chainOf(linkId).load(),
      compareAndSet: (previous, next) => chainOf(linkId).compareAndSet(previous, next),
      withLock: (fn) => chainOf(linkId).withLock(fn)
    }
  }
  return {
    adapter: "memory",
    schemaVersion: 0,
    migrationsApplied: [],
    ...stores,
    tokens,
    forgetTokens: async (linkId) => {
      checkLinkId(linkId)
      const chain = chains.get(linkId)
      chains.delete(linkId)
      return chain !== undefined && (await chain.load()) !== undefined
    },
    errorBudget: memoryErrorBudget(),
    layer: layerOfStores(stores, tokens),
    rotateEncryptionKey: async () => ({ tokenChains: chains.size, secrets: 0 }),
    close: async () => undefined
  }
}

/**
 * A layer of fresh in-memory storage.
 *
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<StorageServices> = Layer.unwrap(Effect.sync(() => memoryStorage().layer))

/** A scoped layer over an opener: opened when the layer is built, closed when it is released. */
export const scopedLayer = <E>(open: Effect.Effect<Storage, E>): Layer.Layer<StorageServices, E> =>
  Layer.unwrap(
    Effect.acquireRelease(open, (storage) => Effect.promise(() => storage.close())).pipe(
      Effect.map((storage) => storage.layer)
    )
  )

/** @internal: a non-storage failure while opening (a malformed encryption key) as a `StorageError` reason. */
export const invalidOption = (error: unknown): StorageError["reason"] =>
  error instanceof TokenStoreError
    ? new StorageInvalidInputError({ record: "StorageOptions", field: "encryptionKey", message: error.message })
    : new StorageUnavailableError({ message: error instanceof Error ? error.message : String(error) })
