import type { Route } from "../internal/route.ts"
import { exclusionRoutes } from "./exclusions.ts"
import { invoiceFileRoutes } from "./invoiceFile.ts"
import { linkRoutes } from "./links.ts"
import { reconciliationRoutes } from "./reconciliation.ts"
import { runRoutes } from "./runs.ts"
import { searchRoutes } from "./search.ts"
import { sessionRoutes } from "./session.ts"
import { settingsRoutes } from "./settings.ts"
import { userRoutes } from "./users.ts"

/** Every route of the API, in the order of the OpenAPI document. */
export const routes: ReadonlyArray<Route> = [
  ...sessionRoutes,
  ...userRoutes,
  ...settingsRoutes,
  ...linkRoutes,
  ...reconciliationRoutes,
  ...exclusionRoutes,
  ...invoiceFileRoutes,
  ...searchRoutes,
  ...runRoutes
]
