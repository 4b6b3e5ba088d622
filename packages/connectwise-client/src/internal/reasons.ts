import {
  ConnectWiseAbortedError,
  type ConnectWiseErrorReason,
  ConnectWiseForbiddenError,
  ConnectWiseNotFoundError,
  ConnectWiseRateLimitedError,
  ConnectWiseServerError,
  ConnectWiseUnauthorizedError,
  ConnectWiseValidationError,
  type ValidationIssue
} from "../ConnectWiseError.ts"

/** The reason of a call whose caller's signal fired. */
export const abortedReason = (): ConnectWiseAbortedError =>
  new ConnectWiseAbortedError({ message: "The caller aborted the request" })

/** The system error code (`ECONNREFUSED`, …) somewhere in a fetch failure's cause chain. */
export const errorCode = (error: unknown): string | undefined => {
  let current: unknown = error
  for (let depth = 0; depth < 5 && current && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === "string") return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

const issuesOf = (errors: unknown): Array<ValidationIssue> =>
  Array.isArray(errors)
    ? errors.flatMap((e: unknown) => {
        if (!e || typeof e !== "object") return []
        const r = e as Record<string, unknown>
        const pick = (k: string) => (typeof r[k] === "string" ? { [k]: r[k] as string } : {})
        return [{ ...pick("code"), ...pick("message"), ...pick("resource"), ...pick("field") }]
      })
    : []

/** The reason a non-2xx answer stands for, read from its status and ConnectWise's error body. */
export const reasonFor = async (response: Response, signal: AbortSignal): Promise<ConnectWiseErrorReason> => {
  const text = await response.text().catch(() => "")
  if (signal.aborted) return abortedReason()
  let body: { code?: unknown; message?: unknown; errors?: unknown } = {}
  try {
    const parsed: unknown = JSON.parse(text)
    if (parsed && typeof parsed === "object") body = parsed as typeof body
  } catch {
    // Not JSON (a proxy's HTML page): the status alone decides the reason.
  }
  const message = typeof body.message === "string" ? body.message : response.statusText || `HTTP ${response.status}`
  const code = typeof body.code === "string" ? body.code : undefined
  switch (response.status) {
    case 401:
      return new ConnectWiseUnauthorizedError({ message })
    case 403:
      return new ConnectWiseForbiddenError({ message })
    case 404:
      return new ConnectWiseNotFoundError({ message })
    case 429: {
      const retryAfter = Number(response.headers.get("retry-after"))
      return new ConnectWiseRateLimitedError({
        message,
        ...(Number.isFinite(retryAfter) ? { retryAfterSeconds: retryAfter } : {})
      })
    }
    default:
      if (response.status >= 400 && response.status < 500) {
        return new ConnectWiseValidationError({ message, errors: issuesOf(body.errors), ...(code ? { code } : {}) })
      }
      return new ConnectWiseServerError({ message })
  }
}
