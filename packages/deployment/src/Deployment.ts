import { randomBytes, timingSafeEqual } from "node:crypto"
import { type ExactClock, systemClock } from "@psa-ledger/exact-client"
import { type LinkApi, type LinkRunOptions, leaseProblem, type Mailer, type TransferRange } from "@psa-ledger/link"
import type { KeyRotation, Storage } from "@psa-ledger/storage-adapters"
import { Context, DateTime, Effect, Layer, Option, Redacted } from "effect"
import { type ConnectionProblem, type LinkTestResult, testLink } from "./ConnectionTest.ts"
import {
  type DeploymentError,
  DeploymentInvalidConfigError,
  DeploymentReadOnlyError,
  DeploymentWrongSecretKeyError,
  fail
} from "./DeploymentError.ts"
import {
  DEFAULT_SCHEDULING,
  type DeploymentSettingsView,
  makeSettings,
  readSettings,
  type SchedulingMode
} from "./DeploymentSettings.ts"
import { type ExactConnected, type ExactConnectStart, makeExact } from "./ExactConnect.ts"
import { DEPLOYMENT, type DeploymentContext, fromStorage, type SmtpConnection, store } from "./internal/context.ts"
import { type ActorOptions, audit, makeLinks } from "./internal/links.ts"
import { type OpenLinkOptions, openLink } from "./internal/open.ts"
import type { LinkView } from "./LinkConfig.ts"
import { type LinkExport, makePortable } from "./LinkExport.ts"
import { type Lookups, lookups } from "./Lookups.ts"
import { type DeploymentSchedule, listSchedules } from "./Schedules.ts"
import { type SearchKind, type SearchPage, type SearchQuery, searchConnectWise } from "./Search.ts"
import { deriveStorageKey, parseSecretKey, type SecretKeyInput } from "./SecretKey.ts"

export type {
  ConnectionProblem,
  DeploymentSchedule,
  ExactConnected,
  ExactConnectStart,
  LinkExport,
  LinkTestResult,
  Lookups,
  OpenLinkOptions,
  SmtpConnection
}

/**
 * What `openDeployment` needs. `storage` is an opened `Storage` (opened with
 * `encryptionKey: deriveStorageKey(secretKey)`), or, simpler, a function that opens it with the
 * key the deployment derives: then the deployment also closes it.
 *
 * @since 0.1.0
 */
export interface DeploymentOptions {
  readonly storage: Storage | ((encryptionKey: Uint8Array | undefined) => Promise<Storage>)
  /** The one key to keep (see `readSecretKey`); without it the deployment opens read-only. */
  readonly secretKey?: SecretKeyInput | undefined
  /** How run mails are sent: a mailer, or a factory given the stored SMTP settings; default `smtpMailer` on them. */
  readonly mailer?: Mailer | ((smtp: SmtpConnection) => Mailer) | undefined
  /** The clock: OAuth expiry, audit times, the links' clock and the clients' waits. Default the system clock. */
  readonly clock?: ExactClock | undefined
  /** The `fetch` both clients use (a proxy, the sandbox). */
  readonly fetch?: ((request: Request) => Promise<Response>) | undefined
  /** Who changes are attributed to when a call does not say (default `psa-ledger`). */
  readonly actor?: string | undefined
  /**
   * How long every link's run lease and journal claims live without a heartbeat, in ms: a process
   * that died holds its link this long. From 1 s to a day (`InvalidConfig`, field `leaseMs`,
   * outside); default a minute.
   */
  readonly leaseMs?: number | undefined
}

/**
 * A deployment: many links kept as configuration, opened on demand as link APIs. Every method
 * rejects with a `DeploymentError`; none ever returns or logs a secret.
 *
 * @since 0.1.0
 */
export interface DeploymentApi {
  /** True when opened without a secret key: reads work, anything needing a secret is `ReadOnlyDeployment`. */
  readonly readOnly: boolean
  readonly storage: Storage
  readonly links: {
    /** Saves a new link (`LinkConfigInput`); a config that does not decode is `InvalidConfig` naming the field, and nothing is saved. */
    create(id: string, config: unknown, options?: ActorOptions): Promise<LinkView>
    /** Replaces a link's configuration; secrets left out keep their value. A stale `expectedVersion` is `VersionConflict`. */
    update(id: string, config: unknown, options: ActorOptions & { readonly expectedVersion: number }): Promise<LinkView>
    /** The link's configuration with its secrets as `{ set, updatedAt }`, or `undefined`. */
    get(id: string): Promise<LinkView | undefined>
    list(): Promise<ReadonlyArray<LinkView>>
    /** Removes the configuration, secrets, Exact tokens and remembered exclusions; mappings, runs and ledger are kept. */
    remove(id: string, options?: ActorOptions): Promise<boolean>
    /** The link's `LinkApi`, cached until the stored configuration changes. */
    open(id: string, options?: OpenLinkOptions): Promise<LinkApi>
    /** Tests both connections: per system `ok`, or a reason a person can act on. */
    test(id: string): Promise<LinkTestResult>
    /** Who changed what, newest first (field names only). */
    audit(
      id: string,
      options?: { readonly limit?: number | undefined }
    ): Promise<ReadonlyArray<{ at: string; actor: string; action: string; fields: ReadonlyArray<string> }>>
    /** The configurations (no secrets) as a JSON-ready file. */
    export(ids?: ReadonlyArray<string>): Promise<LinkExport>
    /** Imports a file of `export`; an existing id is `LinkExists` unless `replace`. Returns the ids imported. */
    import(
      file: unknown,
      options?: ActorOptions & { readonly replace?: boolean | undefined }
    ): Promise<ReadonlyArray<string>>
  }
  readonly exact: {
    /** The authorization URL for the link, with a one-use state that expires in ten minutes. */
    connect(id: string, options: { readonly returnTo: string } & ActorOptions): Promise<ExactConnectStart>
    /** Completes the consent from the callback: exchanges the code once and stores the link's token chain. */
    complete(
      callback: { readonly code: string; readonly state: string; readonly nonce?: string | undefined } & ActorOptions
    ): Promise<ExactConnected>
    /** The divisions the link's consent reaches, for the settings form. */
    divisions(id: string): Promise<ReadonlyArray<{ code: number; description: string; current: boolean }>>
    /** Refreshes the link's chain when its access token is due, so an idle chain does not die after 30 days. */
    keepAlive(id: string): Promise<{ readonly refreshed: boolean; readonly expiresAt: string }>
  }
  /** The settings form's options for a link, cached for a minute. */
  lookups(id: string): Promise<Lookups>
  /** A type-ahead over the link's ConnectWise companies, catalog items or agreements: one page of matches. */
  search(id: string, kind: SearchKind, query: SearchQuery): Promise<SearchPage>
  readonly settings: {
    get(): Promise<DeploymentSettingsView>
    update(
      settings: unknown,
      options: ActorOptions & { readonly expectedVersion: number }
    ): Promise<DeploymentSettingsView>
    /** Deployment-wide changes (settings, key rotations), newest first. */
    audit(options?: {
      readonly limit?: number | undefined
    }): Promise<ReadonlyArray<{ at: string; actor: string; action: string; fields: ReadonlyArray<string> }>>
  }
  /** Every enabled schedule of every link (and each link's Exact keep-alive). */
  schedules(): Promise<ReadonlyArray<DeploymentSchedule>>
  /** Who runs the schedules: the settings' `scheduling`, read now (default `in-process`). */
  scheduling(): Promise<SchedulingMode>
  /** Calls `listener` after any change that may change `schedules()`; returns the unsubscribe. In this process only. */
  onChange(listener: () => void): () => void
  /**
   * Runs a job of a link: `exact.keepAlive`, or the link's own `run(job)`; a `transfer.run` given a
   * `range` (a manual run queued from the portal) transfers that range instead of last month. With
   * `resume` (a worker took over a job an earlier attempt started and did not finish), the link's
   * unfinished run of that job, if there is one, is resumed (`runs.resume`) instead of planned again.
   */
  runJob(
    linkId: string,
    job: string,
    options?: LinkRunOptions & {
      readonly resume?: boolean | undefined
      readonly range?: TransferRange | undefined
    }
  ): Promise<unknown>
  /** Re-seals every secret and token chain under `newKey` in one transaction; `oldKey` must be the key in use. */
  rotateSecretKey(oldKey: SecretKeyInput, newKey: SecretKeyInput, options?: ActorOptions): Promise<KeyRotation>
  /** Closes the storage when the deployment opened it. */
  close(): Promise<void>
}

const KEY_CHECK = "key-check"

const verifyKey = async (ctx: DeploymentContext): Promise<void> => {
  const operation = "openDeployment"
  const found = await Effect.runPromise(Effect.result(ctx.storage.secrets.get(DEPLOYMENT, KEY_CHECK)))
  if (found._tag === "Failure") {
    const error = found.failure
    if (error.reason._tag === "Corrupt") {
      throw fail(
        operation,
        new DeploymentWrongSecretKeyError({
          message: "the secret key is not the one this deployment's secrets were sealed with"
        })
      )
    }
    throw fromStorage(operation, error)
  }
  if (Option.isNone(found.success)) {
    await store(
      operation,
      ctx.storage.secrets.put(DEPLOYMENT, KEY_CHECK, Redacted.make(randomBytes(16).toString("hex")), ctxNow(ctx))
    )
  }
}

const ctxNow = (ctx: DeploymentContext) => DateTime.makeUnsafe(ctx.now())

/**
 * A job of the link itself (`runJob` but the keep-alive): the unfinished run of an earlier attempt
 * resumed, a manual transfer of its range, or the link's own `run(job)`.
 */
const runLinkJob = async (
  ctx: DeploymentContext,
  linkId: string,
  job: string,
  options: LinkRunOptions & { readonly resume?: boolean | undefined; readonly range?: TransferRange | undefined }
): Promise<unknown> => {
  const { resume, range, ...runOptions } = options
  const link = await openLink(ctx, linkId)
  if (resume === true) {
    // The earlier attempt's stored plan: finished where it stopped, never planned again.
    const left = (await link.runs.unfinished()).find((u) => u.job === job)
    if (left !== undefined) return link.runs.resume(left.runId, runOptions)
  }
  if (job === "transfer.run" && range !== undefined) return link.transfer.run(range, runOptions)
  return link.run(job, runOptions)
}

/**
 * Opens a deployment over a storage: checks the secret key against the one its secrets were sealed
 * with (`WrongSecretKey` otherwise), or opens read-only without one.
 *
 * @example
 * ```ts
 * import { openDeployment, readSecretKey } from "@psa-ledger/deployment"
 * import { sqliteStorage } from "@psa-ledger/storage-adapters/sqlite"
 *
 * const deployment = await openDeployment({
 *   storage: (encryptionKey) => sqliteStorage({ filename: "ledger.db", encryptionKey }),
 *   secretKey: await readSecretKey()
 * })
 * ```
 *
 * @since 0.1.0
 */
export const openDeployment = async (options: DeploymentOptions): Promise<DeploymentApi> => {
  const leaseRefused = leaseProblem(options.leaseMs)
  if (leaseRefused !== undefined) {
    throw fail(
      "openDeployment",
      new DeploymentInvalidConfigError({
        record: "DeploymentOptions",
        field: "leaseMs",
        message: `leaseMs ${leaseRefused}`
      })
    )
  }
  const secretKey = options.secretKey === undefined ? undefined : parseSecretKey(options.secretKey)
  const owned = typeof options.storage === "function"
  const storage =
    typeof options.storage === "function"
      ? await options.storage(secretKey === undefined ? undefined : deriveStorageKey(secretKey))
      : options.storage
  const clock = options.clock
  const ctx: DeploymentContext = {
    storage,
    secretKey,
    now: () => (clock ?? systemClock).now(),
    clock,
    fetch: options.fetch,
    mailer: options.mailer,
    actor: options.actor ?? "psa-ledger",
    leaseMs: options.leaseMs,
    listeners: new Set(),
    opened: new Map(),
    lookups: new Map()
  }
  if (secretKey !== undefined) {
    try {
      await verifyKey(ctx)
    } catch (error) {
      if (owned) await storage.close().catch(() => undefined)
      throw error
    }
  }
  const links = makeLinks(ctx)
  const exact = makeExact(ctx)
  const settings = makeSettings(ctx)
  const portable = makePortable(ctx)
  return {
    get readOnly() {
      return ctx.secretKey === undefined
    },
    storage,
    links: {
      ...links,
      open: (id, openOptions) => openLink(ctx, id, openOptions),
      test: (id) => testLink(ctx, id),
      export: portable.exportLinks,
      import: portable.importLinks
    },
    exact,
    lookups: (id) => lookups(ctx, id),
    search: (id, kind, query) => searchConnectWise(ctx, id, kind, query),
    settings: {
      ...settings,
      audit: async (auditOptions) => {
        const entries = await store("settings.audit", storage.audit.list(DEPLOYMENT, auditOptions))
        return entries.map((e) => ({
          at: DateTime.formatIso(e.at),
          actor: e.actor,
          action: e.action,
          fields: e.fields
        }))
      }
    },
    schedules: () => listSchedules(ctx),
    scheduling: async () => (await readSettings(ctx, "scheduling")).config.scheduling ?? DEFAULT_SCHEDULING,
    onChange: (listener) => {
      ctx.listeners.add(listener)
      return () => {
        ctx.listeners.delete(listener)
      }
    },
    runJob: (linkId, job, jobOptions) =>
      job === "exact.keepAlive" ? exact.keepAlive(linkId) : runLinkJob(ctx, linkId, job, jobOptions ?? {}),
    rotateSecretKey: async (oldKey, newKey, actorOptions) => {
      const operation = "rotateSecretKey"
      const current = ctx.secretKey
      if (current === undefined) {
        throw fail(
          operation,
          new DeploymentReadOnlyError({ message: "a read-only deployment has no key to rotate from" })
        )
      }
      const old = parseSecretKey(oldKey, operation)
      const next = parseSecretKey(newKey, operation)
      if (!timingSafeEqual(old, current)) {
        throw fail(
          operation,
          new DeploymentWrongSecretKeyError({ message: "the old key is not the key this deployment uses" })
        )
      }
      let outcome: KeyRotation
      try {
        outcome = await storage.rotateEncryptionKey(deriveStorageKey(next))
      } catch (error) {
        throw fromStorage(operation, error)
      }
      ctx.secretKey = next
      ctx.opened.clear()
      await audit(ctx, DEPLOYMENT, "key.rotate", ["secretKey"], actorOptions, operation)
      return outcome
    },
    close: async () => {
      if (owned) await storage.close()
    }
  }
}

/**
 * The deployment as an Effect service: `Deployment.layer(options)` opens it when the layer is built
 * and closes it when released; its methods are the promise API's.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Deployment } from "@psa-ledger/deployment"
 *
 * const names = Deployment.promise((d) => d.links.list()).pipe(Effect.provide(Deployment.layer(options)))
 * ```
 *
 * @since 0.1.0
 */
export class Deployment extends Context.Service<Deployment, DeploymentApi>()("@psa-ledger/deployment/Deployment") {
  /** A scoped layer holding the deployment of `options`. */
  static readonly layer = (options: DeploymentOptions): Layer.Layer<Deployment, DeploymentError> =>
    Layer.effect(
      Deployment,
      Effect.acquireRelease(
        Effect.tryPromise({ try: () => openDeployment(options), catch: (error) => asDeploymentError(error) }),
        (deployment) => Effect.promise(() => deployment.close())
      )
    )

  /** Runs a promise method of the deployment as an Effect failing with `DeploymentError`. */
  static readonly promise = <A>(
    f: (deployment: DeploymentApi) => Promise<A>
  ): Effect.Effect<A, DeploymentError, Deployment> =>
    Deployment.use((deployment) =>
      Effect.tryPromise({ try: () => f(deployment), catch: (error) => asDeploymentError(error) })
    )
}

const asDeploymentError = (error: unknown): DeploymentError => fromStorage("Deployment", error)
