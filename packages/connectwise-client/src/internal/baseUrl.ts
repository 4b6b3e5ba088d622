import { ConnectWiseDecodeError, ConnectWiseError } from "../ConnectWiseError.ts"
import { raceAbort } from "./abort.ts"
import { abortedReason } from "./reasons.ts"
import { LOGIN_PATH } from "./routing.ts"

/** Where the API lives, from the client's options. */
export interface BaseUrlConfig {
  readonly baseUrl?: string | undefined
  /** The host, without scheme or trailing slash. */
  readonly site?: string | undefined
  readonly codebase?: string | undefined
  /** Asks `https://{site}/login/companyinfo/{companyId}` and answers its body text. */
  readonly lookUp: (siteOrigin: string) => Promise<{ readonly text: string | undefined; readonly status: number }>
}

const trimSlashes = (s: string): string => s.replace(/^\/|\/$/g, "")

/**
 * The API base URL: configured, or discovered once through the company info and cached (a failed
 * lookup is asked again next time). One caller's abort stops only its own wait: others share it.
 */
export const makeBaseUrlResolver = (config: BaseUrlConfig): ((signal?: AbortSignal) => Promise<string>) => {
  let discovered: Promise<string> | undefined
  const discover = async (site: string): Promise<string> => {
    const { text, status } = await config.lookUp(`https://${site}`)
    let info: { Codebase?: unknown } | undefined
    try {
      info = JSON.parse(text ?? "") as typeof info
    } catch {
      info = undefined
    }
    if (typeof info?.Codebase !== "string" || info.Codebase.length === 0) {
      throw new ConnectWiseError({
        method: "GET",
        path: LOGIN_PATH,
        status,
        reason: new ConnectWiseDecodeError({ message: "The company info has no Codebase", field: "Codebase" })
      })
    }
    return `https://${site}/${trimSlashes(info.Codebase)}/apis/3.0`
  }
  const resolve = (): Promise<string> => {
    if (config.baseUrl) return Promise.resolve(config.baseUrl.replace(/\/$/, ""))
    if (!config.site) return Promise.reject(new TypeError("ConnectWise client needs either `site` or `baseUrl`"))
    if (config.codebase) return Promise.resolve(`https://${config.site}/${trimSlashes(config.codebase)}/apis/3.0`)
    discovered ??= discover(config.site).catch((error: unknown) => {
      discovered = undefined
      throw error
    })
    return discovered
  }
  return (signal) =>
    raceAbort(
      resolve(),
      signal,
      () => new ConnectWiseError({ method: "GET", path: LOGIN_PATH, reason: abortedReason() })
    )
}
