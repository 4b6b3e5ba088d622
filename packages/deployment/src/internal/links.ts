import { AuditEntry, type LinkRecord, validateLinkId } from "@psa-ledger/reconcile-core"
import { DateTime, Option, Redacted } from "effect"
import { DeploymentInvalidConfigError, DeploymentLinkNotFoundError, fail } from "../DeploymentError.ts"
import type { LinkConfig, LinkSecretField, LinkView, SecretState } from "../LinkConfig.ts"
import { changedFields, decodeInput, decodeStored, secretFieldNames } from "./configs.ts"
import { type DeploymentContext, fromStorage, notify, requireKey, store } from "./context.ts"

/** Who did something, for the audit. */
export interface ActorOptions {
  /** Who made the change (a user name or e-mail); default the deployment's actor. */
  readonly actor?: string | undefined
}

/** Refuses a malformed link id as `InvalidConfig` naming the field `id`. */
export const checkId = (operation: string, id: unknown): string => {
  const refused = validateLinkId("LinkConfig", id)
  if (refused !== undefined) {
    throw fail(
      operation,
      new DeploymentInvalidConfigError({ record: "LinkConfig", field: "id", message: refused.message })
    )
  }
  return id as string
}

const nowUtc = (ctx: DeploymentContext) => DateTime.makeUnsafe(ctx.now())

/** Appends an audit entry: which fields, never their values. */
export const audit = (
  ctx: DeploymentContext,
  owner: string,
  action: string,
  fields: ReadonlyArray<string>,
  options: ActorOptions | undefined,
  operation: string
): Promise<void> =>
  store(
    operation,
    ctx.storage.audit.append(
      owner,
      new AuditEntry({ at: nowUtc(ctx), actor: options?.actor ?? ctx.actor, action, fields: [...fields] })
    )
  )

/** The stored record and its configuration, or `LinkNotFound`. */
export const loadLink = async (
  ctx: DeploymentContext,
  id: string,
  operation: string
): Promise<{ readonly record: LinkRecord; readonly config: LinkConfig }> => {
  checkId(operation, id)
  const found = await store(operation, ctx.storage.links.get(id), id)
  if (Option.isNone(found)) throw fail(operation, new DeploymentLinkNotFoundError({ linkId: id }))
  return { record: found.value, config: decodeStored(found.value.settings, operation) }
}

/** The secret a link needs, opened; `undefined` when it is not set. */
export const linkSecret = async (
  ctx: DeploymentContext,
  id: string,
  field: LinkSecretField,
  operation: string
): Promise<string | undefined> => {
  requireKey(ctx, operation)
  const value = await store(operation, ctx.storage.secrets.get(id, field), id)
  return Option.isSome(value) ? Redacted.value(value.value) : undefined
}

const viewOf = async (ctx: DeploymentContext, record: LinkRecord, operation: string): Promise<LinkView> => {
  const secrets = await store(operation, ctx.storage.secrets.list(record.id), record.id)
  const state = (field: LinkSecretField): SecretState => {
    const info = secrets.find((s) => s.name === field)
    return info === undefined ? { set: false } : { set: true, updatedAt: DateTime.formatIso(info.updatedAt) }
  }
  const config = record.settings as LinkView["config"]
  return {
    id: record.id,
    version: record.version,
    updatedAt: DateTime.formatIso(record.updatedAt),
    config: {
      ...config,
      connectwise: { ...config.connectwise, privateKey: state("connectwise.privateKey") },
      exact: { ...config.exact, clientSecret: state("exact.clientSecret") }
    }
  }
}

const writeSecrets = async (
  ctx: DeploymentContext,
  id: string,
  secrets: Partial<Record<LinkSecretField, string>>,
  operation: string
): Promise<ReadonlyArray<string>> => {
  const names = secretFieldNames.filter((name) => secrets[name] !== undefined)
  for (const name of names) {
    await store(operation, ctx.storage.secrets.put(id, name, Redacted.make(secrets[name] as string), nowUtc(ctx)), id)
  }
  return names
}

/** Forgets a link's opened API and look-ups, so the next `open` reads the stored configuration. */
export const invalidate = (ctx: DeploymentContext, id: string): void => {
  ctx.opened.delete(id)
  ctx.lookups.delete(id)
}

/** The links API of a deployment. */
export const makeLinks = (ctx: DeploymentContext) => ({
  create: async (id: string, input: unknown, options?: ActorOptions): Promise<LinkView> => {
    const operation = "links.create"
    requireKey(ctx, operation)
    checkId(operation, id)
    const { config, encoded, secrets } = decodeInput(input, operation)
    const record = await store(
      operation,
      ctx.storage.links.put(
        { id, name: config.name, settings: encoded, updatedAt: nowUtc(ctx) },
        { expectedVersion: 0 }
      ),
      id
    )
    const secretNames = await writeSecrets(ctx, id, secrets, operation)
    await audit(ctx, id, "link.create", [...changedFields({}, encoded), ...secretNames], options, operation)
    notify(ctx)
    return viewOf(ctx, record, operation)
  },

  update: async (
    id: string,
    input: unknown,
    options: ActorOptions & { readonly expectedVersion: number }
  ): Promise<LinkView> => {
    const operation = "links.update"
    requireKey(ctx, operation)
    const current = await loadLink(ctx, id, operation)
    const { config, encoded, secrets } = decodeInput(input, operation)
    const record = await store(
      operation,
      ctx.storage.links.put(
        { id, name: config.name, settings: encoded, updatedAt: nowUtc(ctx) },
        { expectedVersion: options.expectedVersion }
      )
    )
    const secretNames = await writeSecrets(ctx, id, secrets, operation)
    invalidate(ctx, id)
    await audit(
      ctx,
      id,
      "link.update",
      [...changedFields(current.record.settings, encoded), ...secretNames],
      options,
      operation
    )
    notify(ctx)
    return viewOf(ctx, record, operation)
  },

  get: async (id: string): Promise<LinkView | undefined> => {
    const operation = "links.get"
    checkId(operation, id)
    const found = await store(operation, ctx.storage.links.get(id), id)
    return Option.isNone(found) ? undefined : viewOf(ctx, found.value, operation)
  },

  list: async (): Promise<ReadonlyArray<LinkView>> => {
    const operation = "links.list"
    const records = await store(operation, ctx.storage.links.list())
    return Promise.all(records.map((record) => viewOf(ctx, record, operation)))
  },

  remove: async (id: string, options?: ActorOptions): Promise<boolean> => {
    const operation = "links.remove"
    requireKey(ctx, operation)
    checkId(operation, id)
    const removed = await store(operation, ctx.storage.links.remove(id), id)
    if (!removed) return false
    await store(operation, ctx.storage.secrets.remove(id), id)
    // Its remembered exclusions go with it: a new link of the same id starts without them.
    for (const exclusion of await store(operation, ctx.storage.exclusions.list(id), id)) {
      await store(operation, ctx.storage.exclusions.remove(id, exclusion), id)
    }
    // The Exact Online refresh token is a credential too: it goes with the link.
    await ctx.storage.forgetTokens(id).catch((error: unknown) => {
      throw fromStorage(operation, error, id)
    })
    invalidate(ctx, id)
    await audit(ctx, id, "link.remove", [], options, operation)
    notify(ctx)
    return true
  },

  audit: async (
    id: string,
    options?: { readonly limit?: number | undefined }
  ): Promise<ReadonlyArray<{ at: string; actor: string; action: string; fields: ReadonlyArray<string> }>> => {
    const operation = "links.audit"
    checkId(operation, id)
    const entries = await store(operation, ctx.storage.audit.list(id, options), id)
    return entries.map((e) => ({ at: DateTime.formatIso(e.at), actor: e.actor, action: e.action, fields: e.fields }))
  }
})
