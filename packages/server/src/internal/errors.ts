import { DeploymentError } from "@psa-ledger/deployment"
import { LinkError } from "@psa-ledger/link"
import { StorageError } from "@psa-ledger/reconcile-core"
import { ApiError } from "../ApiError.ts"

/**
 * Maps what a deployment, link or store rejected with to the one error shape: their messages are
 * written to never hold a secret; anything unknown becomes a bare 500.
 */
export const toApiError = (error: unknown): ApiError => {
  if (error instanceof ApiError) return error
  if (error instanceof DeploymentError) {
    const r = error.reason
    switch (r._tag) {
      case "InvalidConfig":
        return new ApiError(400, "InvalidInput", r.message, { field: r.field })
      case "LinkNotFound":
        return new ApiError(404, "NotFound", "no such link")
      case "LinkExists":
        return new ApiError(409, "Exists", `link ${r.linkId} exists already`)
      case "VersionConflict":
        return new ApiError(409, "VersionConflict", r.message)
      case "ReadOnlyDeployment":
        return new ApiError(503, "ReadOnly", r.message)
      case "OAuthRefused":
        return new ApiError(400, "OAuthRefused", r.message, { details: { why: r.why } })
      case "DeploymentUpstream":
        return new ApiError(502, "Upstream", r.message, { details: { system: r.system } })
      default:
        return new ApiError(500, "Storage", "the storage failed")
    }
  }
  if (error instanceof LinkError) {
    const r = error.reason
    switch (r._tag) {
      case "InvalidInput":
        return new ApiError(400, "InvalidInput", r.message, { field: r.field })
      case "Busy":
        return new ApiError(409, "Busy", error.message)
      case "ConnectWise":
      case "Exact":
      case "Source":
        return new ApiError(502, "Upstream", error.message, { details: { system: r._tag } })
      case "Cancelled":
        return new ApiError(409, "Cancelled", r.message)
      case "UnfinishedRun":
        // A person decides: resume the dead run's plan or abandon it (the unfinished-runs routes).
        return new ApiError(
          409,
          "UnfinishedRun",
          `run ${r.runId} (${r.job}) stopped before it finished its plan: resume it or abandon it first`,
          { details: { runId: r.runId, job: r.job } }
        )
      default:
        return new ApiError(500, r._tag, "the link failed; see the server log")
    }
  }
  if (error instanceof StorageError) {
    if (error.reason._tag === "Conflict") return new ApiError(409, "VersionConflict", error.reason.message)
    if (error.reason._tag === "InvalidInput")
      return new ApiError(400, "InvalidInput", error.reason.message, { field: error.reason.field })
    return new ApiError(503, "Storage", "the storage is unavailable")
  }
  return new ApiError(500, "Internal", "the server failed; see its log")
}
