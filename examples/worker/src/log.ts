// Structured logs: one JSON object a line on stdout, with the time, the level and the message first.
// Nothing secret is logged: fields are link ids, jobs, times and error messages, and error messages
// pass through `scrub`, which removes the password of any PostgreSQL URL quoted in them.

export type Level = "debug" | "info" | "warn" | "error"

export type WorkerLog = (level: Level, message: string, fields?: Readonly<Record<string, unknown>>) => void

/** A URL's password, wherever it is quoted: `postgres://user:***@host`. */
export const scrub = (text: string): string => text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/gi, "$1***@")

export const errorText = (error: unknown): string => scrub(error instanceof Error ? error.message : String(error))

/** A logger writing JSON lines through `write` (default stdout), stamped with the worker's name. */
export const jsonLog =
  (worker: string, write: (line: string) => void = (line) => process.stdout.write(line)): WorkerLog =>
  (level, message, fields) => {
    try {
      write(`${JSON.stringify({ at: new Date().toISOString(), level, worker, message, ...fields })}\n`)
    } catch {
      // A closed stdout must not stop the worker.
    }
  }

export const silentLog: WorkerLog = () => {}
