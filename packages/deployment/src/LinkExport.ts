import { Exclusion, exclusionId } from "@psa-ledger/reconcile-core"
import { DateTime, Option, Schema } from "effect"
import { DeploymentInvalidConfigError, DeploymentLinkExistsError, fail } from "./DeploymentError.ts"
import { changedFields, decodeInput, decodeStored } from "./internal/configs.ts"
import { type DeploymentContext, decodeOrFail, notify, requireKey, store } from "./internal/context.ts"
import { type ActorOptions, audit, checkId, invalidate } from "./internal/links.ts"
import { LinkConfig } from "./LinkConfig.ts"

/**
 * Link configurations as a file: no secret is ever part of it, so an imported link needs its
 * ConnectWise private key and Exact client secret written again, and Exact connected again.
 * `exclusions` are the link's remembered "always ignore" products and customers: when an entry
 * has them, importing it makes them the link's exclusions (an empty list forgets them all); an
 * entry without them leaves the link's exclusions as they are.
 *
 * @since 0.1.0
 */
export interface LinkExport {
  readonly format: 1
  readonly links: ReadonlyArray<{
    readonly id: string
    readonly config: typeof LinkConfig.Encoded
    readonly exclusions?: ReadonlyArray<typeof Exclusion.Encoded> | undefined
  }>
}

const encodeExclusion = Schema.encodeSync(Exclusion)

/** An entry's exclusions decoded (each field named by its place in the file), or none given. */
const decodeExclusions = (input: unknown, index: number, operation: string): ReadonlyArray<Exclusion> | undefined => {
  if (input === undefined) return undefined
  const field = `links.${index}.exclusions`
  if (!Array.isArray(input)) {
    throw fail(
      operation,
      new DeploymentInvalidConfigError({ record: "LinkExport", field, message: "expected a list of exclusions" })
    )
  }
  const seen = new Set<string>()
  return input.map((item: unknown, at) => {
    const exclusion = decodeOrFail(Exclusion, "LinkExport", operation, item, `${field}.${at}`)
    const id = exclusionId(exclusion)
    // As `exclusions.remember` asks: an exclusion nobody can explain to a colleague is refused.
    if (exclusion.reason.trim() === "") {
      throw fail(
        operation,
        new DeploymentInvalidConfigError({
          record: "LinkExport",
          field: `${field}.${at}.reason`,
          message: "say why these lines are excluded"
        })
      )
    }
    if (seen.has(id)) {
      throw fail(
        operation,
        new DeploymentInvalidConfigError({
          record: "LinkExport",
          field: `${field}.${at}.key`,
          message: `${exclusion.kind} ${exclusion.key} is listed twice`
        })
      )
    }
    seen.add(id)
    return exclusion
  })
}

/** Export and import of link configurations. */
export const makePortable = (ctx: DeploymentContext) => ({
  exportLinks: async (ids?: ReadonlyArray<string>): Promise<LinkExport> => {
    const operation = "links.export"
    const records = await store(operation, ctx.storage.links.list())
    const wanted = ids === undefined ? records : records.filter((r) => ids.includes(r.id))
    return {
      format: 1,
      links: await Promise.all(
        wanted.map(async (record) => ({
          id: record.id,
          // Decoded and encoded again, so the file holds exactly a LinkConfig (no stray fields).
          config: Schema.encodeSync(LinkConfig)(decodeStored(record.settings, operation)),
          exclusions: (await store(operation, ctx.storage.exclusions.list(record.id), record.id)).map((x) =>
            encodeExclusion(x)
          )
        }))
      )
    }
  },

  /**
   * Imports configurations: all are checked before any is written (exclusions too); an id that
   * exists is refused (`LinkExists`) unless `replace`. Secrets already stored for a replaced link
   * are kept; its exclusions are replaced by the entry's when it has them.
   */
  importLinks: async (
    file: unknown,
    options: ActorOptions & { readonly replace?: boolean | undefined } = {}
  ): Promise<ReadonlyArray<string>> => {
    const operation = "links.import"
    requireKey(ctx, operation)
    const parsed = typeof file === "string" ? safeJson(file, operation) : file
    const entries = (parsed as { links?: unknown } | undefined)?.links
    if ((parsed as { format?: unknown } | undefined)?.format !== 1 || !Array.isArray(entries)) {
      throw fail(
        operation,
        new DeploymentInvalidConfigError({
          record: "LinkExport",
          field: "format",
          message: "expected { format: 1, links: [...] }"
        })
      )
    }
    const decoded = entries.map((entry: { id?: unknown; config?: unknown; exclusions?: unknown }, index) => {
      const id = checkId(operation, entry?.id)
      const exclusions = decodeExclusions(entry?.exclusions, index, operation)
      try {
        return { id, exclusions, ...decodeInput(entry?.config, operation) }
      } catch (error) {
        const reason = (error as { reason?: unknown }).reason
        if (reason instanceof DeploymentInvalidConfigError) {
          throw fail(
            operation,
            new DeploymentInvalidConfigError({ ...reason, field: `links.${index}.config.${reason.field}` })
          )
        }
        throw error
      }
    })
    const existing = new Map<string, { version: number; settings: unknown }>()
    for (const { id } of decoded) {
      const found = await store(operation, ctx.storage.links.get(id), id)
      if (Option.isSome(found)) {
        if (options.replace !== true) throw fail(operation, new DeploymentLinkExistsError({ linkId: id }))
        existing.set(id, { version: found.value.version, settings: found.value.settings })
      }
    }
    for (const { id, config, encoded, exclusions } of decoded) {
      const before = existing.get(id)
      await store(
        operation,
        ctx.storage.links.put(
          { id, name: config.name, settings: encoded, updatedAt: DateTime.makeUnsafe(ctx.now()) },
          { expectedVersion: before?.version ?? 0 }
        ),
        id
      )
      if (exclusions !== undefined) await replaceExclusions(ctx, id, exclusions, operation)
      invalidate(ctx, id)
      await audit(ctx, id, "link.import", changedFields(before?.settings ?? {}, encoded), options, operation)
    }
    notify(ctx)
    return decoded.map((d) => d.id)
  }
})

/** Makes `exclusions` the link's exclusions: those not listed are forgotten, the listed ones written. */
const replaceExclusions = async (
  ctx: DeploymentContext,
  linkId: string,
  exclusions: ReadonlyArray<Exclusion>,
  operation: string
) => {
  const wanted = new Set(exclusions.map(exclusionId))
  for (const current of await store(operation, ctx.storage.exclusions.list(linkId), linkId)) {
    if (!wanted.has(exclusionId(current)))
      await store(operation, ctx.storage.exclusions.remove(linkId, current), linkId)
  }
  await store(operation, ctx.storage.exclusions.upsert(linkId, exclusions), linkId)
}

const safeJson = (text: string, operation: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    throw fail(
      operation,
      new DeploymentInvalidConfigError({ record: "LinkExport", field: "(file)", message: "is not JSON" })
    )
  }
}
