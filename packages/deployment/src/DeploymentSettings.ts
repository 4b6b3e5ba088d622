import { DateTime, Option, Redacted, Schema } from "effect"
import { changedFields } from "./internal/configs.ts"
import { DEPLOYMENT, type DeploymentContext, decodeOrFail, notify, requireKey, store } from "./internal/context.ts"
import { type ActorOptions, audit } from "./internal/links.ts"
import type { SecretState } from "./LinkConfig.ts"

const Text = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(1_000))

/**
 * Who runs the links' schedules. `in-process` (the default): the server runs them itself, for a
 * deployment on one machine; `workers`: the worker fleet (`psa-ledger worker`) runs them over
 * PostgreSQL and the server runs none, and a manual run started in the portal goes through the
 * fleet's queue. Never both: every host reads this one setting.
 *
 * @since 0.1.0
 */
export const SchedulingMode = Schema.Literals(["in-process", "workers"])

/** @since 0.1.0 */
export type SchedulingMode = typeof SchedulingMode.Type

/**
 * Who runs the schedules when the settings do not say: the server, so that a deployment of one
 * server on one machine runs its schedules with nothing more to set up.
 *
 * @since 0.1.0
 */
export const DEFAULT_SCHEDULING: SchedulingMode = "in-process"

/**
 * The deployment's own settings: SMTP for run mails (its password write-only), the public base URL
 * (OAuth callbacks and links in mails), the default time zone of schedules and who runs them
 * (`scheduling`, default `in-process`).
 *
 * @since 0.1.0
 */
export const DeploymentSettings = Schema.Struct({
  smtp: Schema.optionalKey(
    Schema.Struct({
      host: Text,
      port: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 65_535 })),
      secure: Schema.optionalKey(Schema.Boolean),
      user: Schema.optionalKey(Text),
      from: Text
    })
  ),
  publicBaseUrl: Schema.optionalKey(
    Schema.String.check(Schema.isPattern(/^https?:\/\/[^\s/]+(\/\S*)?$/, { expected: "an http(s) URL" }))
  ),
  timeZone: Schema.optionalKey(Text),
  scheduling: Schema.optionalKey(SchedulingMode)
})

/** @since 0.1.0 */
export type DeploymentSettings = typeof DeploymentSettings.Type

/**
 * What `settings.update` accepts: the settings, with the SMTP password optionally given (left out,
 * the stored one is kept).
 *
 * @since 0.1.0
 */
export const DeploymentSettingsInput = Schema.Struct({
  ...DeploymentSettings.fields,
  smtp: Schema.optionalKey(
    Schema.Struct({ ...DeploymentSettings.fields.smtp.schema.fields, password: Schema.optionalKey(Text) })
  )
})

/**
 * The settings as `settings.get` shows them: the SMTP password as its `SecretState`.
 *
 * @since 0.1.0
 */
export interface DeploymentSettingsView {
  readonly version: number
  readonly config: DeploymentSettings
  readonly smtpPassword: SecretState
}

const KEY = "deployment"
const nowUtc = (ctx: DeploymentContext) => DateTime.makeUnsafe(ctx.now())

/** The stored settings (empty, version 0, when never saved). */
export const readSettings = async (
  ctx: DeploymentContext,
  operation: string
): Promise<{ readonly version: number; readonly config: DeploymentSettings }> => {
  const found = await store(operation, ctx.storage.configs.get(KEY))
  if (Option.isNone(found)) return { version: 0, config: {} }
  return {
    version: found.value.version,
    config: decodeOrFail(DeploymentSettings, "DeploymentSettings", operation, found.value.document)
  }
}

/** The deployment settings API. */
export const makeSettings = (ctx: DeploymentContext) => ({
  get: async (): Promise<DeploymentSettingsView> => {
    const operation = "settings.get"
    const { version, config } = await readSettings(ctx, operation)
    const secrets = await store(operation, ctx.storage.secrets.list(DEPLOYMENT))
    const password = secrets.find((s) => s.name === "smtp.password")
    return {
      version,
      config,
      smtpPassword:
        password === undefined ? { set: false } : { set: true, updatedAt: DateTime.formatIso(password.updatedAt) }
    }
  },
  update: async (
    input: unknown,
    options: ActorOptions & { readonly expectedVersion: number }
  ): Promise<DeploymentSettingsView> => {
    const operation = "settings.update"
    requireKey(ctx, operation)
    const decoded = decodeOrFail(DeploymentSettingsInput, "DeploymentSettings", operation, input)
    const password = decoded.smtp?.password
    const config: DeploymentSettings =
      decoded.smtp === undefined
        ? decoded
        : {
            ...decoded,
            smtp: Object.fromEntries(Object.entries(decoded.smtp).filter(([k]) => k !== "password")) as never
          }
    const before = await readSettings(ctx, operation)
    const document = Schema.encodeSync(DeploymentSettings)(config)
    await store(
      operation,
      ctx.storage.configs.put(
        { key: KEY, document, updatedAt: nowUtc(ctx) },
        { expectedVersion: options.expectedVersion }
      )
    )
    if (password !== undefined) {
      await store(operation, ctx.storage.secrets.put(DEPLOYMENT, "smtp.password", Redacted.make(password), nowUtc(ctx)))
    }
    const fields = [...changedFields(before.config, document), ...(password === undefined ? [] : ["smtp.password"])]
    await audit(ctx, DEPLOYMENT, "settings.update", fields, options, operation)
    ctx.opened.clear()
    notify(ctx)
    return makeSettings(ctx).get()
  }
})
