import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { staticFiles } from "../src/server/assets.ts"

describe("the portal's static files", () => {
  const dir = mkdtempSync(join(tmpdir(), "portal-assets-"))
  mkdirSync(join(dir, "assets"))
  writeFileSync(join(dir, "index.html"), "<!doctype html><title>portal</title>")
  writeFileSync(join(dir, "assets", "app-1.js"), "console.log(1)")
  writeFileSync(join(tmpdir(), "portal-secret.txt"), "outside")
  // A trailing slash on the folder once refused every file (the containment check compared `dist//`).
  const serve = staticFiles(`${dir}/`)
  const get = (path: string) => serve(new Request(`http://localhost${path}`))

  it("serves a built file with its type and a long cache", async () => {
    const r = await get("/assets/app-1.js")
    expect(r.status).toBe(200)
    expect(r.headers.get("content-type")).toContain("javascript")
    expect(r.headers.get("cache-control")).toContain("immutable")
  })
  it("answers a page path with index.html, a missing asset with 404", async () => {
    const page = await get("/reconcile/2025-03")
    expect(await page.text()).toContain("<title>portal</title>")
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'")
    expect((await get("/assets/missing.js")).status).toBe(404)
  })
  it("never leaves its folder", async () => {
    const r = await get("/..%2fportal-secret.txt")
    expect(await r.text()).not.toContain("outside")
  })
})
