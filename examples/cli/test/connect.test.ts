// `psa-ledger exact connect LINK` against the sandbox over real HTTP: the consent URL printed (and
// handed to a browser), the consent given on the sandbox's consent page, the redirect caught on the
// link's 127.0.0.1 redirect URI, and then a call that needs the token (`links test`) succeeding.
import { chmodSync, writeFileSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cli, cliRunning, deploymentDir, httpSandbox, printed, sandboxSecrets } from "./support.ts"

/** No display and no BROWSER: a headless machine, unless a test says otherwise. */
const headless = { DISPLAY: "", WAYLAND_DISPLAY: "", BROWSER: "" }

describe("psa-ledger exact connect", () => {
  let sandbox: Awaited<ReturnType<typeof httpSandbox>>
  let d: Awaited<ReturnType<typeof deploymentDir>>
  beforeAll(async () => {
    ;[sandbox, d] = await Promise.all([httpSandbox(), deploymentDir()])
    const added = await sandbox.addLink("acme", d.dir, d.env)
    expect(added.status, added.stderr).toBe(0)
  })
  afterAll(async () => {
    const key = d.key()
    await sandbox.close()
    d.remove()
    const all = printed.join("\n")
    for (const secret of [...sandboxSecrets, key]) expect(all).not.toContain(secret)
  })

  it("catches the redirect on 127.0.0.1 after the consent; then links test passes with the token (headless: no browser)", async () => {
    const before = await cli(["links", "test", "acme", "--json"], { env: d.env })
    expect(before.status).toBe(4) // not connected yet
    expect(JSON.parse(before.stdout)).toMatchObject({ exact: { ok: false, reason: "NotConnected" } })

    const connect = cliRunning(["exact", "connect", "acme"], { env: { ...d.env, ...headless } })
    const url = (await connect.waitFor(/\/exact\/api\/oauth2\/auth\?/, "stdout")).trim()
    const waiting = await connect.waitFor(/^Waiting for the redirect on /, "stdout")
    expect(waiting).toContain(sandbox.callback)
    const page = await sandbox.grant(url)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain("Exact Online is connected")
    const result = await connect.done
    expect(result.status, result.stderr).toBe(0)
    expect(result.stdout).toContain("No display here to open a browser on")
    expect(result.stdout).toContain("Exact Online connected for acme.")

    const after = await cli(["links", "test", "acme", "--json"], { env: d.env })
    expect(after.status, after.stdout).toBe(0)
    expect(JSON.parse(after.stdout)).toMatchObject({ ok: true, exact: { ok: true } })
  })

  it("opens the browser (BROWSER), where the user consents; the redirect comes back to the terminal", async () => {
    // The "browser" hands the URL it was opened with to this test, which consents as the user would.
    let opened: (url: string) => void = () => {}
    const openedUrl = new Promise<string>((resolve) => {
      opened = resolve
    })
    const inbox = createServer((req, res) => {
      let body = ""
      req.setEncoding("utf8").on("data", (chunk: string) => (body += chunk))
      req.on("end", () => {
        res.end()
        opened(body)
      })
    })
    await new Promise<void>((resolve) => inbox.listen(0, "127.0.0.1", resolve))
    const browser = join(d.dir, "browser.mjs")
    writeFileSync(
      browser,
      `#!/usr/bin/env node\nawait fetch(process.env.TEST_BROWSER_INBOX, { method: "POST", body: process.argv[2] })\n`
    )
    chmodSync(browser, 0o755)
    try {
      const inboxUrl = `http://127.0.0.1:${(inbox.address() as AddressInfo).port}/`
      const connect = cliRunning(["exact", "connect", "acme"], {
        env: { ...d.env, ...headless, BROWSER: browser, TEST_BROWSER_INBOX: inboxUrl }
      })
      const url = await openedUrl
      expect(url).toMatch(/\/exact\/api\/oauth2\/auth\?/)
      expect((await sandbox.grant(url)).status).toBe(200)
      const result = await connect.done
      expect(result.status, result.stderr).toBe(0)
      expect(result.stdout).toContain("Opened in your browser.")
      expect(result.stdout).toContain(url) // printed as well, for another machine's browser
      const months = await cli(["months", "acme", "--json"], { env: d.env })
      expect(months.status, months.stderr).toBe(0)
      expect((JSON.parse(months.stdout) as Array<string>).length).toBeGreaterThan(0)
    } finally {
      inbox.close()
    }
  })

  it("--no-browser only prints the URL; a refused consent is exit 1 and the browser is told", async () => {
    const connect = cliRunning(["exact", "connect", "acme", "--no-browser"], {
      env: { ...d.env, ...headless, BROWSER: "/nonexistent/browser" }
    })
    await connect.waitFor(/^Waiting for the redirect on /, "stdout")
    const stray = await fetch(`${sandbox.callback}/../favicon.ico`)
    expect(stray.status).toBe(404) // not the redirect: waited past
    const refused = await fetch(`${sandbox.callback}?error=access_denied&state=x`)
    expect(refused.status).toBe(400)
    const result = await connect.done
    expect(result.status).toBe(1)
    expect(result.stderr).toContain("Exact Online refused the consent: access_denied")
    expect(result.stdout).not.toMatch(/browser/i)
  })
})
