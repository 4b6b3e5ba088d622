// `psa-ledger serve`: the HTTP API (`@psa-ledger/server`) and the portal's built files on one port,
// over the same deployment as every other command; `psa-ledger users add`: the people who sign in.
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { staticFiles } from "@psa-ledger/example-portal/src/server/assets.ts"
import { addUser, createServer, serve } from "@psa-ledger/server"
import { Effect, Option } from "effect"
import type { Command } from "./commands.ts"
import { open } from "./deployment.ts"
import { CliError, Exit, usageError } from "./errors.ts"
import { toJson } from "./output.ts"
import { readSecret } from "./secrets.ts"

/** Where the portal's build (vite's `dist`) is: `npm run build -w @psa-ledger/example-portal` writes it. */
export const portalDist = (): string =>
  fileURLToPath(new URL("dist/", import.meta.resolve("@psa-ledger/example-portal/package.json")))

const common = (values: Record<string, unknown>) => ({
  storage: values.storage as string | undefined,
  secretKeyFile: values["secret-key-file"] as string | undefined,
  sandbox: values.sandbox === true
})

const wholeNumber = (text: unknown, fallback: number, name: string, usage: string): number => {
  if (text === undefined) return fallback
  const n = Number(text)
  if (!Number.isInteger(n) || n < 0) throw usageError(`--${name} must be a whole number`, usage)
  return n
}

/** Resolves when SIGTERM arrives or `signal` (Ctrl-C) aborts, with what stopped it. */
const stopRequested = (signal: AbortSignal): Promise<string> =>
  new Promise((resolve) => {
    const onTerm = () => resolve("SIGTERM")
    process.once("SIGTERM", onTerm)
    const onAbort = () => {
      process.off("SIGTERM", onTerm)
      resolve("SIGINT")
    }
    if (signal.aborted) onAbort()
    else signal.addEventListener("abort", onAbort, { once: true })
  })

const ROLES = ["admin", "finance", "viewer"] as const

export const serveCommands: ReadonlyArray<Command> = [
  {
    name: "serve",
    args: "[--port N] [--host ADDRESS] [--assets DIR] [--grace SECONDS]",
    summary: "the portal and its HTTP API on one port, over this deployment (Ctrl-C or SIGTERM stops it)",
    example: "psa-ledger serve --port 8080 --storage sqlite:ledger.db",
    options: {
      port: { type: "string" },
      host: { type: "string" },
      assets: { type: "string" },
      grace: { type: "string" }
    },
    optionHelp: [
      ["--port N", "the port to listen on (default 8080; 0: any free port)"],
      ["--host ADDRESS", "the address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)"],
      ["--assets DIR", "the portal's built files (default examples/portal's build)"],
      ["--grace SECONDS", "on stop, how long runs and loads started here may finish (default 30)"],
      ["users", "sign-ins come from `psa-ledger users add`"]
    ],
    positionals: 0,
    run: async ({ values, signal, out }) => {
      const usage = "psa-ledger serve [--port N] [--host ADDRESS]"
      const port = wholeNumber(values.port, 8080, "port", usage)
      const graceMs = wholeNumber(values.grace, 30, "grace", usage) * 1000
      const host = typeof values.host === "string" ? values.host : "127.0.0.1"
      const assets = typeof values.assets === "string" ? values.assets : portalDist()
      if (!existsSync(`${assets}/index.html`)) {
        process.stderr.write(
          `psa-ledger: no portal build in ${assets}: the API answers, the pages answer 503 until it is built\n` +
            "  npm run build -w @psa-ledger/example-portal (or --assets DIR)\n"
        )
      }
      const opened = await open(common(values))
      const { deployment } = opened
      const log = (level: string, message: string, fields?: Record<string, unknown>) =>
        process.stderr.write(`${level}: ${message}${fields === undefined ? "" : ` ${JSON.stringify(fields)}`}\n`)
      const server = createServer({ deployment, assets: staticFiles(assets), log })
      let listening: Awaited<ReturnType<typeof serve>>
      try {
        listening = await serve(server, { port, host })
      } catch (error) {
        await server.close({ graceMs: 0 })
        await deployment.close()
        const code = (error as { code?: string }).code
        throw code === "EADDRINUSE" || code === "EACCES"
          ? new CliError(`cannot listen on ${host}:${port} (${code})`, { hint: "choose another --port", cause: error })
          : error
      }
      out(
        values.json === true
          ? toJson({ url: listening.url, readOnly: deployment.readOnly })
          : `psa-ledger: the portal and API on ${listening.url}/ (${deployment.readOnly ? "read-only: no secret key" : "ready"}); Ctrl-C stops\n`
      )
      const by = await stopRequested(signal)
      process.stderr.write(`psa-ledger: stopping (${by}): finishing running work\n`)
      await listening.close({ graceMs })
      await deployment.close()
      process.stderr.write("psa-ledger: stopped\n")
      return Exit.done
    }
  },
  {
    name: "users add",
    args: "USERNAME --role admin|finance|viewer [--links A,B | --all-links] [--password-from-stdin]",
    summary: "add a person who signs in to `serve`; the password from env, stdin or a no-echo prompt",
    example: "psa-ledger users add ann@msp.example --role admin",
    options: {
      role: { type: "string" },
      links: { type: "string" },
      "all-links": { type: "boolean" },
      "display-name": { type: "string" },
      "password-from-stdin": { type: "boolean" }
    },
    optionHelp: [
      ["--role ROLE", "admin (configuration), finance (load, decide, apply), viewer (read)"],
      ["--links A,B | --all-links", "the links a finance or viewer user sees (admins see all)"],
      ["--display-name NAME", "the name the portal shows (default the user name)"],
      ["--password-from-stdin", "read the password (12 characters or more) from stdin"],
      ["env", "PSA_LEDGER_USER_PASSWORD; otherwise asked twice on a terminal"]
    ],
    positionals: 1,
    run: async ({ values, positionals, out }) => {
      const usage = "psa-ledger users add USERNAME --role ROLE"
      const role = values.role
      if (typeof role !== "string" || !(ROLES as ReadonlyArray<string>).includes(role))
        throw usageError(`--role must be one of ${ROLES.join(", ")}`, usage)
      const links =
        typeof values.links === "string"
          ? values.links
              .split(",")
              .map((l) => l.trim())
              .filter((l) => l !== "")
          : []
      const password = await readSecret({
        env: "PSA_LEDGER_USER_PASSWORD",
        label: "Password",
        fromStdin: values["password-from-stdin"] === true,
        confirm: true
      })
      if (password.length < 12) throw usageError("the password needs 12 characters or more", usage)
      const opened = await open(common(values))
      try {
        const username = positionals[0] ?? ""
        // addUser refuses an existing name too; asked first, the answer names it and what to do.
        if (Option.isSome(await Effect.runPromise(opened.deployment.storage.users.get(username)))) {
          throw new CliError(`a user ${JSON.stringify(username)} exists already`, {
            hint: "choose another user name; the portal's Users page changes an existing one"
          })
        }
        await addUser(opened.deployment.storage, {
          username,
          password,
          role: role as (typeof ROLES)[number],
          links,
          allLinks: values["all-links"] === true,
          ...(typeof values["display-name"] === "string" ? { displayName: values["display-name"] } : {})
        })
        out(values.json === true ? toJson({ username, role }) : `User ${username} (${role}) added.\n`)
        return Exit.done
      } finally {
        await opened.deployment.close()
      }
    }
  }
]
