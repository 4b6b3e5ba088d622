// `psa-ledger serve` as an operator runs it: a deployment from `init`, a user from `users add`, the
// server in a child process on a free port, signed in to over HTTP, stopped with SIGTERM (exit 0).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { cli, cliRunning, deploymentDir, printed, sandboxSecrets } from "./support.ts"

const PASSWORD = "serve test password 1"
const keys: Array<string> = []

describe("psa-ledger serve", () => {
  afterAll(() => {
    const all = printed.join("\n")
    for (const secret of [PASSWORD, ...sandboxSecrets, ...keys]) expect(all).not.toContain(secret)
  })

  it("serves the API and the portal's files over the deployment; sign in, list links; SIGTERM stops it (0)", async () => {
    const d = await deploymentDir()
    keys.push(d.key())
    try {
      expect((await cli(["links", "add", "acme", "--sandbox"], { env: d.env })).status).toBe(0)
      const user = await cli(
        ["users", "add", "ann@msp.example", "--role", "finance", "--all-links", "--password-from-stdin"],
        {
          env: d.env,
          input: `${PASSWORD}\n`
        }
      )
      expect(user.status, user.stderr).toBe(0)
      const again = await cli(["users", "add", "ann@msp.example", "--role", "admin"], {
        env: { ...d.env, PSA_LEDGER_USER_PASSWORD: PASSWORD }
      })
      expect(again.status).toBe(1)
      expect(again.stderr).toContain("exists already")
      // A portal build of its own, so the test does not depend on vite having run.
      const assets = join(d.dir, "dist")
      mkdirSync(assets)
      writeFileSync(join(assets, "index.html"), "<!doctype html><title>portal under test</title>")

      const server = cliRunning(["serve", "--port", "0", "--assets", assets], { env: d.env })
      const line = await server.waitFor(/the portal and API on http:\/\//, "stdout")
      const url = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(line)?.[1] ?? ""
      expect(url).not.toBe("")

      const page = await fetch(`${url}/runs/anything`)
      expect(page.status).toBe(200)
      expect(await page.text()).toContain("portal under test") // a portal route answers the single-page app
      const wrong = await fetch(`${url}/api/v1/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "ann@msp.example", password: "not the password" })
      })
      expect(wrong.status).toBe(401)
      const signIn = await fetch(`${url}/api/v1/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "ann@msp.example", password: PASSWORD })
      })
      expect(signIn.status).toBe(200)
      expect(await signIn.json()).toMatchObject({ user: "ann@msp.example", role: "finance" })
      const cookie = signIn.headers.get("set-cookie")?.split(";")[0] ?? ""
      const links = await fetch(`${url}/api/v1/links`, { headers: { cookie } })
      expect(links.status).toBe(200)
      const body = (await links.json()) as Array<{ id: string }>
      expect(body.map((link) => link.id)).toEqual(["acme"])

      server.child.kill("SIGTERM")
      const result = await server.done
      expect(result.status, result.stderr).toBe(0)
      expect(result.stderr).toContain("stopping (SIGTERM)")
      expect(result.stderr).toContain("psa-ledger: stopped")
      await expect(fetch(`${url}/api/v1/links`)).rejects.toThrow() // nothing listens any more
    } finally {
      d.remove()
    }
  })

  it("serves examples/portal's build by default, with the portal's own file handler", async () => {
    const d = await deploymentDir()
    keys.push(d.key())
    try {
      const server = cliRunning(["serve", "--port", "0"], { env: d.env })
      const line = await server.waitFor(/the portal and API on http:\/\//, "stdout")
      const url = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(line)?.[1] ?? ""
      // The built bin finds the portal's build (turbo builds it before these tests) on its own.
      const page = await fetch(`${url}/runs/anything`)
      expect(page.status).toBe(200)
      expect(await page.text()).toBe(readFileSync(new URL("../../portal/dist/index.html", import.meta.url), "utf8"))
      server.child.kill("SIGTERM")
      const result = await server.done
      expect(result.status, result.stderr).toBe(0)
      expect(result.stderr).not.toContain("no portal build")
    } finally {
      d.remove()
    }
  })

  it("exits 2 on a bad --port and a bad --role, 1 on a port in use", async () => {
    const d = await deploymentDir()
    keys.push(d.key())
    try {
      const [port, role] = await Promise.all([
        cli(["serve", "--port", "eighty"], { env: d.env }),
        cli(["users", "add", "x", "--role", "owner"], { env: d.env })
      ])
      expect(port.status).toBe(2)
      expect(role.status).toBe(2)
      expect(role.stderr).toContain("--role must be one of admin, finance, viewer")
      const first = cliRunning(["serve", "--port", "0"], { env: d.env })
      const taken = /:(\d+)\//.exec(await first.waitFor(/the portal and API on/, "stdout"))?.[1] ?? ""
      const second = await cli(["serve", "--port", taken], { env: d.env })
      expect(second.status).toBe(1)
      expect(second.stderr).toContain(`cannot listen on 127.0.0.1:${taken} (EADDRINUSE)`)
      first.child.kill("SIGINT")
      expect((await first.done).status).toBe(0)
    } finally {
      d.remove()
    }
  })
})
