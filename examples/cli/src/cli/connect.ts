// `psa-ledger exact connect LINK`: the Exact Online consent from a terminal. The consent URL is
// printed (and opened in a browser when there is one); the redirect is caught on the link's own
// loopback redirect URI (`http://127.0.0.1:PORT/…`, registered so with the Exact app), or the URL
// Exact redirected to (or its code) is pasted.
import { spawn } from "node:child_process"
import { createServer } from "node:http"
import type { Command } from "./commands.ts"
import { type Opened, open, sandboxGrant } from "./deployment.ts"
import { CliError, Exit } from "./errors.ts"
import { toJson } from "./output.ts"
import { promptUntil, readStdin } from "./secrets.ts"

/** A redirect URI this machine can listen on: plain http on a loopback address. */
const loopback = (redirectUri: string): URL | undefined => {
  if (!URL.canParse(redirectUri)) return undefined
  const url = new URL(redirectUri)
  const hosts = ["127.0.0.1", "localhost", "[::1]"]
  return url.protocol === "http:" && hosts.includes(url.hostname) ? url : undefined
}

/** A redirect caught on the loopback port: its URL, and the answer the waiting browser gets. */
interface Caught {
  readonly url: URL
  readonly answer: (status: number, text: string) => void
}

/**
 * Listens on the redirect URI's host and port for the one request on its path that carries a
 * `code` (or an `error`); anything else is answered 404 and waited past.
 */
const listen = async (redirect: URL): Promise<{ caught: Promise<Caught>; close: () => void }> => {
  let resolveCaught: (caught: Caught) => void = () => {}
  let received = false
  const caught = new Promise<Caught>((resolve) => {
    resolveCaught = resolve
  })
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", redirect.origin)
    // The page the browser shows after the redirect.
    const reply = (status: number, text: string) => {
      res.writeHead(status, {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
        connection: "close"
      })
      res.end(`<!doctype html><meta charset="utf-8"><title>psa-ledger</title><p>${text}</p>`)
    }
    if (url.pathname !== redirect.pathname || !(url.searchParams.has("code") || url.searchParams.has("error"))) {
      return reply(404, "Not the Exact Online redirect.")
    }
    // One redirect completes the consent; a repeated one (a reload) is told so instead of waiting forever.
    if (received) return reply(409, "This consent was received already: see the terminal.")
    received = true
    resolveCaught({ url, answer: reply })
  })
  const host = redirect.hostname.replace(/^\[(.*)\]$/, "$1")
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new CliError(`cannot listen on the redirect URI's port ${redirect.host} (${error.code ?? error.message})`, {
          hint: "stop what uses that port, or paste the redirect instead (run with stdin from a terminal)",
          cause: error
        })
      )
    )
    server.listen(Number(redirect.port || 80), host, () => resolve())
  })
  return { caught, close: () => server.close() }
}

/**
 * Opens `url` in a browser: `BROWSER` (a command given the URL) when set, otherwise the platform's
 * opener — on Linux only with a display, since a headless machine has no browser to show it in.
 * Resolves with what happened, never throws.
 */
const openBrowser = (url: string): Promise<string> => {
  const [command, ...args] =
    process.env.BROWSER !== undefined && process.env.BROWSER !== ""
      ? [process.env.BROWSER, url]
      : process.platform === "darwin"
        ? ["open", url]
        : process.platform === "win32"
          ? ["cmd", "/c", "start", '""', url]
          : process.env.DISPLAY || process.env.WAYLAND_DISPLAY
            ? ["xdg-open", url]
            : []
  if (command === undefined) return Promise.resolve("No display here to open a browser on: open the URL yourself.")
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: "ignore", detached: true })
    child.once("error", () => resolve(`Could not start ${command}: open the URL yourself.`))
    child.once("spawn", () => {
      child.unref()
      resolve("Opened in your browser.")
    })
  })
}

type Listener = Awaited<ReturnType<typeof listen>>

/** What the user gave back: the redirect URL (or a bare code), by whichever way came first. */
const redirectOf = async (
  listener: Listener | undefined,
  signal: AbortSignal
): Promise<{ url: URL; answer?: Caught["answer"] }> => {
  const stop = new AbortController()
  try {
    const ways: Array<Promise<{ url: URL; answer?: Caught["answer"] } | undefined>> = []
    if (listener !== undefined) ways.push(listener.caught)
    if (process.stdin.isTTY === true) {
      ways.push(promptUntil("Paste the URL Exact redirected you to (or its code)", stop.signal).then(pasted))
    } else if (listener === undefined) {
      ways.push(readStdin().then(pasted))
    }
    ways.push(
      new Promise((_, reject) => {
        const interrupted = () =>
          reject(new CliError("interrupted: Exact Online is not connected", { exitCode: Exit.interrupted }))
        if (signal.aborted) interrupted()
        else signal.addEventListener("abort", interrupted, { once: true, signal: stop.signal })
      })
    )
    const got = await Promise.race(ways)
    if (got === undefined)
      throw new CliError("nothing pasted", { exitCode: Exit.usage, hint: "paste the redirect URL" })
    return got
  } finally {
    stop.abort()
  }
}

/** A pasted line as the redirect URL; a bare code becomes one. */
const pasted = (text: string): { url: URL } | undefined => {
  const line = text.trim()
  if (line === "") return undefined
  return { url: /^https?:/.test(line) ? new URL(line) : new URL(`http://pasted/?code=${encodeURIComponent(line)}`) }
}

/** Completes the consent from the redirect; the browser that brought it is told how it went. */
const complete = async (opened: Opened, start: { url: string }, got: { url: URL; answer?: Caught["answer"] }) => {
  const { url } = got
  const error = url.searchParams.get("error")
  try {
    if (error !== null) {
      throw new CliError(`Exact Online refused the consent: ${error}`, {
        hint: "start again with `psa-ledger exact connect LINK` and grant access"
      })
    }
    // A pasted bare code has no state: it belongs to the consent started here.
    const state = url.searchParams.get("state") ?? new URL(start.url).searchParams.get("state") ?? ""
    const done = await opened.deployment.exact.complete({ code: url.searchParams.get("code") ?? "", state })
    got.answer?.(200, "Exact Online is connected. You can close this tab and go back to the terminal.")
    return done
  } catch (thrown) {
    got.answer?.(400, "Exact Online was not connected: the terminal says why.")
    throw thrown
  }
}

export const connectCommands: ReadonlyArray<Command> = [
  {
    name: "exact connect",
    args: "LINK [--no-browser]",
    summary: "connect Exact Online: the consent URL, opened in a browser; the redirect caught on 127.0.0.1 or pasted",
    example: "psa-ledger exact connect acme",
    options: { "no-browser": { type: "boolean" } },
    optionHelp: [
      ["--no-browser", "only print the consent URL (also without a display); BROWSER picks the browser command"],
      ["redirect", "caught on the link's redirect URI when it is http://127.0.0.1:PORT/…; otherwise paste it"]
    ],
    positionals: 1,
    run: async ({ values, positionals, signal, out }) => {
      const opened = await open({
        storage: values.storage as string | undefined,
        secretKeyFile: values["secret-key-file"] as string | undefined,
        sandbox: values.sandbox === true
      })
      try {
        const [id = ""] = positionals
        const start = await opened.deployment.exact.connect(id, { returnTo: "/" })
        const say = values.json === true ? (text: string) => process.stderr.write(text) : out
        say(`Open this URL, sign in to Exact Online and grant access to the division:\n  ${start.url}\n`)
        let got: { url: URL; answer?: Caught["answer"] }
        if (opened.sandbox !== undefined) {
          got = { url: await sandboxGrant(opened.sandbox, start.url) }
          say("(sandbox: consent granted on the simulated consent page)\n")
        } else {
          const redirect = loopback((await opened.deployment.links.get(id))?.config.exact.redirectUri ?? "")
          // Listening before the browser opens: a quick consent must not find the port closed.
          const listener =
            redirect === undefined
              ? undefined
              : await listen(redirect).catch((error: unknown) => {
                  // On a terminal the redirect can still be pasted; a script has no other way.
                  if (process.stdin.isTTY !== true) throw error
                  say(`${(error as Error).message}: paste the redirect instead.\n`)
                  return undefined
                })
          try {
            if (values["no-browser"] !== true) say(`${await openBrowser(start.url)}\n`)
            if (listener !== undefined && redirect !== undefined) {
              const paste = process.stdin.isTTY === true ? " (or paste it below)" : ""
              say(`Waiting for the redirect on ${redirect.origin}${redirect.pathname}${paste}…\n`)
            }
            got = await redirectOf(listener, signal)
          } finally {
            listener?.close()
          }
        }
        const done = await complete(opened, start, got)
        out(values.json === true ? toJson(done) : `Exact Online connected for ${id}.\n`)
        return Exit.done
      } finally {
        await opened.deployment.close()
      }
    }
  }
]
