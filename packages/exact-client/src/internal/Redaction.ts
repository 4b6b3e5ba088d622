import type { ExactLogger } from "../ExactClient.ts"

/** Every secret a client has seen (its client secret, codes, tokens), to scrub from what it writes. */
export class Secrets {
  readonly #seen = new Set<string>()

  constructor(initial: ReadonlyArray<string>) {
    for (const secret of initial) this.remember(secret)
  }

  /** Short values are not secrets worth scrubbing (and would mangle ordinary words). */
  remember(secret: string): void {
    if (secret.length >= 6) this.#seen.add(secret)
  }

  redact(text: string): string {
    let out = text
    for (const secret of this.#seen) if (out.includes(secret)) out = out.split(secret).join("[redacted]")
    return out
  }
}

/** Writes one line at a level; the message and fields are redacted first. */
export type Log = (level: keyof ExactLogger, message: string, fields?: Record<string, unknown>) => void

/** A `Log` over the user's logger (which may lack any level). */
export const makeLog =
  (logger: ExactLogger | undefined, secrets: Secrets): Log =>
  (level, message, fields) => {
    const write = logger?.[level]
    if (!write) return
    const safeFields = fields
      ? (JSON.parse(secrets.redact(JSON.stringify(fields))) as Record<string, unknown>)
      : undefined
    if (safeFields) write.call(logger, secrets.redact(message), safeFields)
    else write.call(logger, secrets.redact(message))
  }
