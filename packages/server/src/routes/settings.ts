import { describeCron, formatDueTime, nextOccurrences } from "@psa-ledger/link/schedule"
import { Schema } from "effect"
import { badRequest } from "../ApiError.ts"
import { route } from "../internal/route.ts"
import { Text } from "../internal/schemas.ts"

const SchedulingSetting = Schema.Struct({
  /** `in-process`: this server runs every link's schedules; `workers`: the worker fleet does. */
  scheduling: Schema.Literals(["in-process", "workers"])
}).annotate({ identifier: "SchedulingSetting" })

const SchedulePreview = Schema.Struct({
  cron: Schema.String,
  /** The zone the schedule runs in: the one asked for, else the deployment's (else UTC). */
  timeZone: Schema.String,
  /** The cron in words ("1st of every month at 06:00"), when it has a shape put in words. */
  description: Schema.optionalKey(Schema.String),
  /** The next three due times, ISO 8601 with the zone's offset, by the computation that runs them. */
  nextRuns: Schema.Array(Schema.String)
}).annotate({ identifier: "SchedulePreview" })

/** The deployment settings a portal may change (who runs the schedules), and a schedule's preview. */
export const settingsRoutes = [
  route({
    method: "get",
    path: "/schedule-preview",
    operationId: "previewSchedule",
    summary:
      "A cron in words with its next three due times, in the given or the deployment's time zone; 400 naming `cron` or `timeZone` when either is refused",
    tag: "settings",
    access: "viewer",
    query: Schema.Struct({ cron: Text, timeZone: Schema.optionalKey(Text) }),
    response: SchedulePreview,
    handle: async ({ deployment, query, server }) => {
      const timeZone = query.timeZone ?? (await deployment.settings.get()).config.timeZone ?? "UTC"
      if (!validTimeZone(timeZone)) throw badRequest("timeZone", `${JSON.stringify(timeZone)} is not an IANA time zone`)
      let due: ReadonlyArray<number>
      try {
        due = nextOccurrences({ linkId: "-", job: "-", cron: query.cron, timeZone }, server.now(), 3)
      } catch {
        throw badRequest(
          "cron",
          `${JSON.stringify(query.cron)} is not a cron expression (minute hour day month weekday)`
        )
      }
      const description = describeCron(query.cron)
      return {
        cron: query.cron,
        timeZone,
        ...(description === undefined ? {} : { description }),
        nextRuns: due.map((ms) => formatDueTime(ms, timeZone))
      }
    }
  }),
  route({
    method: "get",
    path: "/settings/scheduling",
    operationId: "getScheduling",
    summary: "Who runs the links' schedules: this server (`in-process`, the default) or the worker fleet",
    tag: "settings",
    access: "viewer",
    response: SchedulingSetting,
    handle: async ({ deployment }) => ({ scheduling: await deployment.scheduling() })
  }),
  route({
    method: "put",
    path: "/settings/scheduling",
    operationId: "setScheduling",
    summary:
      "Sets who runs the schedules; set `workers` before starting workers (they refuse an `in-process` deployment)",
    tag: "settings",
    access: "admin",
    body: SchedulingSetting,
    response: SchedulingSetting,
    handle: async ({ deployment, body, principal }) => {
      // The other settings (and the sealed SMTP password, left out) are kept as they are.
      const current = await deployment.settings.get()
      const saved = await deployment.settings.update(
        { ...current.config, scheduling: body.scheduling },
        { expectedVersion: current.version, actor: principal.user }
      )
      return { scheduling: saved.config.scheduling ?? "in-process" }
    }
  })
]

const validTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone })
    return true
  } catch {
    return false
  }
}
