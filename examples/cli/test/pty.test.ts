// `links add` and `exact connect` as a person runs them on a terminal: a real pseudo-terminal
// (util-linux `script`, in Debian's essential bsdutils, so CI has it without installing anything), each
// prompt answered when it shows. The terminal echoes what is typed at the ordinary prompts; the two
// secrets never appear.
import { spawn } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { binArgs, childEnv, cli, cliDir, deploymentDir, httpSandbox } from "./support.ts"

const PRIVATE_KEY = "pty-private-key-7Qx"
const CLIENT_SECRET = "pty-client-secret-9Zk"

/** A prompt and what the person types at it (worked out from the screen so far, when a function). */
type Answer = readonly [prompt: string, typed: string | ((screen: string) => Promise<string>)]

/** The prompts of an interactive `links add`, in order, with what the person types. */
const linkAnswers: ReadonlyArray<Answer> = [
  ["ConnectWise site [api-eu.myconnectwise.net]: ", ""],
  ["ConnectWise company id: ", "acme-co"],
  ["ConnectWise public key: ", "pub-key-on-tty"],
  ["ConnectWise client id: ", "00000000-0000-4000-8000-000000000001"],
  ["Exact Online region [nl]: ", "be"],
  ["Exact Online app client id: ", "00000000-0000-4000-8000-000000000002"],
  ["Exact Online redirect URI: ", "http://127.0.0.1:8765/callback"],
  ["Exact Online division: ", "123"],
  ["ConnectWise private key: ", PRIVATE_KEY],
  ["Exact Online client secret: ", CLIENT_SECRET]
]

const shellQuote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`

/**
 * Runs `psa-ledger ARGS` on a pseudo-terminal and types each answer once its prompt has shown (so
 * nothing is typed before the program reads it); resolves the exit code and the whole terminal output.
 */
const onTerminal = (args: ReadonlyArray<string>, env: Record<string, string>, answers: ReadonlyArray<Answer>) =>
  new Promise<{ status: number | null; screen: string }>((resolve, reject) => {
    const command = [process.execPath, ...binArgs(args)].map(shellQuote).join(" ")
    const child = spawn("script", ["--quiet", "--flush", "--return", "--command", command, "/dev/null"], {
      cwd: cliDir,
      env: childEnv(env),
      stdio: ["pipe", "pipe", "pipe"]
    })
    let screen = ""
    let answered = 0
    let from = 0 // where the next prompt is looked for: after the last one answered
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      screen += chunk
      for (;;) {
        const next = answers[answered]
        if (next === undefined) break
        const at = screen.indexOf(next[0], from)
        if (at < 0) break
        from = at + next[0].length
        answered++
        const [, typed] = next
        if (typeof typed === "string") child.stdin.write(`${typed}\r`)
        else void typed(screen).then((text) => child.stdin.write(`${text}\r`), reject)
      }
    })
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (screen += chunk))
    child.once("error", reject)
    child.once("close", (status) => resolve({ status, screen }))
  })

describe("psa-ledger on a terminal", () => {
  it("asks for every field, echoes the ordinary ones, never the secrets; links show has them sealed", async () => {
    const d = await deploymentDir()
    try {
      const { status, screen: raw } = await onTerminal(["links", "add", "acme"], d.env, linkAnswers)
      // What a person sees: the output without readline's cursor movements.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's escape sequences are the point
      const screen = raw.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "")
      expect(status, screen).toBe(0)
      expect(screen).toContain("Link acme saved (version 1)")
      // The terminal did echo what was typed at the ordinary prompts: the no-echo is the secret prompt's own.
      expect(screen).toContain("ConnectWise company id: acme-co")
      expect(screen).toContain("Exact Online division: 123")
      for (const secret of [PRIVATE_KEY, CLIENT_SECRET]) {
        expect(screen).not.toContain(secret)
        expect(raw).not.toContain(secret)
      }

      const show = await cli(["links", "show", "acme", "--json"], { env: d.env })
      expect(show.status, show.stderr).toBe(0)
      expect(show.stdout).not.toContain(PRIVATE_KEY)
      const view = JSON.parse(show.stdout) as {
        config: {
          connectwise: { site: string; companyId: string; privateKey: { set: boolean } }
          exact: { region: string; division: number; redirectUri: string; clientSecret: { set: boolean } }
        }
      }
      expect(view.config.connectwise).toMatchObject({
        site: "api-eu.myconnectwise.net", // the offered default, taken with Enter
        companyId: "acme-co",
        privateKey: { set: true }
      })
      expect(view.config.exact).toMatchObject({
        region: "be",
        division: 123,
        redirectUri: "http://127.0.0.1:8765/callback",
        clientSecret: { set: true }
      })
      // Sealed: neither secret is in the deployment's files as written.
      for (const file of readdirSync(d.dir).filter((name) => name.startsWith("ledger.db"))) {
        const bytes = readFileSync(join(d.dir, file)).toString("latin1")
        expect(bytes, file).not.toContain(PRIVATE_KEY)
        expect(bytes, file).not.toContain(CLIENT_SECRET)
      }
    } finally {
      d.remove()
    }
  })

  it("exact connect takes the redirect URL pasted on the terminal while it listens; the token then works", async () => {
    const [d, sandbox] = await Promise.all([deploymentDir(), httpSandbox()])
    try {
      expect((await sandbox.addLink("acme", d.dir, d.env)).status).toBe(0)
      const { status, screen } = await onTerminal(["exact", "connect", "acme", "--no-browser"], d.env, [
        [
          "Paste the URL Exact redirected you to (or its code): ",
          async (shown) => {
            const consentUrl = /https?:\/\/\S+\/exact\/api\/oauth2\/auth\?\S+/.exec(shown)?.[0] ?? ""
            // The browser is elsewhere: the person copies the address it was sent to, not visiting it.
            return (await sandbox.server.grantConsent(consentUrl)).redirect.toString()
          }
        ]
      ])
      expect(status, screen).toBe(0)
      expect(screen).toContain(`Waiting for the redirect on ${sandbox.callback} (or paste it below)`)
      expect(screen).toContain("Exact Online connected for acme.")
      const test = await cli(["links", "test", "acme", "--json"], { env: d.env })
      expect(test.status, test.stdout).toBe(0)
    } finally {
      await sandbox.close()
      d.remove()
    }
  })
})
