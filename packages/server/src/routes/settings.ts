import { Schema } from "effect"
import { route } from "../internal/route.ts"

const SchedulingSetting = Schema.Struct({
  /** `in-process`: this server runs every link's schedules; `workers`: the worker fleet does. */
  scheduling: Schema.Literals(["in-process", "workers"])
}).annotate({ identifier: "SchedulingSetting" })

/** The deployment settings a portal may change: who runs the schedules. */
export const settingsRoutes = [
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
