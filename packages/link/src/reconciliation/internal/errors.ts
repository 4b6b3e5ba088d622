/** The reason tag of a tagged error (a client's `reason._tag`), when it has one. */
export const reasonTagOf = (error: unknown): string | undefined => {
  const reason = (error as { reason?: { _tag?: unknown } } | undefined)?.reason
  return typeof reason?._tag === "string" ? reason._tag : undefined
}

/** The message of anything thrown. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))
