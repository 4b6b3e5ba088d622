import { readSettings } from "./DeploymentSettings.ts"
import { decodeStored } from "./internal/configs.ts"
import type { DeploymentContext } from "./internal/context.ts"
import { store } from "./internal/context.ts"

/**
 * One enabled schedule of one link, with its time zone resolved (the link's, else the
 * deployment's, else UTC).
 *
 * @since 0.1.0
 */
export interface DeploymentSchedule {
  readonly linkId: string
  readonly job: string
  readonly cron: string
  readonly timeZone: string
}

/** Exact's refresh tokens die after 30 idle days: a link connected to Exact gets a weekly keep-alive unless it schedules one. */
export const DEFAULT_KEEP_ALIVE_CRON = "17 4 * * 0"

/** Every enabled schedule of every link. */
export const listSchedules = async (ctx: DeploymentContext): Promise<ReadonlyArray<DeploymentSchedule>> => {
  const operation = "schedules"
  const { config: settings } = await readSettings(ctx, operation)
  const fallback = settings.timeZone ?? "UTC"
  const records = await store(operation, ctx.storage.links.list())
  return records.flatMap((record) => {
    const config = decodeStored(record.settings, operation)
    const schedules = config.schedules ?? []
    const jobs = schedules
      .filter((s) => s.enabled)
      .map((s) => ({ linkId: record.id, job: s.job, cron: s.cron, timeZone: s.timeZone ?? fallback }))
    const keepAlive = schedules.some((s) => s.job === "exact.keepAlive")
      ? []
      : [{ linkId: record.id, job: "exact.keepAlive", cron: DEFAULT_KEEP_ALIVE_CRON, timeZone: fallback }]
    return [...jobs, ...keepAlive]
  })
}
