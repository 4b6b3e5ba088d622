// `npm start`'s server as a person runs it: a child process that prints the URL and a demo sign-in,
// serves the built portal and the API, and stops on SIGTERM.
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"

const packageDir = fileURLToPath(new URL("..", import.meta.url))
const built = existsSync(new URL("../dist/index.html", import.meta.url))

describe.skipIf(!built && process.env.CI !== "true")("the start script", () => {
  let child: ChildProcess | undefined
  afterAll(() => {
    if (child?.exitCode === null) child.kill("SIGKILL")
  })

  it("prints the URL and a sign-in that work, and stops on SIGTERM", async () => {
    child = spawn(process.execPath, ["--conditions=@psa-ledger/source", "src/server/start.ts"], {
      cwd: packageDir,
      env: { ...process.env, PORT: "0" },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    const started = new Promise<string>((resolve, reject) => {
      child?.stdout?.on("data", (chunk: Buffer) => {
        output += chunk.toString()
        if (output.includes("Ctrl-C stops")) resolve(output)
      })
      child?.on("exit", (code) => reject(new Error(`exited with ${code} before starting: ${output}`)))
    })
    const printed = await started
    const url = /portal on a sandbox MSP: (http:\/\/\S+?)\/?\n/.exec(printed)?.[1]
    const signIn = /sign in as (\S+) \/ (.+) \(finance\)/.exec(printed)
    expect(url).toBeDefined()
    expect(signIn).not.toBeNull()

    const page = await fetch(`${url}/`)
    expect(await page.text()).toContain('<div id="root">')
    const session = await fetch(`${url}/api/v1/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: signIn?.[1], password: signIn?.[2] })
    })
    expect(session.status).toBe(200)
    const cookie = session.headers.get("set-cookie")?.split(";")[0] ?? ""
    const months = await fetch(`${url}/api/v1/links/demo/months`, { headers: { cookie } })
    expect(((await months.json()) as { months: Array<string> }).months.length).toBe(3)

    const exited = new Promise<number | null>((resolve) => child?.on("exit", (code) => resolve(code)))
    child.kill("SIGTERM")
    expect(await exited).toBe(0)
  })
})
