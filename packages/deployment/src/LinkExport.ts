import { DateTime, Option, Schema } from "effect"
import { DeploymentInvalidConfigError, DeploymentLinkExistsError, fail } from "./DeploymentError.ts"
import { changedFields, decodeInput, decodeStored } from "./internal/configs.ts"
import { type DeploymentContext, notify, requireKey, store } from "./internal/context.ts"
import { type ActorOptions, audit, checkId, invalidate } from "./internal/links.ts"
import { LinkConfig } from "./LinkConfig.ts"

/**
 * Link configurations as a file: no secret is ever part of it, so an imported link needs its
 * ConnectWise private key and Exact client secret written again, and Exact connected again.
 *
 * @since 0.1.0
 */
export interface LinkExport {
  readonly format: 1
  readonly links: ReadonlyArray<{ readonly id: string; readonly config: typeof LinkConfig.Encoded }>
}

/** Export and import of link configurations. */
export const makePortable = (ctx: DeploymentContext) => ({
  exportLinks: async (ids?: ReadonlyArray<string>): Promise<LinkExport> => {
    const operation = "links.export"
    const records = await store(operation, ctx.storage.links.list())
    const wanted = ids === undefined ? records : records.filter((r) => ids.includes(r.id))
    return {
      format: 1,
      links: wanted.map((record) => ({
        id: record.id,
        // Decoded and encoded again, so the file holds exactly a LinkConfig (no stray fields).
        config: Schema.encodeSync(LinkConfig)(decodeStored(record.settings, operation))
      }))
    }
  },

  /**
   * Imports configurations: all are checked before any is written; an id that exists is refused
   * (`LinkExists`) unless `replace`. Secrets already stored for a replaced link are kept.
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
    const decoded = entries.map((entry: { id?: unknown; config?: unknown }, index) => {
      const id = checkId(operation, entry?.id)
      try {
        return { id, ...decodeInput(entry?.config, operation) }
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
    for (const { id, config, encoded } of decoded) {
      const before = existing.get(id)
      await store(
        operation,
        ctx.storage.links.put(
          { id, name: config.name, settings: encoded, updatedAt: DateTime.makeUnsafe(ctx.now()) },
          { expectedVersion: before?.version ?? 0 }
        ),
        id
      )
      invalidate(ctx, id)
      await audit(ctx, id, "link.import", changedFields(before?.settings ?? {}, encoded), options, operation)
    }
    notify(ctx)
    return decoded.map((d) => d.id)
  }
})

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
