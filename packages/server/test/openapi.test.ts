import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { openApi } from "../src/index.ts"
import { addUsers, client, openWorld } from "./support.ts"

type Operation = { "x-access": string; parameters?: Array<{ name: string; in: string }> }
const operations = () => {
  const doc = openApi() as { paths: Record<string, Record<string, Operation>> }
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase(), op }))
  )
}
const fill = (path: string, linkId = "acme") =>
  path
    .replace("{linkId}", linkId)
    .replace("{month}", "2026-03")
    .replace("{runId}", "run-1")
    .replace("{rowKey}", "row-1")
    .replace("{username}", "nobody")
    // A search's kind and an exclusion's kind are different lists: each route its own.
    .replace("{kind}", path.includes("/exclusions/") ? "product" : "companies")
    .replace("{key}", "item-1")

describe("the OpenAPI document", () => {
  it("is the committed openapi.json (npm run openapi writes it)", () => {
    const committed = JSON.parse(readFileSync(new URL("../openapi.json", import.meta.url), "utf8"))
    expect(committed).toEqual(JSON.parse(JSON.stringify(openApi())))
  })

  it("is OpenAPI 3.1 with every route under /api/v1 and decimals as strings", async () => {
    const doc = openApi() as unknown as {
      openapi: string
      components: { schemas: Record<string, { properties?: Record<string, { type?: string }> }> }
    }
    expect(doc.openapi).toBe("3.1.0")
    expect(doc.components.schemas.ReconciliationRowEncoded?.properties?.quantity?.type).toBe("string")
    // The connection test's answer has its shape (a generated client does not see `unknown`).
    const paths = (doc as unknown as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> })
      .paths
    expect(JSON.stringify(paths["/links/{linkId}/test"]?.post?.responses["200"])).toContain(
      "#/components/schemas/LinkTestResult"
    )
    expect(doc.components.schemas.LinkTestResult?.properties?.ok?.type).toBe("boolean")
    const w = await openWorld()
    const served = await w.server.fetch(new Request("http://localhost/api/v1/openapi.json"))
    expect(served.status).toBe(200)
    expect(await served.json()).toEqual(JSON.parse(JSON.stringify(openApi())))
  })

  it("walks every route: unauthenticated is 401, a viewer's write is 403, another link's grant is 404", async () => {
    const w = await openWorld()
    await addUsers(w.storage)
    const anonymous = client(w.server)
    const viewer = client(w.server)
    await viewer.signIn("vic")
    const other = client(w.server)
    await other.signIn("oth")
    const walked: Array<string> = []
    for (const { path, method, op } of operations()) {
      if (op["x-access"] === "public") continue
      const body = method === "GET" || method === "DELETE" ? undefined : {}
      const unauthenticated = await anonymous.call(method, fill(path), body)
      expect([path, method, unauthenticated.status]).toEqual([path, method, 401])
      expect(unauthenticated.body.error.code).toBe("Unauthenticated")
      if (op["x-access"] !== "viewer") {
        const refused = await viewer.call(method, fill(path), body)
        expect([path, method, refused.status]).toEqual([path, method, 403])
        expect(refused.body.error.code).toBe("Forbidden")
      }
      if (path.includes("{linkId}") && op["x-access"] !== "admin") {
        const hidden = await other.call(method, fill(path), body)
        expect([path, method, hidden.status]).toEqual([path, method, 404])
        expect(hidden.body.error).toEqual({ code: "NotFound", message: "no such link" })
      }
      walked.push(`${method} ${path}`)
    }
    expect(walked.length).toBeGreaterThan(30)
  })
})
