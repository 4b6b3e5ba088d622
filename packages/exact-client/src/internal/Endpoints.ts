import {
  ExactError,
  ExactForbiddenError,
  ExactNotFoundError,
  ExactServerError,
  ExactUnauthorizedError,
  ExactValidationError
} from "../ExactError.ts"

const serviceNames: Readonly<Record<string, string>> = {
  salesinvoice: "SalesInvoice",
  crm: "CRM",
  logistics: "Logistics",
  financial: "Financial",
  cashflow: "Cashflow",
  subscription: "Subscription",
  project: "Project",
  purchaseentry: "PurchaseEntry",
  salesentry: "SalesEntry",
  salesorder: "SalesOrder",
  documents: "Documents",
  inventory: "Inventory"
}

/** Whether an endpoint is a bulk or sync one (they require a `$select`). */
export const isBulkOrSync = (endpoint: string): boolean => /^(bulk|sync)\//i.test(endpoint)

/** The bulk twin of an endpoint: `salesinvoice/SalesInvoiceLines` → `bulk/SalesInvoice/SalesInvoiceLines`. */
export const bulkEndpoint = (endpoint: string): string => {
  if (isBulkOrSync(endpoint)) return endpoint
  const [service = "", ...rest] = endpoint.split("/")
  return `bulk/${serviceNames[service.toLowerCase()] ?? service}/${rest.join("/")}`
}

/** The endpoint of a URL for counts, logs and errors: no host, division, key or query. */
export const endpointOf = (url: URL): { endpoint: string; key: string } => {
  const parts = url.pathname.split("/").filter(Boolean)
  const v1 = parts.indexOf("v1")
  const rest = v1 >= 0 ? parts.slice(v1 + 1) : parts.slice(1)
  if (rest[0]?.toLowerCase() === "current") return { endpoint: rest.join("/"), key: "current" }
  return { endpoint: decodeURIComponent(rest.slice(1).join("/")).replace(/\(.*\)$/, ""), key: rest[0] ?? "" }
}

const odataMessage = (text: string): string => {
  try {
    const body = JSON.parse(text) as { error?: { message?: { value?: unknown } | string } }
    const message = body.error?.message
    if (typeof message === "string") return message
    if (message && typeof message.value === "string") return message.value
  } catch {
    // Not JSON: fall through to the text itself.
  }
  return text.slice(0, 500)
}

/** The error for a non-2xx answer other than 429 (which the pipeline handles itself). */
export const errorFor = (
  answer: { readonly status: number; readonly text: string; readonly headers: Headers },
  site: { readonly method: string; readonly endpoint: string },
  redact: (text: string) => string
): ExactError => {
  const { status, headers } = answer
  const message = redact(odataMessage(answer.text))
  const exactReason = headers.get("Reason")
  const reason =
    status === 400
      ? new ExactValidationError({ message, messages: message.split(/\r?\n/).filter((m) => m.trim() !== "") })
      : status === 401
        ? new ExactUnauthorizedError({ message })
        : status === 403
          ? new ExactForbiddenError({ message, ...(exactReason ? { exactReason } : {}) })
          : status === 404
            ? new ExactNotFoundError({ message })
            : status >= 500
              ? new ExactServerError({ status, message })
              : new ExactValidationError({ message: `${status}: ${message}`, messages: [message] })
  return new ExactError({ reason, method: site.method, endpoint: site.endpoint })
}
